"""Staff's invoice search: by number, customer name or email (in any case), status and kind,
newest first, a page at a time, each with its customer's email."""
from datetime import date, datetime, timezone

from caas.service_layer.billing import views
from tests.support.fakes.sales import buyer, catalog_of_the_shop, sale


def issue(world, customer: dict, number: str, *, kind="invoice", status="paid") -> int:
    """An invoice as month-end billing leaves it (which the fakes do not run)."""
    now = datetime(2028, 3, 1, tzinfo=timezone.utc)
    with world.ctx.uow() as uow:
        invoice_id = uow.table("invoices").insert(None)
        uow.table("invoices").rows[invoice_id] = dict(
            id=invoice_id, number=number, kind=kind, customer_id=customer["id"],
            currency="EUR", net_minor=1134, vat_minor=238, total_minor=1372,
            customer_name=customer["name"], customer_tax_id="12345678Z", customer_address={},
            locale="es-ES", issue_date=date(2028, 3, 1), due_date=date(2028, 3, 31),
            status=status, created_at=now, updated_at=now, period="2028-02")
        uow.commit()
    return invoice_id


def test_invoices_are_found_by_number_customer_status_and_kind(world):
    catalog_of_the_shop(world)
    _, ana = sale(world, buyer(name="Ana García", email="ana@example.test"))
    _, luis = sale(world, buyer(name="Luis Pérez", email="LUIS@example.test"))
    first = issue(world, ana, "INV/2028/000001")
    failed = issue(world, luis, "INV/2028/000002", status="failed")
    note = issue(world, ana, "CN/2028/000001", kind="credit_note", status="credited")

    def numbers(**filters):
        found, total = views.search_invoices(world.ctx, 0, 10, **filters)
        assert total == len(found)
        return [each["number"] for each in found]
    assert numbers() == ["CN/2028/000001", "INV/2028/000002", "INV/2028/000001"]
    assert numbers(text="2028/000001") == ["CN/2028/000001", "INV/2028/000001"]
    assert numbers(text="garcía") == ["CN/2028/000001", "INV/2028/000001"]
    assert numbers(text="luis@EXAMPLE") == ["INV/2028/000002"]
    assert numbers(text="  ") == numbers()
    assert numbers(status="failed") == ["INV/2028/000002"]
    assert numbers(kind="credit_note") == ["CN/2028/000001"]
    assert numbers(text="ana", kind="invoice") == ["INV/2028/000001"]
    assert numbers(text="nobody") == []
    found, total = views.search_invoices(world.ctx, 1, 1)
    assert total == 3 and [each["id"] for each in found] == [failed]
    [listed] = views.search_invoices(world.ctx, 0, 1, text="CN/")[0]
    assert listed["id"] == note and listed["customer_email"] == "ana@example.test"
    assert str(listed["total"].amount) == "13.72" and "lines" not in listed
    assert [each["id"] for each in views.search_invoices(world.ctx, 0, 10, text="ana")[0]] == [
        note, first]

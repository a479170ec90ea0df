"""The customer's record read a part at a time, as the Web Platform's pages read it: their
documents, and the maintenance of their delivered vehicles."""
from datetime import date

from caas.domain.countries import RegistrationResult
from caas.service_layer import customer_record, delivery, documents, payments
from tests.support.fakes.sales import buyer, catalog_of_the_shop, ready_for_final_payment, sale
from tests.support.gateway_errors import Maintenance, VssUnavailable


def test_a_customers_documents_are_their_contracts_and_their_models_manuals(world):
    catalog_of_the_shop(world)
    order, customer = sale(world)
    _, other = sale(world)
    manual = documents.store_manual(world.ctx, "urbano", "Manual", "u.pdf", "application/pdf",
                                    b"%PDF")
    found = documents.customer_documents(world.ctx, customer["id"])
    assert [(each["kind"], each["order_id"]) for each in found] == [
        ("contract", order.id), ("manual", None)]
    assert found[1]["id"] == manual["id"] and all("content" not in each for each in found)
    assert {each["kind"] for each in documents.customer_documents(world.ctx, other["id"])} == {
        "contract", "manual"}
    assert found[0]["id"] not in {each["id"] for each in
                                  documents.customer_documents(world.ctx, other["id"])}


def test_the_maintenance_of_each_delivered_vehicle_stale_while_the_vss_is_down(world):
    catalog_of_the_shop(world)
    _, customer, vin = delivered(world)
    _, waiting = sale(world)  # no vehicle delivered yet: nothing to ask the VSS
    world.gateways.vss.will("maintenance", Maintenance(
        vin=vin, status="current", last_service=date(2027, 2, 1), next_due=date(2028, 2, 1),
        completion_percentage=50, history=[{"date": "2027-02-01"}]))
    [fresh] = customer_record.vehicle_maintenance(world.ctx, customer["id"])
    assert fresh["vin"] == vin and fresh["plate"] == "1234 BCD" and fresh["model"] == "urbano"
    assert fresh["model_name"] == "Urbano"
    assert fresh["stale"] is False and fresh["history"] == [{"date": "2027-02-01"}]
    world.gateways.vss.will("maintenance", VssUnavailable("down"))
    [stale] = customer_record.vehicle_maintenance(world.ctx, customer["id"])
    assert stale["stale"] is True and stale["history"] == fresh["history"]
    assert customer_record.vehicle_maintenance(world.ctx, waiting["id"]) == []


def test_the_maintenance_of_every_vehicle_the_customer_bought_and_no_one_elses(world):
    catalog_of_the_shop(world)
    _, customer, first = delivered(world, "VSSZZZ6JZ9R000001")
    again = buyer(world.tenant.country, email=customer["email"])
    _, _, second = delivered(world, "VSSZZZ6JZ9R000002", again)
    ready_for_final_payment(world, "VSSZZZ6JZ9R000003", again)  # built, not delivered
    sale(world, again)
    _, other, theirs = delivered(world, "VSSZZZ6JZ9R000004")
    for vin in (first, second, theirs):
        world.gateways.vss.will("maintenance", Maintenance(
            vin=vin, status="current", last_service=None, next_due=date(2028, 2, 1),
            completion_percentage=0, history=[]))
    assert sorted(each["vin"] for each in
                  customer_record.vehicle_maintenance(world.ctx, customer["id"])) == [first, second]
    assert [each["vin"] for each in
            customer_record.vehicle_maintenance(world.ctx, other["id"])] == [theirs]


def delivered(world, vin: str = "VSSZZZ6JZ9R000001", customer: dict | None = None):
    """An order paid in full, registered and delivered to ``customer`` (by default a new one):
    ``(order, customer view, vin)``."""
    order, customer, vin = ready_for_final_payment(world, vin, customer)
    world.gateways.registration_body.will("register", RegistrationResult("1234 BCD", "DGT-1"))
    payments.pay_final(world.ctx, order.id, "tok_ok")
    delivery.record_delivery(world.ctx, order.id, "delivered")
    return order, customer, vin

"""Support tickets staff work on, and the documents in a customer's record."""
import pytest

from caas.domain.tickets import TicketStatus
from caas.service_layer import documents, tickets
from caas.service_layer.errors import Invalid, NotFound, UnsupportedMediaType
from caas.service_layer.users import provision_user
from tests.support.fakes.sales import catalog_of_the_shop, sale


@pytest.fixture
def ticket(world):
    with world.ctx.uow() as uow:
        ticket_id = uow.tickets.open("ota_failed", "Activation failed", {"attempts": 5},
                                     vin="VIN1")
        uow.commit()
    return ticket_id


@pytest.fixture
def clerk(world):
    return provision_user(world.ctx, email="clerk@shop.test", role="employee", name="Clerk",
                          password="a-strong-password-1").id


def test_an_opened_ticket_starts_its_history_and_the_audit(world, ticket):
    view = tickets.view(world.ctx, ticket)
    assert view["status"] is TicketStatus.OPEN and view["kind"] == "ota_failed"
    assert [entry["change"] for entry in view["history"]] == ["opened"]
    assert world.audit("ticket.opened")[0]["entity_id"] == str(ticket)


def test_a_ticket_is_assigned_to_staff_and_taken_on(world, ticket, clerk):
    view = tickets.update(world.ctx, ticket, {"assignee_id": clerk, "status": "in_progress"})
    assert view["assignee_id"] == clerk and view["status"] is TicketStatus.IN_PROGRESS
    assert {entry["action"] for entry in world.audit()} >= {"ticket.assigned",
                                                           "ticket.status_changed"}


def test_only_active_staff_can_be_assigned(world, ticket):
    customer = provision_user(world.ctx, email="c@example.test", role="customer", name="C",
                              password="a-strong-password-1").id
    for assignee in (customer, 999):
        with pytest.raises(Invalid) as refused:
            tickets.update(world.ctx, ticket, {"assignee_id": assignee})
        assert "assignee_id" in refused.value.errors
    assert tickets.view(world.ctx, ticket)["assignee_id"] is None


def test_the_assignees_offered_are_the_active_staff_by_name(world, clerk):
    provision_user(world.ctx, email="c@example.test", role="customer", name="C",
                   password="a-strong-password-1")
    gone = provision_user(world.ctx, email="gone@shop.test", role="employee", name="Gone",
                          password="a-strong-password-1")
    with world.ctx.uow() as uow:
        uow.users.table.rows[gone.id].active = False
        uow.commit()
    offered = tickets.assignees(world.ctx)
    ids = [person.id for person in offered]
    assert clerk in ids and gone.id not in ids
    assert {person.role for person in offered} <= {"admin", "employee"}
    assert [person.name for person in offered] == sorted(person.name for person in offered)
    assert tickets.people(world.ctx, [clerk, None])[clerk].name == "Clerk"


def test_a_resolved_ticket_records_when(world, ticket):
    view = tickets.update(world.ctx, ticket, {"status": "resolved"})
    assert view["resolved_at"] == world.clock.now()


def test_comments_join_the_discussion_with_their_author(world, ticket):
    comment = tickets.comment(world.ctx, ticket, "Called the customer.")
    assert comment["body"] == "Called the customer."
    assert tickets.view(world.ctx, ticket)["comments"] == [comment]


def test_an_empty_comment_is_invalid(world, ticket):
    with pytest.raises(Invalid):
        tickets.comment(world.ctx, ticket, "   ")


def test_an_unknown_ticket_is_not_found(world):
    with pytest.raises(NotFound):
        tickets.view(world.ctx, 42)


def test_tickets_are_listed_newest_first_and_filtered(world, ticket, clerk):
    with world.ctx.uow() as uow:
        newer = uow.tickets.open("chargeback_risk", "Capture declined", {})
        uow.commit()
    tickets.update(world.ctx, ticket, {"assignee_id": clerk})
    listed, total = tickets.page(world.ctx, 0, 10)
    assert [t.id for t in listed] == [newer, ticket] and total == 2
    assert [t.id for t in tickets.page(world.ctx, 0, 10, assigned=False)[0]] == [newer]
    assert [t.id for t in tickets.page(world.ctx, 0, 10, kind="ota_failed")[0]] == [ticket]


@pytest.fixture
def shop(world):
    catalog_of_the_shop(world)
    return world


def test_a_manual_is_kept_per_model_without_its_content_in_the_answer(shop):
    stored = documents.store_manual(shop.ctx, "urbano", "Manual", "urbano.pdf",
                                    "application/pdf", b"%PDF-1.4")
    assert stored["model"] == "urbano" and stored["size"] == 8 and "content" not in stored
    assert shop.audit("document.manual_added")


def test_the_manuals_are_listed_per_model_without_their_content(shop):
    first = documents.store_manual(shop.ctx, "urbano", "Manual", "u.pdf", "application/pdf",
                                   b"%PDF")
    second = documents.store_manual(shop.ctx, "urbano", "Manual 2", "u2.txt", "text/plain",
                                    b"text")
    listed = documents.manuals(shop.ctx, ["urbano", "cohete"])
    assert [manual["id"] for manual in listed["urbano"]] == [first["id"], second["id"]]
    assert listed["cohete"] == [] and "content" not in listed["urbano"][0]


def test_a_manual_of_an_unknown_model_is_not_found(shop):
    with pytest.raises(NotFound):
        documents.store_manual(shop.ctx, "cohete", "Manual", "m.pdf", "application/pdf", b"x")
    assert shop.rows("documents") == []


@pytest.mark.parametrize("content_type, content, refused", [
    ("image/png", b"\x89PNG", UnsupportedMediaType), ("application/pdf", b"", Invalid)])
def test_a_manual_that_is_not_a_document_or_is_empty_is_refused(shop, content_type, content,
                                                                 refused):
    with pytest.raises(refused) as error:
        documents.store_manual(shop.ctx, "urbano", "Manual", "m.pdf", content_type, content)
    assert "body" in error.value.errors
    assert shop.rows("documents") == [] and not shop.audit("document.manual_added")


def test_a_customer_reads_their_contract_and_their_models_manual(shop):
    order, customer = sale(shop)
    manual = documents.store_manual(shop.ctx, "urbano", "Manual", "u.pdf", "application/pdf",
                                    b"%PDF")
    [contract] = [row for row in shop.rows("documents") if row["kind"] == "contract"]
    assert documents.document(shop.ctx, contract["id"], customer["id"])["order_id"] == order.id
    assert documents.document(shop.ctx, manual["id"], customer["id"])["content"] == b"%PDF"


def test_another_customers_contract_is_not_found(shop):
    sale(shop)
    _, other = sale(shop)
    first_contract = shop.rows("documents")[0]
    with pytest.raises(NotFound):
        documents.document(shop.ctx, first_contract["id"], other["id"])


def test_staff_read_any_document(shop):
    sale(shop)
    contract = shop.rows("documents")[0]
    assert documents.document(shop.ctx, contract["id"], None)["kind"] == "contract"

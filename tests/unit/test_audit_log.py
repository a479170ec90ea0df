"""The tenant's audit log, as staff read it: newest first, filtered."""
from datetime import timedelta
from decimal import Decimal

from caas.context import Actor, actor_var
from caas.service_layer import audit, sales
from tests.support.fakes.sales import catalog_of_the_shop


def test_entries_name_their_actor_and_come_newest_first(world):
    token = actor_var.set(Actor(role="admin", id=3, email="boss@shop.test"))
    try:
        catalog_of_the_shop(world)
    finally:
        actor_var.reset(token)
    entries, total = audit.page(world.ctx, 0, 10, {})
    assert [entry["action"] for entry in entries] == ["plan.created", "model.created"]
    assert total == 2 and entries[0]["actor_email"] == "boss@shop.test"


def test_entries_are_filtered_by_entity_and_by_action_prefix(world):
    catalog_of_the_shop(world)
    sales.add_model(world.ctx, code="familiar", name="Familiar", base_price=Decimal("1"),
                    options=[])
    models, total = audit.page(world.ctx, 0, 10, {"entity": "model"})
    assert total == 2 and {entry["entity_id"] for entry in models} == {"urbano", "familiar"}
    assert audit.page(world.ctx, 0, 10, {"action": "plan."})[1] == 1
    assert audit.page(world.ctx, 0, 10, {"action": "plan"})[1] == 0  # exact, no such action


def test_entries_are_filtered_by_time(world):
    catalog_of_the_shop(world)
    earlier = world.clock.now()
    world.clock.advance(hours=1)
    sales.add_model(world.ctx, code="familiar", name="Familiar", base_price=Decimal("1"),
                    options=[])
    later, total = audit.page(world.ctx, 0, 10, {"since": earlier + timedelta(minutes=1)})
    assert total == 1 and later[0]["entity_id"] == "familiar"
    assert audit.page(world.ctx, 0, 10, {"until": earlier + timedelta(minutes=1)})[1] == 2


def test_a_page_holds_at_most_its_limit(world):
    catalog_of_the_shop(world)
    entries, total = audit.page(world.ctx, 1, 1, {})
    assert [entry["action"] for entry in entries] == ["model.created"] and total == 2

"""A price move's preview: who it would move and from when, changing nothing."""
from datetime import date
from decimal import Decimal

import pytest

from caas.domain.money import Money
from caas.service_layer import catalog
from caas.service_layer.billing import pricing
from caas.service_layer.errors import NotFound
from tests.support.fakes.services import owner_with_vehicle

OPTION = "extended_range"


def sell(world, price):
    catalog.set_option(world.ctx, OPTION, enabled=True, price=price, billing="monthly",
                       locale="es-ES")


def subscribed(world, vin, price_minor=1990, option=OPTION, status="active"):
    owner = owner_with_vehicle(world, vin=vin)
    with world.ctx.uow() as uow:
        subscription = uow.subscriptions.add(
            service_id=len(world.rows("subscriptions")) + 1, customer_id=owner, vin=vin,
            option=option, price_minor=price_minor, currency="EUR", card_token="tok_ok",
            started_at=uow.now())
        uow.table("subscriptions").rows[subscription]["status"] = status
        uow.commit()
    return owner


def test_the_preview_counts_the_subscriptions_at_another_price_and_names_their_customers(
        world):
    sell(world, "19.90")
    first = subscribed(world, "VIN0000000000001")
    subscribed(world, "VIN0000000000002", price_minor=2490)
    sell(world, "24.90")
    subscribed(world, "VIN0000000000003", status="ended")
    preview = pricing.preview_price_move(world.ctx, OPTION, 30)
    assert preview["subscriptions"] == 1 and preview["customers"] == 1
    assert [person.id for person in preview["first_customers"]] == [first]
    assert preview["price"] == Money(Decimal("24.90"), "EUR")


def test_the_new_price_applies_from_the_first_month_after_the_notice(world):
    sell(world, "19.90")
    # The fake clock's day is 10 February 2028: 30 days on is 11 March, so April.
    preview = pricing.preview_price_move(world.ctx, OPTION, 30)
    assert preview["effective_from"] == "2028-04" and preview["applies_on"] == date(2028, 4, 1)
    assert pricing.preview_price_move(world.ctx, OPTION, 20)["effective_from"] == "2028-03"


def test_the_preview_changes_nothing(world):
    sell(world, "19.90")
    subscribed(world, "VIN0000000000001")
    sell(world, "24.90")
    before = [dict(row) for row in world.rows("subscriptions")]
    audited, queued = len(world.audit()), len(world.rows("outbox"))
    assert pricing.preview_price_move(world.ctx, OPTION, 30)["subscriptions"] == 1
    assert world.rows("subscriptions") == before
    assert len(world.audit()) == audited and len(world.rows("outbox")) == queued


def test_an_option_not_sold_monthly_has_no_preview(world):
    with pytest.raises(NotFound):
        pricing.preview_price_move(world.ctx, OPTION, 30)
    catalog.set_option(world.ctx, "heated_seats", enabled=True, price="300",
                       billing="one_time", locale="es-ES")
    with pytest.raises(NotFound):
        pricing.preview_price_move(world.ctx, "heated_seats", 30)

"""Sales set up through the use cases, over the fakes: a model, a plan, a sold order."""
from __future__ import annotations

import uuid
from decimal import Decimal

from caas.context import Actor
from caas.service_layer import factory, payments, sales
from tests.support.journey import CUSTOMERS

SELLER = Actor(role="employee", id=2, email="seller@shop.test")
MODEL, PLAN = "urbano", "standard"


def catalog_of_the_shop(world) -> None:
    """The journeys' model (29,990 plus a red paint at 590) and plan (a 500 reservation)."""
    sales.add_model(world.ctx, code=MODEL, name="Urbano", base_price=Decimal("29990"),
                    options=[{"code": "paint_red", "name": "Red", "price": Decimal("590")}])
    sales.add_plan(world.ctx, code=PLAN, name="Standard", reservation=Decimal("500"))


def buyer(country: str = "ES", **overrides) -> dict:
    return {**CUSTOMERS[country], "name": "Ana García",
            "email": f"ana-{uuid.uuid4().hex[:8]}@example.test", **overrides}


def sale(world, customer: dict | None = None, options=("paint_red",), model: str = MODEL,
         plan: str = PLAN):
    """Register a sale of the shop's model and plan; ``(order, customer view)``."""
    return sales.register_sale(world.ctx, SELLER, customer=customer or buyer(world.tenant.country),
                               model=model, plan=plan, options=list(options))


def order_status(world, order_id: int):
    """The order's committed status."""
    with world.ctx.reader() as uow:
        return uow.orders.get(order_id).status


def ready_for_final_payment(world, vin: str = "VSSZZZ6JZ9R000001", customer: dict | None = None):
    """A sold, reserved and factory-built order awaiting its final payment, with its vehicle
    (sold to ``customer``, by default a new one)."""
    order, customer = sale(world, customer)
    assert payments.pay_reservation(world.ctx, order.id, "tok_ok") == "succeeded"
    with world.ctx.reader() as uow:
        factory_order = uow.orders.get(order.id).factory_order_id
    factory.receive_factory_event(world.ctx, {"event_id": f"evt-{vin}", "order_id": factory_order,
                                              "status": "READY", "vin": vin})
    return order, customer, vin

"""Catalog options bought through the use cases, over the fakes."""
from __future__ import annotations

from caas.domain.orders import Vehicle
from caas.service_layer import activation, catalog, service_purchase
from caas.service_layer.users import provision_user

VIN = "VSSZZZ6JZ9R000009"
PRICES = {"heated_seats": ("199.00", "one_time"), "performance_boost": ("49.00", "one_time"),
          "extended_range": ("19.90", "monthly"), "driving_assistance": ("29.90", "monthly")}


def owner_with_vehicle(world, model: str = "urbano", vin: str = VIN) -> int:
    """A customer with a delivered vehicle linked to their account; their id."""
    user = provision_user(world.ctx, email=f"owner-{vin}@example.test", role="customer",
                          name="Ana", password="a-strong-password-1")
    with world.ctx.uow() as uow:
        uow.customers.add(user.id, "+34612345678", "12345678Z", {})
        uow.vehicles.add(Vehicle(vin=vin, model=model, status="delivered",
                                 linked_user_id=user.id))
        uow.commit()
    return user.id


def on_sale(world, *codes: str) -> None:
    for code in codes:
        price, billing = PRICES[code]
        catalog.set_option(world.ctx, code, enabled=True, price=price, billing=billing,
                           locale=world.tenant.default_locale)


def service(world, service_id: int):
    with world.ctx.reader() as uow:
        return uow.services.get(service_id)


def active(world, customer_id: int, code: str, vin: str = VIN):
    """Buy ``code`` and run its activation to the end; the service's id."""
    bought = service_purchase.purchase(world.ctx, customer_id, vin, code, "tok_ok")
    activation.run_attempt(world.ctx, bought["id"])
    return bought["id"]

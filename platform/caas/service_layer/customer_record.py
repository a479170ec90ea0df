"""The customer record: everything the platform knows of one customer, documents included.

One read gathers what the platform knows of a customer: vehicles, orders with their
history, documents, maintenance (from the VSS, or its last answer marked stale),
services with their history, invoices and credit notes, and the notifications sent.
"""
from __future__ import annotations

from caas.domain.orders import Order
from caas.i18n import lazy_gettext
from caas.service_layer import sales, service_views
from caas.service_layer.billing import views as billing_views
from caas.service_layer.documents import of_orders
from caas.service_layer.errors import NotFound
from caas.service_layer.maintenance import maintenance_view
from caas.service_layer.context import TenantContext

RECENT_NOTIFICATIONS = RECENT_INVOICES = 100


def customer_record(ctx: TenantContext, customer_id: int) -> dict:
    """The record of customer ``customer_id``; :class:`NotFound` if there is no such customer."""
    with ctx.uow() as uow:
        user = uow.users.get(customer_id)
        if user is None or user.role != "customer":
            raise NotFound(lazy_gettext("Customer %(id)s not found.", id=customer_id))
        profile = uow.customers.get(customer_id) or {}
        orders, _ = uow.orders.page(0, 1000, customer_id=customer_id)
        order_views = sales.views(uow, orders)
        vehicles = _vehicles(uow, orders, customer_id)
        services = []
        for vehicle in vehicles:
            owned, _ = uow.services.of_vehicle(vehicle["vin"], 0, 1000)
            services += [service for service in owned if service.customer_id == customer_id]
        bought = service_views.service_views(uow, services)
        documents = of_orders(uow, orders)
        notifications, sent = uow.notifications.page(0, RECENT_NOTIFICATIONS,
                                                     recipient_id=customer_id)
    invoices, _ = billing_views.invoices(ctx, customer_id, 0, RECENT_INVOICES)
    maintenance = [maintenance_view(ctx, vehicle["vin"]) for vehicle in _maintained(vehicles)]
    return {"customer": {"id": user.id, "name": user.name, "email": user.email,
                         "locale": user.locale, "phone": profile.get("phone")},
            "vehicles": vehicles, "orders": order_views, "documents": documents,
            "maintenance": maintenance, "services": bought,
            "invoices": invoices, "notifications": notifications, "notifications_total": sent}


def vehicle_maintenance(ctx: TenantContext, customer_id: int) -> list[dict]:
    """The maintenance of each of the customer's delivered vehicles, with its model and
    plate: the VSS's answer, or its last one marked ``stale`` while the VSS is down."""
    with ctx.reader() as uow:
        orders, _ = uow.orders.page(0, 1000, customer_id=customer_id)
        vehicles = _maintained(_vehicles(uow, orders, customer_id))
        names = {code: (uow.catalog.model(code) or {}).get("name", code)
                 for code in {vehicle["model"] for vehicle in vehicles}}
    return [{**maintenance_view(ctx, vehicle["vin"]), "model": vehicle["model"],
             "model_name": names[vehicle["model"]], "plate": vehicle["plate"]}
            for vehicle in vehicles]


def _maintained(vehicles: list[dict]) -> list[dict]:
    """The vehicles the VSS keeps a record of: those delivered to the customer."""
    return [vehicle for vehicle in vehicles if vehicle["status"] == "delivered"]


def _vehicles(uow, orders: list[Order], customer_id: int) -> list[dict]:
    found = []
    by_vin = uow.vehicles.many(order.vin for order in orders if order.vin)
    for order in orders:
        vehicle = by_vin.get(order.vin)
        # A vehicle that went back to stock (cancelled order) is no longer the customer's.
        if vehicle is not None and vehicle.order_id == order.id:
            found.append({"vin": vehicle.vin, "model": vehicle.model, "plate": vehicle.plate,
                          "status": vehicle.status, "order_id": order.id,
                          "order_status": order.status.value,
                          "linked": vehicle.linked_user_id == customer_id,
                          "linked_at": vehicle.linked_at})
    return found

"""In-memory twins of the repositories of the sales side: models and plans, orders, vehicles,
and the services bought for vehicles (with their status histories)."""
from __future__ import annotations

import copy
from collections import Counter

from caas.service_layer.unit_of_work import LiveServiceExists, StaleOrder, StaleService
from caas.context import current_actor
from caas.domain.orders import AWAITING_VEHICLE, Order, Status, Vehicle
from caas.domain.services import Service, ServiceStatus
from tests.support.fakes.repositories import Repository, page


class Catalog(Repository):
    TABLE = "catalog"

    def add_model(self, code, name, base_price, options):
        self.table.insert({"code": code, "name": name, "currency": base_price.currency,
                           "base_price": base_price, "options": copy.deepcopy(options)},
                          key=("model", code))
        return self.model(code)

    def model(self, code):
        return copy.deepcopy(self.table.rows.get(("model", code)))

    def models(self, offset, limit):
        return page([copy.deepcopy(row) for key, row in sorted(self.table.rows.items())
                      if key[0] == "model"], offset, limit)

    def add_plan(self, code, name, reservation):
        self.table.insert({"code": code, "name": name, "reservation": reservation},
                          key=("plan", code))
        return self.plan(code)

    def plan(self, code):
        return copy.deepcopy(self.table.rows.get(("plan", code)))

    def plans(self, offset, limit):
        return page([copy.deepcopy(row) for key, row in sorted(self.table.rows.items())
                      if key[0] == "plan"], offset, limit)


def _history(uow, name: str, owner_ids) -> dict[int, list[dict]]:
    events = uow.table(name).rows.values()
    return {owner: [dict(event["entry"]) for event in events if event["owner"] == owner]
            for owner in owner_ids}


def _record(uow, name: str, owner: int, steps, now) -> None:
    actor = current_actor()
    for source, target, note in steps:
        uow.table(name).insert({"owner": owner, "entry": {
            "at": now, "from": source.value if source else None, "to": target.value,
            "note": note[:500], "actor": {"role": actor.role, "id": actor.id,
                                          "email": actor.email}}})


class Orders(Repository):
    """Orders, saved only over the version read (else :class:`StaleOrder`)."""

    TABLE = "orders"

    def add(self, order: Order) -> Order:
        order.created_at = order.updated_at = self.now()
        order.id = self.table.insert(None)
        self._write(order)
        return order

    def save(self, order: Order) -> None:
        stored = self.table.rows.get(order.id)
        if stored is None or stored.version != order.version:
            raise StaleOrder(order.reference)
        order.updated_at = self.now()
        order.version += 1
        self._write(order)

    def _write(self, order: Order) -> None:
        steps = [(step.source, step.target, step.note) for step in order.pending]
        _record(self.uow, "order_events", order.id, steps, self.now())
        self.uow.audit.steps("order", order.id, steps)
        order.pending.clear()
        self.table.rows[order.id] = copy.deepcopy(order)

    def get(self, order_id):
        return copy.deepcopy(self.table.rows.get(order_id))

    def by_factory_order(self, factory_order_id):
        found = self.table.where(factory_order_id=factory_order_id)
        return copy.deepcopy(found[0]) if found else None

    def page(self, offset, limit, *, status=None, customer_id=None):
        rows = [copy.deepcopy(order) for order in reversed(self.table.where())
                if (not status or order.status.value == status)
                and (customer_id is None or order.customer_id == customer_id)]
        return page(rows, offset, limit)

    @staticmethod
    def _late(order, registration_due) -> bool:
        return order.status is Status.REGISTERING and bool(
            order.registration_escalated_at or order.updated_at < registration_due)

    def status_counts(self, registration_due):
        orders = self.table.where()
        return (dict(Counter(order.status.value for order in orders)),
                sum(self._late(order, registration_due) for order in orders))

    def waiting(self, offset, limit, statuses, registration_due):
        rows = [copy.deepcopy(order) for order in reversed(self.table.where())
                if order.status.value in statuses and (
                    order.status is not Status.REGISTERING or self._late(order, registration_due))]
        return rows[offset:offset + limit]

    def awaiting_vehicle(self, models):
        return [copy.deepcopy(order) for order in self.table.where()
                if order.model in models and order.status in AWAITING_VEHICLE]

    def history(self, order_ids):
        return _history(self.uow, "order_events", order_ids)


class Vehicles(Repository):
    TABLE = "vehicles"

    def add(self, vehicle: Vehicle) -> None:
        vehicle = copy.copy(vehicle)
        vehicle.updated_at = self.now()
        self.table.insert(vehicle, key=vehicle.vin)

    def get(self, vin):
        return copy.copy(self.table.rows.get(vin))

    def many(self, vins) -> dict:
        return {vin: copy.copy(self.table.rows[vin]) for vin in set(vins)
                if vin in self.table.rows}

    def save(self, vehicle: Vehicle) -> None:
        vehicle = copy.copy(vehicle)
        vehicle.updated_at = self.now()
        self.table.rows[vehicle.vin] = vehicle

    def claim_from_stock(self, vin, order_id) -> bool:
        vehicle = self.table.rows.get(vin)
        if vehicle is None or vehicle.status != Vehicle.UNASSIGNED:
            return False
        vehicle.status, vehicle.order_id, vehicle.updated_at = "assigned", order_id, self.now()
        return True

    def link(self, vin, user_id) -> bool:
        vehicle = self.table.rows.get(vin)
        if vehicle is None or vehicle.linked_user_id not in (None, user_id):
            return False
        vehicle.linked_user_id, vehicle.linked_at = user_id, vehicle.linked_at or self.now()
        return True

    def stock(self, offset, limit, model=None):
        rows = [copy.copy(vehicle) for vehicle in self.table.where(status=Vehicle.UNASSIGNED)
                if not model or vehicle.model == model]
        return page(rows, offset, limit)


class Services(Repository):
    """Services, one live per vehicle and option; saved only over the version read."""

    TABLE = "services"

    def add(self, service: Service) -> Service:
        if service.live_key and self.table.where(live_key=service.live_key):
            raise LiveServiceExists(service.live_key)
        service.created_at = service.updated_at = self.now()
        service.id = self.table.insert(None)
        service.pending.insert(0, (None, service.status, "purchase requested"))
        self._write(service)
        return service

    def save(self, service: Service) -> None:
        stored = self.table.rows.get(service.id)
        if stored is None or stored.version != service.version:
            raise StaleService(service.id)
        service.updated_at = self.now()
        service.version += 1
        self._write(service)

    def _write(self, service: Service) -> None:
        _record(self.uow, "service_events", service.id, service.pending, self.now())
        self.uow.audit.steps("service", service.id, service.pending)
        service.pending.clear()
        self.table.rows[service.id] = copy.deepcopy(service)

    def get(self, service_id):
        return copy.deepcopy(self.table.rows.get(service_id))

    def by_payment(self, payment_id):
        found = self.table.where(payment_id=payment_id)
        return copy.deepcopy(found[0]) if found else None

    def live_options(self, vin) -> set[str]:
        return {service.option for service in self.table.where(vin=vin) if service.live_key}

    def of_vehicle(self, vin, offset, limit):
        return page([copy.deepcopy(s) for s in reversed(self.table.where(vin=vin))],
                     offset, limit)

    def of_customer(self, customer_id, offset, limit, vin=None):
        found = [copy.deepcopy(s) for s in reversed(self.table.where(customer_id=customer_id))
                 if vin is None or s.vin == vin]
        return page(found, offset, limit)

    def unresolved_purchases(self, stale_before, *, vin=None, option=None, limit=500):
        return [service.id for service in self.table.where(status=ServiceStatus.PAYING)
                if (service.payment_status == "unknown"
                    or (service.next_attempt_at and service.next_attempt_at < stale_before))
                and (vin is None or service.live_key == f"{vin}:{option}")][:limit]

    def overdue(self, status, before, limit=500):
        due = [service for service in self.table.where(status=status)
               if service.next_attempt_at and service.next_attempt_at < before]
        return [service.id for service in sorted(due, key=lambda s: s.next_attempt_at)][:limit]

    def open_holds(self, limit=500):
        return [service.id for service in self.table.where(payment_status="authorized")
                if service.live_key is None][:limit]

    def expired(self, at, limit=500):
        return [service.id for service in self.table.where(status=ServiceStatus.ACTIVE)
                if service.expires_at and service.expires_at <= at][:limit]

    def history(self, service_ids):
        return _history(self.uow, "service_events", service_ids)

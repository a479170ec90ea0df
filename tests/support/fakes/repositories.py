"""In-memory twins of the SQL repositories (:mod:`caas.adapters.sql`), for the methods the
service layer calls. Each one reads and writes the tables of its unit of work."""
from __future__ import annotations

import copy
from typing import Any

from caas.adapters.sql.orders import StaleOrder
from caas.adapters.sql.services import LiveServiceExists, StaleService
from caas.context import current_actor, current_request_id
from caas.domain.notifications import Preferences
from caas.domain.orders import Order, Vehicle
from caas.domain.services import Service, ServiceStatus


def page(rows: list, offset: int, limit: int) -> tuple[list, int]:
    return rows[offset:offset + limit], len(rows)


class Repository:
    """A repository over one table of a unit of work."""

    TABLE = ""

    def __init__(self, uow):
        self.uow = uow
        self.table = uow.table(self.TABLE)
        self.now = uow.now


class Users(Repository):
    TABLE = "users"

    def add(self, user):
        user.created_at = self.now()
        if self.by_email(user.email):
            raise AssertionError(f"unique email: {user.email}")  # the SQL constraint
        user.id = self.table.insert(None)
        self.table.rows[user.id] = copy.copy(user)
        return user

    def get(self, user_id):
        return copy.copy(self.table.rows.get(user_id))

    def many(self, user_ids) -> dict:
        return {user_id: copy.copy(self.table.rows[user_id]) for user_id in set(user_ids)
                if user_id in self.table.rows}

    def by_email(self, email):
        found = self.table.where(email=email.lower())
        return copy.copy(found[0]) if found else None

    def staff(self, offset, limit):
        staff = [copy.copy(user) for user in self.table.rows.values()
                 if user.role in ("admin", "employee")]
        return page(staff, offset, limit)

    def set_password(self, user_id, password_hash):
        user = self.table.rows[user_id]
        user.password_hash, user.password_changed_at = password_hash, self.now()


class Customers(Repository):
    TABLE = "customers"

    def add(self, user_id, phone, tax_id, address):
        self.table.insert({"user_id": user_id, "phone": phone, "tax_id": tax_id,
                           "address": address, "created_at": self.now()}, key=user_id)

    def get(self, user_id):
        return self.many([user_id]).get(user_id)

    def many(self, user_ids) -> dict:
        return {user_id: dict(self.table.rows[user_id]) for user_id in set(user_ids)
                if user_id in self.table.rows}


class Audit(Repository):
    TABLE = "audit_log"

    def __init__(self, uow):
        super().__init__(uow)
        self.actor, self.request_id = current_actor(), current_request_id()

    def record(self, action, entity, entity_id=None, before=None, after=None):
        self.table.insert({"at": self.now(), "actor_role": self.actor.role,
                           "actor_id": self.actor.id, "actor_email": self.actor.email,
                           "action": action, "entity": entity,
                           "entity_id": None if entity_id is None else str(entity_id),
                           "before": before, "after": after, "request_id": self.request_id})

    def steps(self, entity, entity_id, steps):
        for source, target, note in steps:
            self.record(f"{entity}.status_changed", entity, entity_id,
                        None if source is None else {"status": str(source)},
                        {"status": str(target), "note": note})

    def page(self, offset, limit, filters):
        rows = [dict(row) for row in reversed(self.table.where())
                if all(row.get(column) == filters[column] for column in
                       ("entity", "entity_id", "actor_id", "actor_email", "actor_role")
                       if filters.get(column))]
        return page(rows, offset, limit)


class Outbox(Repository):
    TABLE = "outbox"

    def __init__(self, uow):
        super().__init__(uow)
        self.added: list[int] = []

    def add(self, task, payload, *, hold=False):
        outbox_id = self.table.insert({"task": task, "payload": payload, "held": hold,
                                       "processed": False})
        if not hold:
            self.added.append(outbox_id)
        return outbox_id

    def add_many(self, task, payloads):
        return [self.add(task, payload) for payload in payloads]

    def complete(self, outbox_id, payload):
        row = self.table.rows[outbox_id]
        row["processed"] = True
        row["payload"] = {key: value for key, value in payload.items() if key != "secrets"}

    def release(self, outbox_id, error, retry_in_seconds):
        self.table.rows[outbox_id].update(held=False, last_error=error)


class Events:
    """Plugin events, queued in the outbox as ``plugin_event`` jobs (every hook listened to)."""

    TASK = "plugin_event"

    def __init__(self, outbox: Outbox):
        self.outbox = outbox

    def publish(self, hook, **kwargs):
        self.outbox.add(self.TASK, {"hook": hook, "kwargs": kwargs})


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

    def history(self, order_ids):
        return _history(self.uow, "order_events", order_ids)


class Vehicles(Repository):
    TABLE = "vehicles"

    def add(self, vehicle: Vehicle) -> None:
        self.table.insert(copy.copy(vehicle), key=vehicle.vin)

    def get(self, vin):
        return copy.copy(self.table.rows.get(vin))

    def save(self, vehicle: Vehicle) -> None:
        self.table.rows[vehicle.vin] = copy.copy(vehicle)

    def claim_from_stock(self, vin, order_id) -> bool:
        vehicle = self.table.rows.get(vin)
        if vehicle is None or vehicle.status != Vehicle.UNASSIGNED:
            return False
        vehicle.status, vehicle.order_id = "assigned", order_id
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


class CatalogSettings(Repository):
    TABLE = "catalog_options"

    def all(self) -> dict:
        return {code: dict(row) for code, row in self.table.rows.items()}

    def get(self, code):
        row = self.table.rows.get(code)
        return dict(row) if row else None

    def put(self, code, enabled, price, billing, usage_price=None, usage_included=None):
        self.table.rows[code] = {"code": code, "enabled": enabled, "billing": billing,
                                 "price": price, "usage_price": usage_price,
                                 "usage_included": usage_included, "updated_at": self.now()}


class Settings(Repository):
    TABLE = "tenant_settings"

    def get(self, key, default: Any = None):
        value = self.table.rows.get(key)
        return default if value is None else copy.deepcopy(value)

    def put(self, key, value):
        self.table.rows[key] = copy.deepcopy(value)


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

    def expired(self, at, limit=500):
        return [service.id for service in self.table.where(status=ServiceStatus.ACTIVE)
                if service.expires_at and service.expires_at <= at][:limit]

    def history(self, service_ids):
        return _history(self.uow, "service_events", service_ids)


class Notifications(Repository):
    TABLE = "notifications"

    def add_many(self, rows) -> list[int]:
        now = self.now()
        return [self.table.insert({"created_at": now, "updated_at": now, "attempts": 0,
                                   "sent_at": None, **row}) for row in rows]

    def get(self, notification_id):
        row = self.table.rows.get(notification_id)
        return dict(row, id=notification_id) if row else None

    def update(self, notification_id, **values):
        self.table.rows[notification_id].update(updated_at=self.now(), **values)

    def page(self, offset, limit, *, recipient_id=None, channel=None, status=None):
        rows = [self.get(key) for key in sorted(self.table.rows, reverse=True)]
        rows = [row for row in rows if (recipient_id is None or row["recipient_id"] == recipient_id)
                and (not channel or row["channel"] == channel)
                and (not status or row["status"] == status)]
        return page(rows, offset, limit)


class NotificationPreferences(Repository):
    TABLE = "notification_preferences"

    def get(self, user_id) -> Preferences:
        return self.many([user_id])[user_id]

    def many(self, user_ids) -> dict:
        return {user_id: self.table.rows.get(user_id, Preferences()) for user_id in user_ids}

    def put(self, user_id, preferences: Preferences):
        self.table.rows[user_id] = preferences


class Documents(Repository):
    TABLE = "documents"

    def add(self, *, kind, title, filename, content_type, content, model=None, order_id=None):
        document_id = self.table.insert(None)
        self.table.rows[document_id] = dict(
            id=document_id, kind=kind, title=title, filename=filename,
            content_type=content_type, content=content, size=len(content), model=model,
            order_id=order_id, created_at=self.now())
        return document_id

    def get(self, document_id):
        row = self.table.rows.get(document_id)
        return dict(row) if row else None

    def listed(self, *, models, order_ids):
        return [{key: value for key, value in row.items() if key != "content"}
                for row in self.table.where()
                if (row["kind"] == "manual" and row["model"] in models)
                or row["order_id"] in order_ids]

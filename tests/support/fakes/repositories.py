"""In-memory twins of the SQL repositories (:mod:`caas.adapters.sql`), for the methods the
service layer calls: accounts, the audit log, the outbox, settings, notifications and
documents. Each one reads and writes the tables of its unit of work."""
from __future__ import annotations

import copy
from typing import Any


from caas.context import current_actor, current_request_id
from caas.domain.notifications import Preferences
from caas.service_layer.unit_of_work import Duplicate


def page(rows: list, offset: int, limit: int) -> tuple[list, int]:
    return rows[offset:offset + limit], len(rows)


class Repository:
    """A repository over one table of a unit of work."""

    TABLE = ""

    def __init__(self, uow):
        self.uow = uow
        self.now = uow.now

    @property
    def table(self):
        return self.uow.table(self.TABLE)


class Users(Repository):
    TABLE = "users"

    def add(self, user):
        user.created_at = self.now()
        if self.table.where(email=user.email):  # the table's unique constraint
            raise Duplicate(f"users: {user.email}")
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

    def active_staff(self):
        return sorted((copy.copy(user) for user in self.table.rows.values()
                       if user.role in ("admin", "employee") and user.active),
                      key=lambda user: (user.name, user.id))

    def lock_active_admins(self):
        return sum(1 for user in self.table.rows.values() if user.role == "admin" and user.active)

    def change(self, user_id, *, role, active):
        user = self.table.rows[user_id]
        user.role, user.active = role, active

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

    #: An ``action`` filter ending with one of these matches every action it starts.
    PREFIX_MARKS = (".", "*")

    def page(self, offset, limit, filters):
        """Newest first; by column, ``action`` (or its prefix), ``since`` and ``until``."""
        action = filters.get("action")

        def matches(row) -> bool:
            if any(filters.get(column) and row[column] != filters[column] for column in
                   ("entity", "entity_id", "actor_id", "actor_email", "actor_role")):
                return False
            if action and action.endswith(self.PREFIX_MARKS):
                if not row["action"].startswith(action.rstrip("*")):
                    return False
            elif action and row["action"] != action:
                return False
            return ((not filters.get("since") or row["at"] >= filters["since"])
                    and (not filters.get("until") or row["at"] < filters["until"]))
        return page([dict(row) for row in reversed(self.table.where()) if matches(row)],
                    offset, limit)


class Outbox(Repository):
    TABLE = "outbox"

    def __init__(self, uow):
        super().__init__(uow)
        self.added: list[int] = []

    def add(self, task, payload, *, hold=False):
        outbox_id = self.table.insert({"task": task, "payload": payload, "held": hold,
                                       "processed": False, "created_at": self.now(),
                                       "last_error": None})
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

    def give_up(self, outbox_id, payload, error):
        self.complete(outbox_id, payload)
        self.table.rows[outbox_id]["last_error"] = f"abandoned: {error}"

    def backlog(self):
        rows = self.table.rows.values()
        pending = [row for row in rows if not row["processed"]]
        return {"pending": len(pending),
                "oldest_at": min((row["created_at"] for row in pending), default=None),
                "retrying": sum(1 for row in pending if row["last_error"]),
                "abandoned": sum(1 for row in rows if row["processed"] and row["last_error"])}


class Events:
    """Plugin events, queued in the outbox as ``plugin_event`` jobs (every hook listened to)."""

    TASK = "plugin_event"

    def __init__(self, outbox: Outbox):
        self.outbox = outbox

    def publish(self, hook, **kwargs):
        self.outbox.add(self.TASK, {"hook": hook, "kwargs": kwargs})


class CatalogSettings(Repository):
    TABLE = "catalog_options"

    def all(self) -> dict:
        return {code: dict(row) for code, row in self.table.rows.items()}

    def get(self, code):
        row = self.table.rows.get(code)
        return dict(row) if row else None

    def put(self, code, enabled, price, billing, usage_price=None, usage_included=None,
            trial_days=None):
        self.table.rows[code] = {"code": code, "enabled": enabled, "billing": billing,
                                 "price": price, "usage_price": usage_price,
                                 "usage_included": usage_included, "trial_days": trial_days,
                                 "updated_at": self.now()}


class Settings(Repository):
    TABLE = "tenant_settings"

    def get(self, key, default: Any = None):
        value = self.table.rows.get(key)
        return default if value is None else copy.deepcopy(value)

    def put(self, key, value):
        self.table.rows[key] = copy.deepcopy(value)


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

    def start_attempt(self, notification_id, finished):
        """Count one more attempt; ``None`` if the notification is ``finished`` already."""
        row = self.table.rows[notification_id]
        if row["status"] in finished:
            return None
        row.update(attempts=row["attempts"] + 1, status="sending", updated_at=self.now())
        return self.get(notification_id)

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


class MaintenanceReminders(Repository):
    TABLE = "maintenance_reminders"

    def claim(self, vin, due_date, customer_id) -> bool:
        if (vin, due_date) in self.table.rows:
            return False
        self.table.insert({"vin": vin, "due_date": due_date, "customer_id": customer_id,
                           "created_at": self.now()}, key=(vin, due_date))
        return True

    def owned_vehicles(self) -> list[dict]:
        """Delivered vehicles with their order's customer, by VIN."""
        orders = self.uow.table("orders").rows
        return [{"vin": vehicle.vin, "model": vehicle.model, "plate": vehicle.plate,
                 "customer_id": orders[vehicle.order_id].customer_id,
                 "order_id": vehicle.order_id}
                for vehicle in sorted(self.uow.table("vehicles").where(status="delivered"),
                                      key=lambda vehicle: vehicle.vin)
                if vehicle.order_id in orders]


class MaintenanceRecords(Repository):
    TABLE = "maintenance_records"

    def get(self, vin):
        row = self.table.rows.get(vin)
        return (dict(row["record"]), row["fetched_at"]) if row else None

    def put(self, vin, record):
        self.table.rows[vin] = {"record": copy.deepcopy(record), "fetched_at": self.now()}
        return self.now()


class PasswordResets(Repository):
    TABLE = "password_resets"

    def add(self, user_id, token_hash, created_at, expires_at):
        if self.table.where(token_hash=token_hash):
            raise Duplicate("password_resets: token_hash")
        self.table.insert({"user_id": user_id, "token_hash": token_hash,
                           "created_at": created_at, "expires_at": expires_at,
                           "spent_at": None})

    def latest_at(self, user_id):
        return max((row["created_at"] for row in self.table.where(user_id=user_id)),
                   default=None)

    def spend_all(self, user_id, now):
        for row in self.table.where(user_id=user_id, spent_at=None):
            row["spent_at"] = now

    def spend(self, token_hash, now):
        found = self.table.where(token_hash=token_hash, spent_at=None)
        if not found or found[0]["expires_at"] <= now:
            return None
        found[0]["spent_at"] = now
        return found[0]["user_id"]


class Throttle(Repository):
    """The sign-in throttle's counting per window (``LoginThrottle.count_in_window``)."""

    TABLE = "login_failures"

    def count_in_window(self, key, limit, window, now):
        row = self.table.rows.get(key)
        if row is None or row["window_started_at"] <= now - window:
            self.table.insert({"failures": 1, "window_started_at": now}, key=key)
            return True
        if row["failures"] >= limit:
            return False
        row["failures"] += 1
        return True


class Tenants(Repository):
    """The control plane's tenant registry."""

    TABLE = "tenants"

    def add(self, tenant):
        if self.table.where(slug=tenant.slug):
            raise Duplicate(f"tenants: {tenant.slug}")
        tenant.created_at = self.now()
        tenant.id = self.table.insert(None)
        self.table.rows[tenant.id] = copy.deepcopy(tenant)
        return tenant

    def get(self, slug):
        found = self.table.where(slug=slug)
        return copy.deepcopy(found[0]) if found else None

    def list(self):
        return sorted((copy.deepcopy(tenant) for tenant in self.table.rows.values()),
                      key=lambda tenant: tenant.slug)

    def page(self, offset, limit, q=None):
        wanted = (q or "").lower()
        return page([tenant for tenant in self.list()
                     if wanted in tenant.slug.lower() or wanted in tenant.name.lower()],
                    offset, limit)

    def set_status(self, slug, status):
        for tenant in self.table.where(slug=slug):
            tenant.status = status

    def delete(self, slug):
        for key, tenant in list(self.table.rows.items()):
            if tenant.slug == slug:
                del self.table.rows[key]


class Operators(Repository):
    TABLE = "operators"

    def add(self, operator):
        operator.id = self.table.insert(copy.copy(operator))
        return operator

    def get(self, operator_id):
        return copy.copy(self.table.rows.get(operator_id))

    def by_email(self, email):
        found = self.table.where(email=email.lower())
        return copy.copy(found[0]) if found else None

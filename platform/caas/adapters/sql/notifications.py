"""Repositories of notifications, the customers' channel preferences, maintenance reminders
and records, and documents."""
from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql import bulk, tables
from caas.adapters.sql.rows import aware, insert_once, page
from caas.clock import WALL, TenantClock
from caas.domain.notifications import Preferences


def _notification(row) -> dict:
    return dict(row._mapping, created_at=aware(row.created_at),
                updated_at=aware(row.updated_at), sent_at=aware(row.sent_at))


class Notifications:
    """Every message on every channel, with its attempts and outcome."""

    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def add_many(self, rows: list[dict]) -> list[int]:
        """Record notifications with one multi-row insert; their ids, in order."""
        if not rows:
            return []
        now = self.now()
        return bulk.insert(self.conn, tables.notifications,
                           [{"created_at": now, "updated_at": now, "attempts": 0, **row}
                            for row in rows], returning=tables.notifications.c.id)

    def get(self, notification_id: int) -> dict | None:
        row = self.conn.execute(sa.select(tables.notifications).where(
            tables.notifications.c.id == notification_id)).first()
        return _notification(row) if row else None

    def update(self, notification_id: int, **values) -> None:
        self.conn.execute(tables.notifications.update()
                          .where(tables.notifications.c.id == notification_id)
                          .values(updated_at=self.now(), **values))

    def start_attempt(self, notification_id: int, finished: tuple[str, ...]) -> dict | None:
        """Count one more attempt; ``None`` if the notification is ``finished`` already."""
        table = tables.notifications
        counted = self.conn.execute(
            table.update().where(table.c.id == notification_id, table.c.status.not_in(finished))
            .values(attempts=table.c.attempts + 1, status="sending", updated_at=self.now())).rowcount
        return self.get(notification_id) if counted else None

    def page(self, offset: int, limit: int, *, recipient_id: int | None = None,
             channel: str | None = None, status: str | None = None) -> tuple[list[dict], int]:
        table = tables.notifications
        query = sa.select(table)
        if recipient_id is not None:
            query = query.where(table.c.recipient_id == recipient_id)
        if channel:
            query = query.where(table.c.channel == channel)
        if status:
            query = query.where(table.c.status == status)
        rows, total = page(self.conn, query, table.c.id.desc(), offset, limit)
        return [_notification(row) for row in rows], total


class NotificationPreferences:
    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def get(self, user_id: int) -> Preferences:
        return self.many([user_id])[user_id]

    def many(self, user_ids) -> dict[int, Preferences]:
        """Each user's preferences; the defaults for a user who never set any."""
        table = tables.notification_preferences
        found = {row.user_id: Preferences(
                     disabled=frozenset(row.disabled),
                     quiet_start=row.quiet_start and time.fromisoformat(row.quiet_start),
                     quiet_end=row.quiet_end and time.fromisoformat(row.quiet_end))
                 for row in self.conn.execute(sa.select(table).where(
                     table.c.user_id.in_(sorted(set(user_ids)))))}
        return {user_id: found.get(user_id, Preferences()) for user_id in user_ids}

    def put(self, user_id: int, preferences: Preferences) -> None:
        table = tables.notification_preferences
        values = dict(disabled=sorted(preferences.disabled),
                      quiet_start=_hhmm(preferences.quiet_start),
                      quiet_end=_hhmm(preferences.quiet_end), updated_at=self.now())
        if not self.conn.execute(table.update().where(table.c.user_id == user_id)
                                 .values(**values)).rowcount:
            self.conn.execute(table.insert().values(user_id=user_id, **values))


def _hhmm(moment: time | None) -> str | None:
    return moment.strftime("%H:%M") if moment else None


class MaintenanceReminders:
    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def claim(self, vin: str, due_date: date, customer_id: int) -> bool:
        """Record the reminder for ``vin`` and ``due_date``; ``False`` if it exists already."""
        return insert_once(self.conn, tables.maintenance_reminders, vin=vin, due_date=due_date,
                           customer_id=customer_id, created_at=self.now())

    def owned_vehicles(self) -> list[dict]:
        """Vehicles that have an owner to remind: ``vin``, ``model``, ``plate``, ``customer_id``."""
        vehicles, orders = tables.vehicles, tables.orders
        query = (sa.select(vehicles.c.vin, vehicles.c.model, vehicles.c.plate,
                           orders.c.customer_id, orders.c.id.label("order_id"))
                 .join(orders, orders.c.id == vehicles.c.order_id)
                 .where(vehicles.c.status == "delivered").order_by(vehicles.c.vin))
        return [dict(row._mapping) for row in self.conn.execute(query)]


class MaintenanceRecords:
    """The VSS's last answer per vehicle, to show when the VSS cannot answer."""

    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def get(self, vin: str) -> tuple[dict, datetime] | None:
        row = self.conn.execute(sa.select(tables.maintenance_records).where(
            tables.maintenance_records.c.vin == vin)).first()
        return (dict(row.record), aware(row.fetched_at)) if row else None

    def put(self, vin: str, record: dict) -> datetime:
        table, now = tables.maintenance_records, self.now()
        if not self.conn.execute(table.update().where(table.c.vin == vin)
                                 .values(record=record, fetched_at=now)).rowcount:
            self.conn.execute(table.insert().values(vin=vin, record=record, fetched_at=now))
        return now


_DOCUMENT_FIELDS = [column for column in tables.documents.c if column.name != "content"]


class Documents:
    """Stored files: manuals per vehicle model and each sale's contract documents."""

    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def add(self, *, kind: str, title: str, filename: str, content_type: str, content: bytes,
            model: str | None = None, order_id: int | None = None) -> int:
        return self.conn.execute(tables.documents.insert().values(
            kind=kind, title=title, filename=filename, content_type=content_type,
            content=content, size=len(content), model=model, order_id=order_id,
            created_at=self.now())).inserted_primary_key[0]

    def listed(self, *, models: list[str], order_ids: list[int]) -> list[dict]:
        """Without content: the manuals of ``models`` and the documents of ``order_ids``."""
        table = tables.documents
        query = sa.select(*_DOCUMENT_FIELDS).where(sa.or_(
            sa.and_(table.c.kind == "manual", table.c.model.in_(models)),
            table.c.order_id.in_(order_ids))).order_by(table.c.id)
        return [dict(row._mapping, created_at=aware(row.created_at))
                for row in self.conn.execute(query)]

    def get(self, document_id: int) -> dict | None:
        row = self.conn.execute(sa.select(tables.documents)
                                .where(tables.documents.c.id == document_id)).first()
        return dict(row._mapping) if row else None

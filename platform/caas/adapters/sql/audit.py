"""The audit log, and the status histories of orders and services."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql import tables
from caas.adapters.sql.rows import aware
from caas.clock import WALL, TenantClock
from caas.context import Actor


class AuditLog:
    """Append-only record of changes; nothing here updates or deletes.

    Every entry names the actor and request of the unit of work that writes it.
    """

    def __init__(self, conn: Connection, actor: Actor, request_id: str | None, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn
        self.actor = actor
        self.request_id = request_id

    def record(self, action: str, entity: str, entity_id: Any = None,
               before: dict | None = None, after: dict | None = None) -> None:
        self.conn.execute(tables.audit_log.insert().values(
            **self._entry(self.now(), action, entity, entity_id, before, after)))

    def steps(self, entity: str, entity_id: Any, steps: list[tuple[Any, Any, str]]) -> None:
        """Record an entity's status changes, one ``<entity>.status_changed`` entry per
        ``(source, target, note)`` step (as :func:`record_steps` takes
        them): before ``{"status": source}`` (``None`` when the entity is new), after
        ``{"status": target, "note": note}``."""
        if not steps:
            return
        now, action = self.now(), f"{entity}.status_changed"
        self.conn.execute(tables.audit_log.insert(), [
            self._entry(now, action, entity, entity_id,
                        None if source is None else {"status": str(source)},
                        {"status": str(target), "note": note})
            for source, target, note in steps])

    def _entry(self, at: datetime, action: str, entity: str, entity_id: Any,
               before: dict | None, after: dict | None) -> dict:
        return dict(at=at, actor_role=self.actor.role, actor_id=self.actor.id,
                    actor_email=self.actor.email, action=action, entity=entity,
                    entity_id=None if entity_id is None else str(entity_id),
                    before=before, after=after, request_id=self.request_id)

    #: An ``action`` filter ending with one of these matches every action it starts
    #: (``order.`` or ``order.*``: ``order.created``, ``order.status_changed``...).
    PREFIX_MARKS = (".", "*")

    def page(self, offset: int, limit: int, filters: dict) -> tuple[list[dict], int]:
        """Newest first; ``filters`` by column, ``action`` by prefix (:data:`PREFIX_MARKS`),
        ``since`` (included) and ``until`` (excluded) as aware datetimes."""
        table = tables.audit_log
        query = sa.select(table)
        for column in ("entity", "entity_id", "actor_id", "actor_email", "actor_role"):
            if filters.get(column):
                query = query.where(table.c[column] == filters[column])
        action = filters.get("action")
        if action and action.endswith(self.PREFIX_MARKS):
            query = query.where(table.c.action.startswith(action.rstrip("*"), autoescape=True))
        elif action:
            query = query.where(table.c.action == action)
        # Stored as UTC; SQLite compares the text of the time, not the instant.
        if filters.get("since"):
            query = query.where(table.c.at >= filters["since"].astimezone(timezone.utc))
        if filters.get("until"):
            query = query.where(table.c.at < filters["until"].astimezone(timezone.utc))
        total = self.conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar()
        rows = self.conn.execute(query.order_by(table.c.id.desc()).offset(offset).limit(limit))
        return [dict(row._mapping, at=aware(row.at)) for row in rows], total


def record_steps(conn: Connection, table: sa.Table, owner_id: int, actor: Actor,
                 steps: list[tuple[Any, Any, str]], now: datetime) -> None:
    """Append ``(source, target, note)`` status changes of one entity, made at ``now``, to its
    events ``table``."""
    if not steps:
        return
    owner = _owner_column(table)
    conn.execute(table.insert(), [
        {owner.name: owner_id, "at": now, "source": source.value if source else None,
         "target": target.value, "note": note[:500], "actor_role": actor.role,
         "actor_id": actor.id, "actor_email": actor.email}
        for source, target, note in steps])


def read_history(conn: Connection, table: sa.Table, owner_ids: list[int]) -> dict[int, list[dict]]:
    """Status history of each entity in an events ``table``, oldest first."""
    owner = _owner_column(table)
    result: dict[int, list[dict]] = {owner_id: [] for owner_id in owner_ids}
    for row in conn.execute(sa.select(table).where(owner.in_(owner_ids)).order_by(table.c.id)):
        result[row._mapping[owner.name]].append({
            "at": aware(row.at), "from": row.source, "to": row.target, "note": row.note,
            "actor": {"role": row.actor_role, "id": row.actor_id, "email": row.actor_email}})
    return result


def _owner_column(table: sa.Table) -> sa.Column:
    # order_events.order_id, service_events.service_id: the one foreign key.
    [key] = table.foreign_keys
    return key.parent

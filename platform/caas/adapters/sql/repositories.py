"""Repositories: the only code that reads and writes the tables of :mod:`caas.adapters.sql.tables`."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql import bulk, tables
from caas.clock import WALL, TenantClock
from caas.context import Actor
from caas.domain.sign_in import Failures
from caas.domain.tenants import Tenant
from caas.domain.users import Operator, User
from caas.service_layer import plugin_events


def aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def insert_once(conn: Connection, table: sa.Table, **values) -> bool:
    """Insert a row; ``False`` if a unique constraint says it exists already (a concurrent
    writer included), leaving the surrounding transaction usable."""
    try:
        with conn.begin_nested():
            conn.execute(table.insert().values(**values))
    except sa.exc.IntegrityError:
        return False
    return True


class TenantRepository:
    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    @staticmethod
    def _tenant(row) -> Tenant:
        return Tenant(id=row.id, slug=row.slug, name=row.name, country=row.country,
                      currency=row.currency, locales=list(row.locales), timezone=row.timezone,
                      status=row.status, created_at=aware(row.created_at),
                      secrets=dict(row.secrets))

    def add(self, tenant: Tenant) -> Tenant:
        tenant.created_at = self.now()
        tenant.id = self.conn.execute(tables.tenants.insert().values(
            slug=tenant.slug, name=tenant.name, country=tenant.country,
            currency=tenant.currency, locales=tenant.locales, timezone=tenant.timezone,
            status=tenant.status, secrets=tenant.secrets, created_at=tenant.created_at,
        )).inserted_primary_key[0]
        return tenant

    def get(self, slug: str) -> Tenant | None:
        row = self.conn.execute(sa.select(tables.tenants).where(tables.tenants.c.slug == slug)).first()
        return self._tenant(row) if row else None

    def list(self) -> list[Tenant]:
        rows = self.conn.execute(sa.select(tables.tenants).order_by(tables.tenants.c.slug))
        return [self._tenant(row) for row in rows]

    def any_active(self) -> Tenant | None:
        row = self.conn.execute(sa.select(tables.tenants)
                                .where(tables.tenants.c.status == "active").limit(1)).first()
        return self._tenant(row) if row else None

    def set_status(self, slug: str, status: str) -> None:
        self.conn.execute(tables.tenants.update().where(tables.tenants.c.slug == slug)
                          .values(status=status))

    def delete(self, slug: str) -> None:
        self.conn.execute(tables.tenants.delete().where(tables.tenants.c.slug == slug))


class OperatorRepository:
    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def add(self, operator: Operator) -> Operator:
        operator.created_at = self.now()
        operator.id = self.conn.execute(tables.operators.insert().values(
            email=operator.email, name=operator.name, password_hash=operator.password_hash,
            created_at=operator.created_at)).inserted_primary_key[0]
        return operator

    def by_email(self, email: str) -> Operator | None:
        row = self.conn.execute(sa.select(tables.operators)
                                .where(tables.operators.c.email == email.lower())).first()
        return self._operator(row) if row else None

    def get(self, operator_id: int) -> Operator | None:
        row = self.conn.execute(sa.select(tables.operators)
                                .where(tables.operators.c.id == operator_id)).first()
        return self._operator(row) if row else None

    def set_password(self, operator_id: int, password_hash: str) -> None:
        self.conn.execute(tables.operators.update().where(tables.operators.c.id == operator_id)
                          .values(password_hash=password_hash))

    @staticmethod
    def _operator(row) -> Operator:
        return Operator(id=row.id, email=row.email, name=row.name,
                        password_hash=row.password_hash, created_at=aware(row.created_at))


class UserRepository:
    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    @staticmethod
    def _user(row) -> User:
        return User(id=row.id, email=row.email, role=row.role, name=row.name, locale=row.locale,
                    password_hash=row.password_hash, active=row.active,
                    created_at=aware(row.created_at),
                    password_changed_at=aware(row.password_changed_at))

    def add(self, user: User) -> User:
        user.created_at = self.now()
        user.id = self.conn.execute(tables.users.insert().values(
            email=user.email, role=user.role, name=user.name, locale=user.locale,
            password_hash=user.password_hash, active=user.active, created_at=user.created_at,
        )).inserted_primary_key[0]
        return user

    _BY_ID = sa.select(tables.users).where(tables.users.c.id == sa.bindparam("user_id"))

    def get(self, user_id: int) -> User | None:
        row = self.conn.execute(self._BY_ID, {"user_id": user_id}).first()
        return self._user(row) if row else None

    def many(self, user_ids) -> dict[int, User]:
        rows = self.conn.execute(sa.select(tables.users)
                                 .where(tables.users.c.id.in_(sorted(set(user_ids)))))
        return {row.id: self._user(row) for row in rows}

    def by_email(self, email: str) -> User | None:
        row = self.conn.execute(sa.select(tables.users)
                                .where(tables.users.c.email == email.lower())).first()
        return self._user(row) if row else None

    def staff(self, offset: int, limit: int) -> tuple[list[User], int]:
        query = sa.select(tables.users).where(tables.users.c.role.in_(("admin", "employee")))
        total = self.conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar()
        rows = self.conn.execute(query.order_by(tables.users.c.id).offset(offset).limit(limit))
        return [self._user(row) for row in rows], total

    def set_password(self, user_id: int, password_hash: str) -> None:
        self.conn.execute(tables.users.update().where(tables.users.c.id == user_id)
                          .values(password_hash=password_hash, password_changed_at=self.now()))


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
        ``(source, target, note)`` step (as :func:`caas.adapters.sql.orders.record_steps` takes
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


class OutboxRepository:
    """Jobs written in the same transaction as the change that calls for them."""

    CLOCK_SKEW_SECONDS = 1

    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn
        self.added: list[int] = []

    def add(self, task: str, payload: dict, *, hold: bool = False) -> int:
        """Queue a job, sent to the broker after commit.

        :param hold: the caller runs the job itself right after commit: it is written
            already claimed and not sent, and the caller completes or releases it. If
            the process dies first, the relay sends it once the lease has run out.
        """
        now = self.now()
        outbox_id = self.conn.execute(tables.outbox.insert().values(
            task=task, payload=payload, created_at=now, attempts=1 if hold else 0,
            claimed_at=now if hold else None)).inserted_primary_key[0]
        if not hold:
            self.added.append(outbox_id)
        return outbox_id

    def add_many(self, task: str, payloads: list[dict]) -> list[int]:
        """Queue one job per payload with one multi-row insert (month-end billing's notices)."""
        if not payloads:
            return []
        now = self.now()
        ids = bulk.insert(self.conn, tables.outbox,
                          [{"task": task, "payload": payload, "created_at": now, "attempts": 0}
                           for payload in payloads], returning=tables.outbox.c.id)
        self.added.extend(ids)
        return ids

    def claim(self, outbox_id: int, lease_seconds: int):
        """Take the job for processing; ``None`` when it is done or another worker holds it.

        One statement, so it needs no transaction around it (see ``tenant_writer``).
        """
        table = tables.outbox
        now = self.now()
        return self.conn.execute(
            table.update()
            .where(table.c.id == outbox_id, table.c.processed_at.is_(None),
                   sa.or_(table.c.claimed_at.is_(None),
                          table.c.claimed_at < now - timedelta(seconds=lease_seconds)),
                   # A copy of the message arriving before the retry is due does not count
                   # as an attempt; another host's clock may be a little ahead.
                   sa.or_(table.c.not_before.is_(None),
                          table.c.not_before <= now + timedelta(seconds=self.CLOCK_SKEW_SECONDS)))
            .values(claimed_at=now, attempts=table.c.attempts + 1)
            .returning(*table.c)).first()

    def complete(self, outbox_id: int, payload: dict) -> None:
        """Mark the job done and drop its ``secrets`` (e.g. a generated password) for good."""
        self._finish(outbox_id, payload, None)

    def give_up(self, outbox_id: int, payload: dict, error: str) -> None:
        """Stop retrying a job: it stays in the table with its last error, without secrets."""
        self._finish(outbox_id, payload, f"abandoned: {error}"[:2000])

    def _finish(self, outbox_id: int, payload: dict, error: str | None) -> None:
        kept = {key: value for key, value in payload.items() if key != "secrets"}
        self.conn.execute(tables.outbox.update().where(tables.outbox.c.id == outbox_id)
                          .values(processed_at=self.now(), last_error=error, payload=kept))

    def release(self, outbox_id: int, error: str, retry_in_seconds: float) -> None:
        """Let the job go after a failed attempt; it is due again ``retry_in_seconds`` from now."""
        self.conn.execute(tables.outbox.update().where(tables.outbox.c.id == outbox_id)
                          .values(claimed_at=None, last_error=error[:2000],
                                  not_before=self.now() + timedelta(seconds=retry_in_seconds)))

    def pending(self, older_than_seconds: int, lease_seconds: int, limit: int = 500) -> list[int]:
        """Ids of jobs nobody finished: never dispatched, whose worker died, or whose
        retry is overdue (its delayed message was lost)."""
        table = tables.outbox
        now = self.now()
        late = now - timedelta(seconds=older_than_seconds)
        rows = self.conn.execute(
            sa.select(table.c.id)
            .where(table.c.processed_at.is_(None), table.c.created_at < late,
                   sa.or_(table.c.claimed_at.is_(None),
                          table.c.claimed_at < now - timedelta(seconds=lease_seconds)),
                   sa.or_(table.c.not_before.is_(None), table.c.not_before < late))
            .order_by(table.c.id).limit(limit))
        return [row.id for row in rows]


class PluginEvents:
    """Event hooks, queued in the outbox to run after commit (``plugin_event`` jobs).

    :param implemented: tells whether a hook has any implementation; an event no
        plugin listens to is not queued at all.
    """

    TASK = plugin_events.PUBLISH

    def __init__(self, outbox: OutboxRepository, implemented: Callable[[str], bool]):
        self.outbox = outbox
        self.implemented = implemented

    def publish(self, hook: str, **kwargs) -> None:
        if self.implemented(hook):
            self.outbox.add(self.TASK, {"hook": hook, "kwargs": kwargs})


class LoginThrottle:
    """Failed sign-ins per key, in the database so that every process counts together.

    An attempt is counted before its password is checked and taken back when it was
    right: concurrent attempts can never all slip through one allowance.
    """

    def __init__(self, conn: Connection, table: sa.Table):
        self.conn = conn
        self.table = table

    def failures(self, key: str) -> Failures | None:
        row = self.conn.execute(sa.select(self.table).where(self.table.c.key == key)).first()
        if row is None:
            return None
        return Failures(row.failures, aware(row.window_started_at), aware(row.last_failed_at))

    def count_in_a_row(self, key: str, seen: Failures | None, restart: bool,
                       now: datetime) -> bool:
        """Count a failure of ``key`` on top of ``seen`` (or as the first when ``restart``);
        ``False`` when another attempt counted one since ``seen`` was read."""
        table = self.table
        if seen is None:
            return insert_once(self.conn, table, key=key, failures=1, window_started_at=now,
                               last_failed_at=now)
        values = ({"failures": 1, "window_started_at": now} if restart
                  else {"failures": seen.count + 1})
        updated = self.conn.execute(
            table.update()
            .where(table.c.key == key, table.c.failures == seen.count,
                   table.c.last_failed_at == seen.last_at)
            .values(last_failed_at=now, **values))
        return updated.rowcount == 1

    def count_in_window(self, key: str, limit: int, window: timedelta, now: datetime) -> bool:
        """Count a failure of ``key`` unless it has ``limit`` already in the window that
        started with its first one; ``False`` when it has."""
        table = self.table
        expired = table.c.window_started_at <= now - window
        # One statement: concurrent failures each add one, and none passes the limit.
        update = (table.update()
                  .where(table.c.key == key, sa.or_(expired, table.c.failures < limit))
                  .values(failures=sa.case((expired, 1), else_=table.c.failures + 1),
                          window_started_at=sa.case((expired, now),
                                                    else_=table.c.window_started_at),
                          last_failed_at=now))
        if self.conn.execute(update).rowcount == 1:
            return True
        if self.failures(key) is not None:
            return False  # at the limit
        if insert_once(self.conn, table, key=key, failures=1, window_started_at=now,
                       last_failed_at=now):
            return True
        # A concurrent first failure inserted the row just now: count on top of it.
        return self.conn.execute(update).rowcount == 1

    def uncount(self, key: str, counted_at: datetime) -> None:
        """Take back one failure counted at ``counted_at``, unless its window is over."""
        table = self.table
        self.conn.execute(table.update()
                          .where(table.c.key == key, table.c.failures > 0,
                                 table.c.window_started_at <= counted_at)
                          .values(failures=table.c.failures - 1))

    def clear(self, key: str) -> None:
        self.conn.execute(self.table.delete().where(self.table.c.key == key))

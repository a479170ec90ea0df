"""Repositories: the only code that reads and writes the tables of :mod:`caas.adapters.schema`."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters import bulk, schema
from caas.context import Actor
from caas.domain.tenants import Tenant
from caas.domain.users import Operator, User


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


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
    def __init__(self, conn: Connection):
        self.conn = conn

    @staticmethod
    def _tenant(row) -> Tenant:
        return Tenant(id=row.id, slug=row.slug, name=row.name, country=row.country,
                      currency=row.currency, locales=list(row.locales), timezone=row.timezone,
                      status=row.status, created_at=aware(row.created_at),
                      secrets=dict(row.secrets))

    def add(self, tenant: Tenant) -> Tenant:
        tenant.created_at = utcnow()
        tenant.id = self.conn.execute(schema.tenants.insert().values(
            slug=tenant.slug, name=tenant.name, country=tenant.country,
            currency=tenant.currency, locales=tenant.locales, timezone=tenant.timezone,
            status=tenant.status, secrets=tenant.secrets, created_at=tenant.created_at,
        )).inserted_primary_key[0]
        return tenant

    def get(self, slug: str) -> Tenant | None:
        row = self.conn.execute(sa.select(schema.tenants).where(schema.tenants.c.slug == slug)).first()
        return self._tenant(row) if row else None

    def list(self) -> list[Tenant]:
        rows = self.conn.execute(sa.select(schema.tenants).order_by(schema.tenants.c.slug))
        return [self._tenant(row) for row in rows]

    def any_active(self) -> Tenant | None:
        row = self.conn.execute(sa.select(schema.tenants)
                                .where(schema.tenants.c.status == "active").limit(1)).first()
        return self._tenant(row) if row else None

    def set_status(self, slug: str, status: str) -> None:
        self.conn.execute(schema.tenants.update().where(schema.tenants.c.slug == slug)
                          .values(status=status))

    def delete(self, slug: str) -> None:
        self.conn.execute(schema.tenants.delete().where(schema.tenants.c.slug == slug))


class OperatorRepository:
    def __init__(self, conn: Connection):
        self.conn = conn

    def add(self, operator: Operator) -> Operator:
        operator.created_at = utcnow()
        operator.id = self.conn.execute(schema.operators.insert().values(
            email=operator.email, name=operator.name, password_hash=operator.password_hash,
            created_at=operator.created_at)).inserted_primary_key[0]
        return operator

    def by_email(self, email: str) -> Operator | None:
        row = self.conn.execute(sa.select(schema.operators)
                                .where(schema.operators.c.email == email.lower())).first()
        return self._operator(row) if row else None

    def get(self, operator_id: int) -> Operator | None:
        row = self.conn.execute(sa.select(schema.operators)
                                .where(schema.operators.c.id == operator_id)).first()
        return self._operator(row) if row else None

    def set_password(self, operator_id: int, password_hash: str) -> None:
        self.conn.execute(schema.operators.update().where(schema.operators.c.id == operator_id)
                          .values(password_hash=password_hash))

    @staticmethod
    def _operator(row) -> Operator:
        return Operator(id=row.id, email=row.email, name=row.name,
                        password_hash=row.password_hash, created_at=aware(row.created_at))


class UserRepository:
    def __init__(self, conn: Connection):
        self.conn = conn

    @staticmethod
    def _user(row) -> User:
        return User(id=row.id, email=row.email, role=row.role, name=row.name, locale=row.locale,
                    password_hash=row.password_hash, active=row.active,
                    created_at=aware(row.created_at),
                    password_changed_at=aware(row.password_changed_at))

    def add(self, user: User) -> User:
        user.created_at = utcnow()
        user.id = self.conn.execute(schema.users.insert().values(
            email=user.email, role=user.role, name=user.name, locale=user.locale,
            password_hash=user.password_hash, active=user.active, created_at=user.created_at,
        )).inserted_primary_key[0]
        return user

    _BY_ID = sa.select(schema.users).where(schema.users.c.id == sa.bindparam("user_id"))

    def get(self, user_id: int) -> User | None:
        row = self.conn.execute(self._BY_ID, {"user_id": user_id}).first()
        return self._user(row) if row else None

    def many(self, user_ids) -> dict[int, User]:
        rows = self.conn.execute(sa.select(schema.users)
                                 .where(schema.users.c.id.in_(sorted(set(user_ids)))))
        return {row.id: self._user(row) for row in rows}

    def by_email(self, email: str) -> User | None:
        row = self.conn.execute(sa.select(schema.users)
                                .where(schema.users.c.email == email.lower())).first()
        return self._user(row) if row else None

    def staff(self, offset: int, limit: int) -> tuple[list[User], int]:
        query = sa.select(schema.users).where(schema.users.c.role.in_(("admin", "employee")))
        total = self.conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar()
        rows = self.conn.execute(query.order_by(schema.users.c.id).offset(offset).limit(limit))
        return [self._user(row) for row in rows], total

    def set_password(self, user_id: int, password_hash: str) -> None:
        self.conn.execute(schema.users.update().where(schema.users.c.id == user_id)
                          .values(password_hash=password_hash, password_changed_at=utcnow()))


class AuditLog:
    """Append-only record of changes; nothing here updates or deletes.

    Every entry names the actor and request of the unit of work that writes it.
    """

    def __init__(self, conn: Connection, actor: Actor, request_id: str | None):
        self.conn = conn
        self.actor = actor
        self.request_id = request_id

    def record(self, action: str, entity: str, entity_id: Any = None,
               before: dict | None = None, after: dict | None = None) -> None:
        self.conn.execute(schema.audit_log.insert().values(
            **self._entry(utcnow(), action, entity, entity_id, before, after)))

    def steps(self, entity: str, entity_id: Any, steps: list[tuple[Any, Any, str]]) -> None:
        """Record an entity's status changes, one ``<entity>.status_changed`` entry per
        ``(source, target, note)`` step (as :func:`caas.adapters.orders.record_steps` takes
        them): before ``{"status": source}`` (``None`` when the entity is new), after
        ``{"status": target, "note": note}``."""
        if not steps:
            return
        now, action = utcnow(), f"{entity}.status_changed"
        self.conn.execute(schema.audit_log.insert(), [
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
        table = schema.audit_log
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

    def __init__(self, conn: Connection):
        self.conn = conn
        self.added: list[int] = []

    def add(self, task: str, payload: dict, *, hold: bool = False) -> int:
        """Queue a job, sent to the broker after commit.

        :param hold: the caller runs the job itself right after commit: it is written
            already claimed and not sent, and the caller completes or releases it. If
            the process dies first, the relay sends it once the lease has run out.
        """
        now = utcnow()
        outbox_id = self.conn.execute(schema.outbox.insert().values(
            task=task, payload=payload, created_at=now, attempts=1 if hold else 0,
            claimed_at=now if hold else None)).inserted_primary_key[0]
        if not hold:
            self.added.append(outbox_id)
        return outbox_id

    def add_many(self, task: str, payloads: list[dict]) -> list[int]:
        """Queue one job per payload with one multi-row insert (month-end billing's notices)."""
        if not payloads:
            return []
        now = utcnow()
        ids = bulk.insert(self.conn, schema.outbox,
                          [{"task": task, "payload": payload, "created_at": now, "attempts": 0}
                           for payload in payloads], returning=schema.outbox.c.id)
        self.added.extend(ids)
        return ids

    def claim(self, outbox_id: int, lease_seconds: int):
        """Take the job for processing; ``None`` when it is done or another worker holds it.

        One statement, so it needs no transaction around it (see ``tenant_writer``).
        """
        table = schema.outbox
        now = utcnow()
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
        self.conn.execute(schema.outbox.update().where(schema.outbox.c.id == outbox_id)
                          .values(processed_at=utcnow(), last_error=error, payload=kept))

    def release(self, outbox_id: int, error: str, retry_in_seconds: float) -> None:
        """Let the job go after a failed attempt; it is due again ``retry_in_seconds`` from now."""
        self.conn.execute(schema.outbox.update().where(schema.outbox.c.id == outbox_id)
                          .values(claimed_at=None, last_error=error[:2000],
                                  not_before=utcnow() + timedelta(seconds=retry_in_seconds)))

    def pending(self, older_than_seconds: int, lease_seconds: int, limit: int = 500) -> list[int]:
        """Ids of jobs nobody finished: never dispatched, whose worker died, or whose
        retry is overdue (its delayed message was lost)."""
        table = schema.outbox
        now = utcnow()
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

    TASK = "plugin_event"

    def __init__(self, outbox: OutboxRepository, implemented: Callable[[str], bool]):
        self.outbox = outbox
        self.implemented = implemented

    def publish(self, hook: str, **kwargs) -> None:
        if self.implemented(hook):
            self.outbox.add(self.TASK, {"hook": hook, "kwargs": kwargs})


class LoginThrottle:
    """Counts failed logins per key in a sliding window shared by every process."""

    def __init__(self, conn: Connection, table: sa.Table, max_failures: int, window_seconds: int):
        self.conn = conn
        self.table = table
        self.max_failures = max_failures
        self.window = timedelta(seconds=window_seconds)

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` may try again; 0 when it may try now."""
        row = self._row(key)
        if row is None or row.failures < self.max_failures:
            return 0
        remaining = aware(row.window_started_at) + self.window - utcnow()
        return max(0, int(remaining.total_seconds()) + 1)

    def _row(self, key: str):
        return self.conn.execute(sa.select(self.table).where(self.table.c.key == key)).first()

    def fail(self, key: str) -> None:
        now = utcnow()
        row = self._row(key)
        if row is None:
            try:
                with self.conn.begin_nested():
                    self.conn.execute(self.table.insert().values(key=key, failures=1,
                                                                 window_started_at=now))
                return
            except sa.exc.IntegrityError:
                # A concurrent failure for the same key inserted first: count on top of it.
                row = self._row(key)
        if aware(row.window_started_at) + self.window < now:
            self.conn.execute(self.table.update().where(self.table.c.key == key)
                              .values(failures=1, window_started_at=now))
        else:
            self.conn.execute(self.table.update().where(self.table.c.key == key)
                              .values(failures=self.table.c.failures + 1))

    def clear(self, key: str) -> None:
        self.conn.execute(self.table.delete().where(self.table.c.key == key))

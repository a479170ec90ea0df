"""The outbox: jobs written in the transaction of the change that calls for them, plugin events among them."""
from __future__ import annotations

from datetime import timedelta
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql import bulk, tables
from caas.adapters.sql.rows import aware
from caas.clock import WALL, TenantClock
from caas.service_layer import plugin_events

#: How the last error of a job given up on begins.
ABANDONED = "abandoned:"


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
        self._finish(outbox_id, payload, f"{ABANDONED} {error}"[:2000])

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

    def backlog(self) -> dict:
        """How the jobs stand: ``pending`` (unfinished) and the ``oldest_at`` of them,
        ``retrying`` (unfinished after a failure) and ``abandoned`` (given up on)."""
        table = tables.outbox
        unfinished = table.c.processed_at.is_(None)
        row = self.conn.execute(sa.select(
            sa.func.count().filter(unfinished).label("pending"),
            sa.func.min(table.c.created_at).filter(unfinished).label("oldest_at"),
            sa.func.count().filter(unfinished, table.c.last_error.is_not(None))
            .label("retrying"),
            sa.func.count().filter(table.c.processed_at.is_not(None),
                                   table.c.last_error.like(f"{ABANDONED}%"))
            .label("abandoned"))).one()
        return {"pending": row.pending, "oldest_at": aware(row.oldest_at),
                "retrying": row.retrying, "abandoned": row.abandoned}


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

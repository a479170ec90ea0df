"""Month-end billing runs and their progress in batches."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql import tables
from caas.adapters.sql.rows import page
from caas.clock import WALL, TenantClock


class BillingRuns:
    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def start(self, period: str, trigger: str, batches: int) -> int:
        now = self.now()
        return self.conn.execute(tables.billing_runs.insert().values(
            period=period, trigger=trigger, status="running" if batches else "finished",
            batches=batches, batches_done=0, started_at=now,
            finished_at=None if batches else now)).inserted_primary_key[0]

    def batch_done(self, run_id: int) -> None:
        table = tables.billing_runs
        self.conn.execute(table.update().where(table.c.id == run_id).values(
            batches_done=table.c.batches_done + 1))
        self.conn.execute(table.update().where(
            table.c.id == run_id, table.c.batches_done >= table.c.batches,
            table.c.status == "running").values(status="finished", finished_at=self.now()))

    def get(self, run_id: int) -> dict | None:
        row = self.conn.execute(sa.select(tables.billing_runs)
                                .where(tables.billing_runs.c.id == run_id)).first()
        return dict(row._mapping) if row else None

    def page(self, offset: int, limit: int) -> tuple[list[dict], int]:
        rows, total = page(self.conn, sa.select(tables.billing_runs),
                           tables.billing_runs.c.id.desc(), offset, limit)
        return [dict(row._mapping) for row in rows], total

    def running(self, period: str) -> bool:
        """Whether a run of ``period`` has batches still to bill."""
        table = tables.billing_runs
        return self.conn.execute(sa.select(table.c.id).where(
            table.c.period == period, table.c.status == "running").limit(1)).first() is not None

    def last_finished_period(self) -> str | None:
        table = tables.billing_runs
        return self.conn.execute(sa.select(sa.func.max(table.c.period))
                                 .where(table.c.status == "finished")).scalar()

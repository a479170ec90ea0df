"""Failed sign-ins, counted in the database."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql.rows import aware, insert_once
from caas.domain.sign_in import Failures


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

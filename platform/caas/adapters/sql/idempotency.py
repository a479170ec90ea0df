"""Idempotency keys of requests that must not run twice."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql import tables
from caas.adapters.sql.rows import insert_once
from caas.clock import WALL, TenantClock


class IdempotencyKeys:
    """Stored answers to requests sent with an ``Idempotency-Key``."""

    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def get(self, owner: str, key: str) -> dict | None:
        table = tables.idempotency_keys
        row = self.conn.execute(sa.select(table).where(table.c.owner == owner,
                                                       table.c.key == key)).first()
        return dict(row._mapping) if row else None

    def reserve(self, owner: str, key: str, fingerprint: str) -> bool:
        """Claim the key for a request about to run; ``False`` if it is already claimed."""
        return insert_once(self.conn, tables.idempotency_keys, owner=owner, key=key,
                           fingerprint=fingerprint, created_at=self.now())

    def complete(self, owner: str, key: str, status_code: int, response: Any) -> None:
        table = tables.idempotency_keys
        self.conn.execute(table.update().where(table.c.owner == owner, table.c.key == key)
                          .values(status_code=status_code, response=response))

    def release(self, owner: str, key: str) -> None:
        table = tables.idempotency_keys
        self.conn.execute(table.delete().where(table.c.owner == owner, table.c.key == key,
                                               table.c.status_code.is_(None)))

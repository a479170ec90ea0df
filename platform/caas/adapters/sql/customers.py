"""What the platform keeps about a customer beyond the account."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql import tables
from caas.clock import WALL, TenantClock


class CustomerRepository:
    """What the platform keeps about a customer beyond the account: phone, tax id, address."""

    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def add(self, user_id: int, phone: str, tax_id: str, address: dict) -> None:
        self.conn.execute(tables.customers.insert().values(
            user_id=user_id, phone=phone, tax_id=tax_id, address=address, created_at=self.now()))

    def get(self, user_id: int) -> dict | None:
        return self.many([user_id]).get(user_id)

    def many(self, user_ids) -> dict[int, dict]:
        rows = self.conn.execute(sa.select(tables.customers)
                                 .where(tables.customers.c.user_id.in_(sorted(set(user_ids)))))
        return {row.user_id: dict(row._mapping) for row in rows}

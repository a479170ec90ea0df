"""Password-reset links, by the hash of their token."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql import tables
from caas.adapters.sql.rows import aware


class PasswordResets:
    """The hashed tokens of emailed password-reset links, each spent once."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.table = tables.password_resets

    def add(self, user_id: int, token_hash: str, created_at: datetime,
            expires_at: datetime) -> None:
        self.conn.execute(self.table.insert().values(
            user_id=user_id, token_hash=token_hash, created_at=created_at,
            expires_at=expires_at))

    def latest_at(self, user_id: int) -> datetime | None:
        """When the account's newest link was made; ``None`` if it never had one."""
        return aware(self.conn.execute(
            sa.select(sa.func.max(self.table.c.created_at))
            .where(self.table.c.user_id == user_id)).scalar())

    def spend_all(self, user_id: int, now: datetime) -> None:
        """Spend every unspent link of the account."""
        table = self.table
        self.conn.execute(table.update()
                          .where(table.c.user_id == user_id, table.c.spent_at.is_(None))
                          .values(spent_at=now))

    def spend(self, token_hash: str, now: datetime) -> int | None:
        """Spend the unexpired, unspent link of ``token_hash``; the id of its account, or
        ``None`` when there is no such link (unknown, expired, or spent already)."""
        table = self.table
        row = self.conn.execute(sa.select(table.c.id, table.c.user_id)
                                .where(table.c.token_hash == token_hash)).first()
        if row is None:
            return None
        # One statement decides: of two concurrent uses, only one finds it unspent.
        spent = self.conn.execute(table.update()
                                  .where(table.c.id == row.id, table.c.spent_at.is_(None),
                                         table.c.expires_at > now)
                                  .values(spent_at=now))
        return row.user_id if spent.rowcount == 1 else None

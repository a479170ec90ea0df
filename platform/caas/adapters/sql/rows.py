"""Small helpers every repository uses: stored times, pages of rows, inserts that may exist."""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.engine import Connection


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


def _count(conn: Connection, query) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar()


def page(conn: Connection, query, order_by, offset: int, limit: int):
    """One page of ``query``'s rows, and how many rows it has in all."""
    return conn.execute(query.order_by(order_by).offset(offset).limit(limit)), _count(conn, query)

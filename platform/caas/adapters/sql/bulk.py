"""Many rows in one statement, on every backend.

On PostgreSQL the rows travel as one array per column and the statement unnests
them, so it stays a few hundred bytes however many rows it carries. A multi-row
``VALUES`` list instead has one placeholder per value, which SQLAlchemy renders
and the driver parses on every execution: for a month-end batch that text work,
not the database, was most of the insert's time. Other backends get an
executemany.
"""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection


def insert(conn: Connection, table: sa.Table, rows: list[dict[str, Any]],
           returning: sa.Column | None = None) -> list:
    """Insert ``rows`` (dicts of column values); with ``returning``, that column's values in
    the order of ``rows`` (it must grow with each insert, like a serial id)."""
    if not rows:
        return []
    if conn.dialect.name != "postgresql":
        statement = table.insert()
        if returning is None:
            conn.execute(statement, rows)
            return []
        return list(conn.execute(statement.returning(returning, sort_by_parameter_order=True),
                                 rows).scalars())
    names = list(dict.fromkeys(name for row in rows for name in row))
    columns = {name: [row.get(name, _default(table.c[name])) for row in rows] for name in names}
    # A value every row shares (the period, the currency, the run...) is sent once: the
    # driver quotes each element of a text array in Python.
    shared = {name for name, values in columns.items() if values.count(values[0]) == len(rows)}
    varying = [name for name in names if name not in shared] or names[:1]
    unnested = sa.func.unnest(*[_array(table.c[name], columns[name]) for name in varying]
                              ).table_valued(*varying, with_ordinality="ordinal"
                                             ).render_derived(name="new_rows")
    values = sa.select(*[
        _scalar(table.c[name], columns[name][0]) if name not in varying
        else _typed(unnested.c[name], table.c[name]) for name in names]
    ).order_by(unnested.c.ordinal)
    statement = table.insert().from_select(names, values)
    if returning is None:
        conn.execute(statement)
        return []
    # Rows are inserted in ordinal order, so their generated ids ascend in that order.
    return sorted(conn.execute(statement.returning(returning)).scalars())


def update_by_id(conn: Connection, table: sa.Table, column: str, values: dict[int, Any]) -> None:
    """Set ``column`` to a different value for each row id (``{id: value}``)."""
    if not values:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(table.update().where(table.c.id == sa.bindparam("row_id"))
                     .values({column: sa.bindparam("row_value")}),
                     [{"row_id": key, "row_value": value} for key, value in values.items()])
        return
    target = table.c[column]
    changes = sa.func.unnest(_array(table.c.id, list(values)),
                             _array(target, list(values.values()))).table_valued(
        "row_id", "row_value").render_derived(name="changes")
    conn.execute(table.update().where(table.c.id == changes.c.row_id)
                 .values({column: changes.c.row_value}))


def _default(column: sa.Column) -> Any:
    """What a row that leaves ``column`` out gets: its scalar default, else NULL."""
    default = column.default
    return default.arg if default is not None and default.is_scalar else None


def _sent(column: sa.Column, values: list) -> tuple[sa.types.TypeEngine, list]:
    """The type and values to send for ``column``: JSON travels as text and is cast back
    (the driver has no JSON array), serialized as SQLAlchemy's JSON type does by default."""
    if isinstance(column.type, sa.JSON):
        return sa.Text(), [None if value is None else json.dumps(value) for value in values]
    return column.type, values


def _typed(value, column: sa.Column):
    return sa.cast(value, column.type) if isinstance(column.type, sa.JSON) else value


def _scalar(column: sa.Column, value: Any):
    kind, [sent] = _sent(column, [value])
    return sa.cast(sa.bindparam(None, sent, type_=kind), column.type)


def _array(column: sa.Column, values: list) -> sa.BindParameter:
    kind, sent = _sent(column, values)
    return sa.bindparam(None, sent, type_=postgresql.ARRAY(kind))

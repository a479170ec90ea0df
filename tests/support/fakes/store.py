"""An in-memory tenant database: tables of rows, units of work over a copy of them.

A unit of work reads and writes its own copy of each committed table it touches (copied at
first use); ``commit()`` makes those copies the committed state, leaving it without (or
raising inside the block) throws them away, so a fake transaction behaves as the SQL one does.
"""
from __future__ import annotations

import copy
import itertools
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo


#: Tables whose rows never change once written: a unit of work's copy shares their rows.
APPEND_ONLY = frozenset({"audit_log", "order_events", "service_events", "ticket_events"})


class Table:
    """Rows by id, with ids that keep counting like a sequence."""

    def __init__(self, append_only: bool = False):
        self.rows: dict = {}
        self.ids = itertools.count(1)
        self.append_only = append_only

    def __deepcopy__(self, memo):
        if not self.append_only:
            copied = Table()
            copied.__dict__.update(copy.deepcopy(self.__dict__, memo))
            return copied
        copied = Table(append_only=True)
        copied.rows, copied.ids = dict(self.rows), copy.deepcopy(self.ids, memo)
        return copied

    def insert(self, row, key=None):
        """Store ``row`` under ``key`` (the next id when none); returns the key."""
        key = next(self.ids) if key is None else key
        self.rows[key] = row
        return key

    def where(self, **equal) -> list:
        """The rows (dicts or objects) whose named fields equal the given values, in the
        order they were inserted."""
        def value(row, name):
            return row[name] if isinstance(row, dict) else getattr(row, name)
        return [row for row in self.rows.values()
                if all(value(row, name) == wanted for name, wanted in equal.items())]


class Store:
    """The committed state of one tenant's tables."""

    def __init__(self):
        self.tables: dict[str, Table] = {}

    def table(self, name: str) -> Table:
        """A committed table, for tests to read (never to write behind a unit of work)."""
        return self.tables.setdefault(name, Table())


class FixedClock:
    """A tenant clock that stands still until a test moves it."""

    def __init__(self, at: datetime = datetime(2028, 2, 10, 10, 0, tzinfo=timezone.utc)):
        self.at = at

    def now(self) -> datetime:
        return self.at

    def today(self, zone: str):
        return self.at.astimezone(ZoneInfo(zone)).date()

    def advance(self, **delta) -> None:
        self.at += timedelta(**delta)


class FakeUnitOfWork:
    """One transaction over a copy of the store's tables.

    :param bind: ``bind(uow)`` sets the repositories on the unit of work.
    :param on_commit: called with the unit of work after each commit (sends its jobs).
    """

    def __init__(self, store: Store, clock: FixedClock, bind, on_commit=None, writes=True):
        self.store, self.clock, self._bind = store, clock, bind
        self.on_commit, self.writes = on_commit, writes
        self.committed = False

    def __enter__(self):
        self.tables: dict[str, Table] = {}
        self._bind(self)
        return self

    def table(self, name: str) -> Table:
        """This unit of work's copy of the table ``name``."""
        if name not in self.tables:
            committed = self.store.tables.get(name)
            self.tables[name] = (copy.deepcopy(committed) if committed
                                 else Table(append_only=name in APPEND_ONLY))
        return self.tables[name]

    def now(self) -> datetime:
        return self.clock.now()

    def commit(self) -> None:
        if not self.writes:
            raise RuntimeError("a reader writes nothing")
        self.store.tables.update(copy.deepcopy(self.tables))
        self.committed = True
        if self.on_commit:
            self.on_commit(self)

    def __exit__(self, *exc_info):
        self.tables = None  # whatever was not committed is gone


class FakeUnits:
    """The :class:`~caas.service_layer.ports.TenantUnits` of a tenant kept in a :class:`Store`."""

    def __init__(self, store: Store, clock: FixedClock, bind, on_commit):
        self.store, self._clock, self._bind, self._on_commit = store, clock, bind, on_commit

    def transaction(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store, self._clock, self._bind, self._on_commit)

    @contextmanager
    def reader(self):
        with FakeUnitOfWork(self.store, self._clock, self._bind, writes=False) as uow:
            yield uow

    def clock(self) -> FixedClock:
        return self._clock

    def forget_clock(self) -> None:
        pass

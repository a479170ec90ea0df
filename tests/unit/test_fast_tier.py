"""The fast tier's own promises: fakes that commit like a database, and no network at all."""
import socket

import pytest
import sqlalchemy

from tests.support.fakes.store import Table


def add_setting(uow, value):
    uow.settings.put("key", value)


def read_setting(world):
    with world.ctx.reader() as uow:
        return uow.settings.get("key")


def test_what_a_unit_of_work_writes_is_seen_only_once_committed(world):
    with world.ctx.uow() as uow:
        add_setting(uow, 1)
        assert uow.settings.get("key") == 1  # its own writes, inside
        assert read_setting(world) is None  # nobody else's yet
        uow.commit()
    assert read_setting(world) == 1


def test_leaving_without_commit_or_raising_rolls_back(world):
    with world.ctx.uow() as uow:
        add_setting(uow, 1)
    with pytest.raises(ZeroDivisionError):
        with world.ctx.uow() as uow:
            add_setting(uow, 2)
            1 / 0
    assert read_setting(world) is None


def test_a_reader_writes_nothing(world):
    with pytest.raises(RuntimeError):
        with world.ctx.reader() as uow:
            add_setting(uow, 1)
            uow.commit()


def test_jobs_are_sent_after_commit_only(world):
    with world.ctx.uow() as uow:
        uow.outbox.add("task", {})
    assert world.jobs.sent == []
    with world.ctx.uow() as uow:
        job = uow.outbox.add("task", {})
        held = uow.outbox.add("task", {}, hold=True)
        uow.commit()
    assert world.jobs.sent == [([job], 0)] and held != job


def test_table_ids_keep_counting_like_a_sequence():
    table = Table()
    assert [table.insert({}), table.insert({})] == [1, 2]


def test_a_unit_test_cannot_open_a_connection():
    with pytest.raises(AssertionError, match="in-memory fakes"):
        socket.create_connection(("127.0.0.1", 5432), timeout=1)
    with pytest.raises(AssertionError, match="in-memory fakes"):
        sqlalchemy.create_engine("sqlite://")

"""The fast tier: use cases over in-memory fakes (:mod:`tests.support.fakes`).

No test here may reach a database server, a broker or any other process: a connection
attempt fails the test, and so does opening a SQLAlchemy engine.
"""
import socket

import pytest
import sqlalchemy
from argon2 import PasswordHasher

from caas.crypto import passwords
from caas.context import SYSTEM, actor_var, request_id_var
from tests.support.fakes import fake_world

#: argon2id at its cheapest: the same hashes and checks, in microseconds instead of ~50 ms.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class NetworkUsed(AssertionError):
    """A unit test tried to reach another process."""


@pytest.fixture(autouse=True)
def _no_network_and_no_database(monkeypatch):
    def refuse(*args, **kwargs):
        raise NetworkUsed("unit tests use the in-memory fakes, not the network")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(sqlalchemy, "create_engine", refuse)


@pytest.fixture(autouse=True)
def _acting_as_the_system():
    """Each use case runs as the system, outside any request, whatever ran before it in this
    process (the audit log records the actor)."""
    actor, request = actor_var.set(SYSTEM), request_id_var.set(None)
    yield
    actor_var.reset(actor)
    request_id_var.reset(request)


@pytest.fixture(autouse=True)
def _cheap_passwords(monkeypatch):
    monkeypatch.setattr(passwords, "_hasher", CHEAP_HASHER)


@pytest.fixture
def world():
    """A Spanish tenant in memory; its emails go to ``world.gateways.mail``."""
    return fake_world("ES")

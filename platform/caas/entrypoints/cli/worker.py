"""``caas worker`` and ``caas outbox``: background work outside the web server."""
from __future__ import annotations

import os
import sys

import click
from flask.cli import AppGroup, with_appcontext

from caas.entrypoints.cli.base import (current_platform, databases_at_head, every_option, fail,
                                       repeat)


@click.command()
@click.option("--processes", "-p", type=int, default=None, help="Default: one per CPU.")
@click.option("--threads", "-t", type=int, default=8, show_default=True)
@click.option("--queues", "-Q", multiple=True)
@with_appcontext  # as every command of the Flask group
def worker(processes, threads, queues):
    """Run dramatiq workers for this app (needs a Redis or RabbitMQ CAAS_BROKER_URL)."""
    if os.environ.get("CAAS_BROKER_URL", "memory://").startswith("memory://"):
        fail("caas worker needs CAAS_BROKER_URL (redis:// or amqp://); the embedded "
             "default runs its worker inside `caas run`")
    databases_at_head()
    # A thread that finds no pooled connection opens one and closes it after its job: a new
    # PostgreSQL backend per job, which measured 3/4 of the database's CPU per activation.
    os.environ.setdefault("CAAS_TENANT_POOL_SIZE", str(threads))
    args = [sys.executable, "-m", "dramatiq", "caas.entrypoints.worker.process", "--threads", str(threads)]
    if processes:
        args += ["--processes", str(processes)]
    for queue in queues:
        args += ["--queues", queue]
    os.execv(sys.executable, args)


@click.group(cls=AppGroup)
def outbox():
    """The transactional outbox."""


@outbox.command("relay")
@every_option
@click.option("--older-than", type=int, default=5, show_default=True,
              help="Only jobs at least this many seconds old.")
@with_appcontext
def outbox_relay(every, older_than):
    """Send unfinished outbox jobs of every tenant to the broker."""
    from caas.entrypoints.worker.fanout import relay
    repeat(every, lambda: f"relayed {relay(current_platform(), older_than)} jobs")

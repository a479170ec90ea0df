"""The dramatiq broker from ``CAAS_BROKER_URL``, with the tenant and app-context middleware.

``memory://`` is the embedded default: a :class:`StubBroker` served by worker
threads inside the web process. ``redis://`` and ``amqp://`` are for scale-out.
"""
from __future__ import annotations

import logging

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Middleware, SkipMessage
from prometheus_client import Counter

from caas.tenancy import (UnknownTenant, current_tenant_or_none, reset_request_tenant,
                          set_request_tenant)

log = logging.getLogger(__name__)
JOBS = Counter("caas_jobs_total", "Jobs processed, by actor and outcome", ["actor", "outcome"])


class TenantMiddleware(Middleware):
    """Stamp the current tenant into each message and re-enter it in the worker."""

    def __init__(self, platform_getter):
        self.platform_getter = platform_getter
        self._tokens = {}

    def before_enqueue(self, broker, message, delay):
        tenant = current_tenant_or_none()
        if tenant is not None and "tenant" not in message.options:
            message.options["tenant"] = tenant.slug

    def before_process_message(self, broker, message):
        slug = message.options.get("tenant")
        try:
            tenant = self.platform_getter().tenant(slug) if slug else None
        except UnknownTenant:
            # A job of a tenant this deployment no longer (or never) had: retrying cannot help.
            log.error("skipping job of unknown tenant", extra={"tenant": slug,
                                                               "actor": message.actor_name})
            raise SkipMessage(f"unknown tenant {slug!r}")
        self._tokens[message.message_id] = set_request_tenant(tenant)

    def _leave(self, message):
        token = self._tokens.pop(message.message_id, None)
        if token is not None:
            reset_request_tenant(token)

    def after_process_message(self, broker, message, *, result=None, exception=None):
        JOBS.labels(message.actor_name, "failed" if exception else "succeeded").inc()
        self._leave(message)

    def after_skip_message(self, broker, message):
        JOBS.labels(message.actor_name, "skipped").inc()
        self._leave(message)


class AppContextMiddleware(Middleware):
    """Run every job inside the Flask application context of this process."""

    def __init__(self):
        self.app = None
        self._contexts = {}

    def before_process_message(self, broker, message):
        if self.app is not None:
            context = self.app.app_context()
            context.push()
            self._contexts[message.message_id] = context

    def _pop(self, message):
        context = self._contexts.pop(message.message_id, None)
        if context is not None:
            context.pop()

    def after_process_message(self, broker, message, *, result=None, exception=None):
        self._pop(message)

    def after_skip_message(self, broker, message):
        self._pop(message)


_app_context = AppContextMiddleware()


def _platform():
    return _app_context.app.extensions["caas"]


def make_broker(url: str) -> dramatiq.Broker:
    if url.startswith("memory://"):
        broker = StubBroker()
        broker.emit_after("process_boot")
    elif url.startswith(("redis://", "rediss://")):
        from dramatiq.brokers.redis import RedisBroker
        broker = RedisBroker(url=url)
    elif url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker
        broker = RabbitmqBroker(url=url)
    else:
        raise ValueError(f"unsupported CAAS_BROKER_URL {url!r}: use memory://, redis:// or amqp://")
    # App context first so the tenant lookup below can reach the platform.
    broker.add_middleware(_app_context)
    broker.add_middleware(TenantMiddleware(_platform))
    return broker


_broker: dramatiq.Broker | None = None
_broker_url: str | None = None


def setup(app) -> dramatiq.Broker:
    """Make this process's broker (once per URL) and bind the actors to it."""
    global _broker, _broker_url
    url = app.config["CAAS_BROKER_URL"]
    _app_context.app = app
    if _broker is None or url != _broker_url:
        if _broker is not None:
            _broker.close()
        _broker, _broker_url = make_broker(url), url
        dramatiq.set_broker(_broker)
        from caas.entrypoints.worker import actors
        actors.bind(_broker)
    return _broker


def ping(broker: dramatiq.Broker) -> None:
    """Raise if the broker cannot be reached."""
    if isinstance(broker, StubBroker):
        return
    client = getattr(broker, "client", None)
    if client is not None:  # Redis
        client.ping()
        return
    connection = broker.connection  # RabbitMQ: opens a channel on this thread
    if not connection.is_open:
        raise ConnectionError("RabbitMQ connection is closed")

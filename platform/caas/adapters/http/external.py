"""Clients of the external systems, pointed at their real URLs or at the in-process sandboxes."""
from __future__ import annotations

import hashlib
import threading
from typing import Callable

import httpx
import pybreaker

from caas import config as configuration
from caas.adapters.mail import Mailer, configured_address
from caas.adapters.http.factory import FactoryClient
from caas.adapters.http.iot import IotClient
from caas.adapters.http.messaging import PushClient, SmsClient
from caas.adapters.http.payments import PaymentGateway
from caas.adapters.http.vss import VssClient
from caas.domain.tenants import Tenant


class ExternalSystems:
    """One client per (system, tenant), created on first use and kept for the process.

    :param config: the platform's settings (``CAAS_*_URL``, timeouts, breaker limits).
    :param sandboxes: the in-process simulators; used for every system without a URL.
    :param local_smtp: the ``(host, port)`` of a local mail server, started on first use;
        used when the settings name none (``CAAS_SMTP_HOST``).
    """

    SANDBOX_URL = "http://{system}.sandbox"

    def __init__(self, config: dict, sandboxes=None,
                 local_smtp: Callable[[], tuple[str, int]] | None = None):
        self.config = config
        self.sandboxes = sandboxes
        self.local_smtp = local_smtp
        self._clients: dict[tuple[str, str], object] = {}
        self._lock = threading.RLock()  # building a client takes its system's breaker
        #: One breaker per system, shared by every tenant's client: an outage is the system's.
        self.breakers: dict[str, pybreaker.CircuitBreaker] = {}

    def _client(self, system: str, slug: str, build: Callable[[], object]):
        key = (system, slug)
        client = self._clients.get(key)
        if client is None:
            with self._lock:
                client = self._clients.setdefault(key, build())
        return client

    def payments_in_process(self) -> bool:
        """Whether payments go to the in-process sandbox, which runs on the caller's thread."""
        return not self.config["CAAS_PAYMENTS_URL"]

    def _endpoint(self, system: str, url: str | None,
                  country: str | None = None) -> tuple[str, httpx.BaseTransport | None]:
        if url:
            return url, None
        if self.sandboxes is None:
            raise RuntimeError(f"no URL configured for the {system} system and no sandbox")
        return self.SANDBOX_URL.format(system=system), self.sandboxes.transport(system, country)

    def _breaker(self, system: str) -> pybreaker.CircuitBreaker:
        with self._lock:
            if system not in self.breakers:
                self.breakers[system] = pybreaker.CircuitBreaker(
                    fail_max=self.config["CAAS_BREAKER_FAIL_MAX"],
                    reset_timeout=self.config["CAAS_BREAKER_RESET_SECONDS"], name=system)
            return self.breakers[system]

    def payments(self, tenant: Tenant) -> PaymentGateway:
        def build():
            url, transport = self._endpoint("payments", self.config["CAAS_PAYMENTS_URL"])
            return PaymentGateway(url, merchant=tenant.slug, transport=transport,
                                  timeout=self.config["CAAS_HTTP_TIMEOUT_SECONDS"],
                                  breaker=self._breaker("payments"))
        return self._client("payments", tenant.slug, build)

    def factory(self, tenant: Tenant) -> FactoryClient:
        if self.sandboxes is not None:
            self.sandboxes.factory_in_use()

        def build():
            url, transport = self._endpoint("factory", self.config["CAAS_FACTORY_URL"])
            return FactoryClient(url, market=tenant.slug, transport=transport,
                                 timeout=self.config["CAAS_HTTP_TIMEOUT_SECONDS"],
                                 breaker=self._breaker("factory"))
        return self._client("factory", tenant.slug, build)

    def _shared(self, system: str, client_class, url_key: str):
        """The platform's one client of ``system`` (the car maker's, not a tenant's)."""
        def build():
            url, transport = self._endpoint(system, self.config[url_key])
            return client_class(url, transport=transport,
                                timeout=self.config["CAAS_HTTP_TIMEOUT_SECONDS"],
                                breaker=self._breaker(system))
        return self._client(system, "*", build)

    def iot(self, tenant: Tenant) -> IotClient:
        """The vehicles' IoT API."""
        return self._shared("iot", IotClient, "CAAS_IOT_URL")

    def vss(self, tenant: Tenant) -> VssClient:
        return self._shared("vss", VssClient, "CAAS_VSS_URL")

    def push(self, tenant: Tenant) -> PushClient:
        """The push provider of the customers' mobile app."""
        return self._shared("push", PushClient, "CAAS_PUSH_URL")

    def sms(self, tenant: Tenant) -> SmsClient:
        return self._shared("sms", SmsClient, "CAAS_SMS_URL")

    def mail(self) -> Mailer:
        """The platform's mail server (every tenant's mail leaves through it)."""
        return self._client("mail", "*", lambda: Mailer(self.config, self._smtp_address))

    def _smtp_address(self) -> tuple[str, int]:
        configured = configured_address(self.config)
        if configured is not None:
            return configured
        if self.local_smtp is None:
            raise RuntimeError("no SMTP server configured (CAAS_SMTP_HOST) and no local one")
        return self.local_smtp()

    def registration(self, tenant: Tenant, country, credentials: str | None = None):
        """The country plugin's registration adapter, pointed at that country's body.

        :param credentials: the tenant's credentials with the body (the country plugin's
            ``credentials`` setting); a change of them gets a new client.
        """
        def build():
            urls = configuration.url_map(self.config["CAAS_REGISTRATION_URLS"])
            url, transport = self._endpoint("registration", urls.get(country.code), country)
            return country.registration_adapter(url, transport=transport,
                                                timeout=self.config["CAAS_HTTP_TIMEOUT_SECONDS"],
                                                credentials=credentials)
        key = tenant.slug
        if credentials:
            key += "#" + hashlib.sha256(credentials.encode()).hexdigest()[:16]
        return self._client("registration", key, build)

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            close = getattr(client, "close", None)
            if close:
                close()
        if self.sandboxes is not None:
            self.sandboxes.close()

    def for_tenant(self, tenant: Tenant, country=None) -> "TenantGateways":
        """The external systems as ``tenant`` (of ``country``, its plugin's) reaches them."""
        return TenantGateways(self, tenant, country)


class TenantGateways:
    """The external systems as one tenant reaches them (clients are built on first use)."""

    def __init__(self, systems: ExternalSystems, tenant: Tenant, country=None):
        self._systems, self._tenant, self._country = systems, tenant, country

    @property
    def payments(self) -> PaymentGateway:
        return self._systems.payments(self._tenant)

    @property
    def payments_in_process(self) -> bool:
        return self._systems.payments_in_process()

    @property
    def factory(self) -> FactoryClient:
        return self._systems.factory(self._tenant)

    @property
    def iot(self) -> IotClient:
        return self._systems.iot(self._tenant)

    @property
    def vss(self) -> VssClient:
        return self._systems.vss(self._tenant)

    @property
    def push(self) -> PushClient:
        return self._systems.push(self._tenant)

    @property
    def sms(self) -> SmsClient:
        return self._systems.sms(self._tenant)

    @property
    def mail(self) -> Mailer:
        return self._systems.mail()

    def registration(self, credentials: str | None = None):
        """The tenant's country's registration body, with the tenant's credentials there."""
        return self._systems.registration(self._tenant, self._country, credentials)

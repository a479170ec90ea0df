"""The service layer's ports: what it needs of the world, which adapters provide.

Typing protocols only: the composition root wires the SQL units of work, the HTTP
clients, the broker and the plugin manager in behind them; tests wire in-memory fakes.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Callable, Iterable, Mapping, Protocol

from caas.clock import TenantClock
from caas.domain.catalog import CatalogOption
from caas.domain.countries import Country
from caas.domain.tenants import Tenant
from caas.service_layer.gateways import (FactoryGateway, IotGateway, MailGateway, PaymentsGateway,
                                         PushGateway, RegistrationGateway, SmsGateway, VssGateway)


class TenantUnits(Protocol):
    """A tenant's units of work, and its clock."""

    def transaction(self) -> Any:
        """A unit of work: one transaction, committed only by its ``commit()``."""

    def reader(self) -> AbstractContextManager:
        """The same repositories, for reads that need no transaction around them."""

    def clock(self) -> TenantClock:
        """The tenant's business clock."""

    def forget_clock(self) -> None:
        """The tenant's clock moved: read it afresh."""


class Jobs(Protocol):
    """Sends committed outbox jobs to the workers."""

    def send(self, outbox_ids: list[int], delay_seconds: float = 0) -> None:
        """Hand these committed jobs to the broker, due after ``delay_seconds``."""

    def activate_later(self, service_id: int, delay_seconds: float) -> None:
        """Send the next over-the-air activation attempt of a service, due then."""

    def retry_delay(self, attempts: int) -> float:
        """Seconds before a job that failed ``attempts`` times is tried again."""


class Cache(Protocol):
    """Values kept briefly in this process."""

    def get(self, key: str, load: Callable[[], Any]) -> Any:
        """The value of ``key``, or ``load()``'s, kept from now on."""

    def forget(self, key: str) -> None:
        """Drop ``key``: the next ``get`` loads it again."""


class PluginCatalog(Protocol):
    """The loaded plugins, as use cases read them."""

    catalog_options: Mapping[str, CatalogOption]
    countries: Mapping[str, Country]

    def option(self, code: str) -> CatalogOption:
        """The catalog option ``code``."""

    def country(self, code: str) -> Country:
        """The country ``code``."""

    def owner_of_country(self, code: str) -> str | None:
        """The name of the plugin that provides country ``code``."""

    def implements(self, hook: str) -> bool:
        """Whether any loaded plugin implements ``hook``."""

    def call_each(self, hook: str, **kwargs) -> list:
        """Call every plugin's ``hook``, containing (and returning) their failures."""


class Gateways(Protocol):
    """The external systems, as one tenant reaches them."""

    payments: PaymentsGateway
    factory: FactoryGateway
    iot: IotGateway
    vss: VssGateway
    push: PushGateway
    sms: SmsGateway
    mail: MailGateway
    #: Whether the payment gateway answers on the calling thread (charges go one at a time).
    payments_in_process: bool

    def registration(self, credentials: str | None = None) -> RegistrationGateway:
        """The country's registration body, with the tenant's credentials there."""


class ControlPlane(Protocol):
    """The platform as a whole: its tenant registry, operators and plugins."""

    plugins: PluginCatalog
    config: Mapping[str, Any]

    def control_uow(self) -> Any:
        """A unit of work in the control plane's database."""

    def control_reader(self) -> AbstractContextManager:
        """A connection for reads of the control plane outside a transaction."""

    def tenant(self, slug: str) -> Tenant:
        """The active tenant ``slug``."""

    def tenants(self) -> Iterable[Tenant]:
        """Every tenant."""

    def for_tenant(self, tenant: Tenant) -> Any:
        """The :class:`~caas.service_layer.context.TenantContext` of ``tenant``."""

    def provision(self, slug: str) -> None:
        """Create the tenant's database and bring it to the latest schema."""

    def unprovision(self, slug: str) -> None:
        """Drop the tenant's database."""

    def schema_revision(self, slug: str) -> tuple[str | None, str]:
        """The migration revision the tenant's database is at (``None``: never migrated),
        and the latest one."""

    def forget_tenant(self, slug: str) -> None:
        """Read the tenant ``slug`` afresh next time."""

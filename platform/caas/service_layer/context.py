"""What a use case receives: the tenant it acts for, and the ports it acts through.

The composition root (:mod:`caas.bootstrap`) builds a :class:`TenantContext` per request
or job; use cases never reach for the platform themselves, so a test can hand them one
made of in-memory fakes.
"""
from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Mapping

from caas.clock import TenantClock
from caas.domain.countries import Country
from caas.domain.tenants import Tenant
from caas.service_layer.ports import Cache, Gateways, Jobs, PluginCatalog, TenantUnits


class TenantContext:
    """One tenant, and everything a use case needs to act for it.

    :param tenant: the tenant acted for.
    :param units: its units of work (a transaction, a read outside one) and its clock.
    :param gateways: the external systems, as this tenant reaches them.
    :param plugins: the loaded countries and catalog options.
    :param settings: the platform's configuration (``CAAS_*``), read-only.
    :param jobs: sends committed background jobs, now or later.
    :param cache: values kept briefly per process (settings read on hot paths).
    """

    def __init__(self, tenant: Tenant, *, units: TenantUnits, gateways: Gateways,
                 plugins: PluginCatalog, settings: Mapping[str, Any], jobs: Jobs, cache: Cache):
        self.tenant = tenant
        self.units = units
        self.gateways = gateways
        self.plugins = plugins
        self.settings = settings
        self.jobs = jobs
        self.cache = cache

    def uow(self):
        """A new unit of work: one transaction in the tenant's database."""
        return self.units.transaction()

    def reader(self) -> AbstractContextManager:
        """The tenant's repositories for reads that need no transaction around them."""
        return self.units.reader()

    @property
    def clock(self) -> TenantClock:
        return self.units.clock()

    def now(self) -> datetime:
        """The tenant's business time (inside a unit of work: ``uow.now()``)."""
        return self.clock.now()

    @property
    def country(self) -> Country:
        return self.plugins.country(self.tenant.country)

"""The control plane as use cases on the tenant registry see it: the registry in memory, and
the :class:`~tests.support.fakes.FakeWorld`'s tenant in it."""
from __future__ import annotations

import copy

from tests.support.fakes.repositories import Repository
from tests.support.fakes.store import FakeUnitOfWork, Store


class Tenants(Repository):
    """The registry's tenants, by slug."""

    TABLE = "tenants"

    def get(self, slug):
        return copy.copy(self.table.rows.get(slug))

    def set_locales(self, slug, locales):
        self.table.rows[slug].locales = list(locales)


def _bind(uow) -> None:
    uow.tenants = Tenants(uow)


class FakeControlPlane:
    """One tenant's registry entry, its context, and the tenants it was told to read afresh."""

    def __init__(self, world):
        self.world, self.plugins, self.config = world, world.ctx.plugins, world.settings
        self.store = Store()
        self.store.table("tenants").rows[world.tenant.slug] = copy.copy(world.tenant)
        self.forgotten: list[str] = []

    def control_uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store, self.world.clock, _bind)

    def tenant(self, slug: str):
        """The tenant as the registry has it now."""
        return copy.copy(self.store.table("tenants").rows[slug])

    def for_tenant(self, tenant):
        assert tenant.slug == self.world.tenant.slug
        return self.world.ctx

    def forget_tenant(self, slug: str) -> None:
        self.forgotten.append(slug)

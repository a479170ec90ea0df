"""The control plane's tenants, and each tenant's own small settings."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql import tables
from caas.adapters.sql.rows import aware, page
from caas.clock import WALL, TenantClock
from caas.domain.tenants import Tenant


class TenantRepository:
    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    @staticmethod
    def _tenant(row) -> Tenant:
        return Tenant(id=row.id, slug=row.slug, name=row.name, country=row.country,
                      currency=row.currency, locales=list(row.locales), timezone=row.timezone,
                      status=row.status, created_at=aware(row.created_at),
                      secrets=dict(row.secrets))

    def add(self, tenant: Tenant) -> Tenant:
        tenant.created_at = self.now()
        tenant.id = self.conn.execute(tables.tenants.insert().values(
            slug=tenant.slug, name=tenant.name, country=tenant.country,
            currency=tenant.currency, locales=tenant.locales, timezone=tenant.timezone,
            status=tenant.status, secrets=tenant.secrets, created_at=tenant.created_at,
        )).inserted_primary_key[0]
        return tenant

    def get(self, slug: str) -> Tenant | None:
        row = self.conn.execute(sa.select(tables.tenants).where(tables.tenants.c.slug == slug)).first()
        return self._tenant(row) if row else None

    def list(self) -> list[Tenant]:
        rows = self.conn.execute(sa.select(tables.tenants).order_by(tables.tenants.c.slug))
        return [self._tenant(row) for row in rows]

    def page(self, offset: int, limit: int, q: str | None = None) -> tuple[list[Tenant], int]:
        """One page of the tenants by slug, and how many there are; ``q``: only those whose
        slug or name contains it, in any case."""
        table = tables.tenants
        query = sa.select(table)
        if q:
            wanted = q.lower()
            query = query.where(sa.or_(
                sa.func.lower(table.c.slug).contains(wanted, autoescape=True),
                sa.func.lower(table.c.name).contains(wanted, autoescape=True)))
        rows, total = page(self.conn, query, table.c.slug, offset, limit)
        return [self._tenant(row) for row in rows], total

    def any_active(self) -> Tenant | None:
        row = self.conn.execute(sa.select(tables.tenants)
                                .where(tables.tenants.c.status == "active").limit(1)).first()
        return self._tenant(row) if row else None

    def set_status(self, slug: str, status: str) -> None:
        self.conn.execute(tables.tenants.update().where(tables.tenants.c.slug == slug)
                          .values(status=status))

    def set_locales(self, slug: str, locales: list[str]) -> None:
        self.conn.execute(tables.tenants.update().where(tables.tenants.c.slug == slug)
                          .values(locales=list(locales)))

    def delete(self, slug: str) -> None:
        self.conn.execute(tables.tenants.delete().where(tables.tenants.c.slug == slug))


class TenantSettings:
    """Small per-tenant settings, by key, over defaults given by the caller."""

    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def get(self, key: str, default: Any = None) -> Any:
        value = self.conn.execute(sa.select(tables.tenant_settings.c.value)
                                  .where(tables.tenant_settings.c.key == key)).scalar()
        return default if value is None else value

    def put(self, key: str, value: Any) -> None:
        table = tables.tenant_settings
        if not self.conn.execute(table.update().where(table.c.key == key)
                                 .values(value=value, updated_at=self.now())).rowcount:
            self.conn.execute(table.insert().values(key=key, value=value, updated_at=self.now()))

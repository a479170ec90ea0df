"""The catalog: vehicle models, plans, and which options the tenant sells."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql import tables
from caas.adapters.sql.rows import aware, page
from caas.clock import WALL, TenantClock
from caas.domain.money import Money


class CatalogRepository:
    """Vehicle models (with their factory options) and commercial plans."""

    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    @staticmethod
    def _model(row) -> dict:
        currency = row.currency
        return {"code": row.code, "name": row.name, "currency": currency,
                "base_price": Money.from_minor(row.base_price_minor, currency),
                "options": [{"code": option["code"], "name": option["name"],
                             "price": Money.from_minor(option["price_minor"], currency)}
                            for option in row.options]}

    def add_model(self, code: str, name: str, base_price: Money, options: list[dict]) -> dict:
        self.conn.execute(tables.vehicle_models.insert().values(
            code=code, name=name, base_price_minor=base_price.to_minor(),
            currency=base_price.currency, created_at=self.now(),
            options=[{"code": option["code"], "name": option["name"],
                      "price_minor": option["price"].to_minor()} for option in options]))
        return self.model(code)

    def model(self, code: str) -> dict | None:
        row = self.conn.execute(sa.select(tables.vehicle_models)
                                .where(tables.vehicle_models.c.code == code)).first()
        return self._model(row) if row else None

    def models(self, offset: int, limit: int) -> tuple[list[dict], int]:
        rows, total = page(self.conn, sa.select(tables.vehicle_models),
                            tables.vehicle_models.c.code, offset, limit)
        return [self._model(row) for row in rows], total

    @staticmethod
    def _plan(row) -> dict:
        return {"code": row.code, "name": row.name,
                "reservation": Money.from_minor(row.reservation_minor, row.currency)}

    def add_plan(self, code: str, name: str, reservation: Money) -> dict:
        self.conn.execute(tables.plans.insert().values(
            code=code, name=name, reservation_minor=reservation.to_minor(),
            currency=reservation.currency, created_at=self.now()))
        return self.plan(code)

    def plan(self, code: str) -> dict | None:
        row = self.conn.execute(sa.select(tables.plans).where(tables.plans.c.code == code)).first()
        return self._plan(row) if row else None

    def plans(self, offset: int, limit: int) -> tuple[list[dict], int]:
        rows, total = page(self.conn, sa.select(tables.plans), tables.plans.c.code, offset, limit)
        return [self._plan(row) for row in rows], total


class CatalogSettings:
    """Which options a tenant sells, at what price and billing."""

    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    @staticmethod
    def _setting(row) -> dict:
        return {"code": row.code, "enabled": row.enabled, "billing": row.billing,
                "price": Money.from_minor(row.price_minor, row.currency),
                "usage_price": None if row.usage_price_minor is None
                else Money.from_minor(row.usage_price_minor, row.currency),
                "usage_included": row.usage_included, "trial_days": row.trial_days,
                "updated_at": aware(row.updated_at)}

    def all(self) -> dict[str, dict]:
        return {row.code: self._setting(row)
                for row in self.conn.execute(sa.select(tables.catalog_options))}

    def get(self, code: str) -> dict | None:
        row = self.conn.execute(sa.select(tables.catalog_options)
                                .where(tables.catalog_options.c.code == code)).first()
        return self._setting(row) if row else None

    def put(self, code: str, enabled: bool, price: Money, billing: str,
            usage_price: Money | None = None, usage_included: int | None = None,
            trial_days: int | None = None) -> None:
        """Set the option's sale; ``usage_price`` per unit beyond ``usage_included`` steps;
        ``trial_days`` of free trial (``None``: the plugin's)."""
        table = tables.catalog_options
        values = dict(enabled=enabled, price_minor=price.to_minor(), currency=price.currency,
                      billing=billing, usage_price_minor=usage_price and usage_price.to_minor(),
                      usage_included=usage_included, trial_days=trial_days,
                      updated_at=self.now())
        if not self.conn.execute(table.update().where(table.c.code == code)
                                 .values(**values)).rowcount:
            self.conn.execute(table.insert().values(code=code, **values))

"""Vehicles delivered to customers."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql import tables
from caas.adapters.sql.rows import aware, page
from caas.clock import WALL, TenantClock
from caas.domain.orders import Vehicle


class VehicleRepository:
    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    @staticmethod
    def _vehicle(row) -> Vehicle:
        return Vehicle(vin=row.vin, model=row.model, status=row.status, order_id=row.order_id,
                       plate=row.plate, linked_user_id=row.linked_user_id,
                       linked_at=aware(row.linked_at), updated_at=aware(row.updated_at))

    def add(self, vehicle: Vehicle) -> None:
        now = self.now()
        self.conn.execute(tables.vehicles.insert().values(
            vin=vehicle.vin, model=vehicle.model, status=vehicle.status, order_id=vehicle.order_id,
            plate=vehicle.plate, created_at=now, updated_at=now))

    def get(self, vin: str) -> Vehicle | None:
        row = self.conn.execute(sa.select(tables.vehicles).where(tables.vehicles.c.vin == vin)).first()
        return self._vehicle(row) if row else None

    def many(self, vins) -> dict[str, Vehicle]:
        """The vehicles of ``vins`` by VIN, in one query; unknown VINs are left out."""
        rows = self.conn.execute(sa.select(tables.vehicles)
                                 .where(tables.vehicles.c.vin.in_(sorted(set(vins)))))
        return {row.vin: self._vehicle(row) for row in rows}

    def save(self, vehicle: Vehicle) -> None:
        self.conn.execute(tables.vehicles.update().where(tables.vehicles.c.vin == vehicle.vin).values(
            status=vehicle.status, order_id=vehicle.order_id, plate=vehicle.plate,
            linked_user_id=vehicle.linked_user_id, linked_at=vehicle.linked_at,
            updated_at=self.now()))

    def claim_from_stock(self, vin: str, order_id: int) -> bool:
        """Assign an unassigned vehicle to ``order_id``; ``False`` if it is not in stock (any more)."""
        table = tables.vehicles
        return bool(self.conn.execute(
            table.update().where(table.c.vin == vin, table.c.status == Vehicle.UNASSIGNED)
            .values(status="assigned", order_id=order_id, updated_at=self.now())).rowcount)

    def link(self, vin: str, user_id: int) -> bool:
        """Bind the vehicle to an app account unless another account holds it already."""
        table = tables.vehicles
        return bool(self.conn.execute(
            table.update().where(table.c.vin == vin, sa.or_(table.c.linked_user_id.is_(None),
                                                            table.c.linked_user_id == user_id))
            .values(linked_user_id=user_id, linked_at=sa.func.coalesce(table.c.linked_at, self.now()),
                    updated_at=self.now())).rowcount)

    def stock(self, offset: int, limit: int, model: str | None = None) -> tuple[list[Vehicle], int]:
        query = sa.select(tables.vehicles).where(tables.vehicles.c.status == Vehicle.UNASSIGNED)
        if model:
            query = query.where(tables.vehicles.c.model == model)
        rows, total = page(self.conn, query, tables.vehicles.c.updated_at, offset, limit)
        return [self._vehicle(row) for row in rows], total

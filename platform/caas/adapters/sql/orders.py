"""Repositories of the sales side: models and plans, customers, orders, vehicles, payments,
received webhooks, idempotency keys and support tickets."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql import tables
from caas.adapters.sql.repositories import AuditLog, aware, insert_once
from caas.clock import WALL, TenantClock
from caas.context import Actor
from caas.domain.money import Money
from caas.domain.orders import Order, Status, Vehicle
from caas.domain.tickets import Change, ChangeKind, Ticket, TicketStatus
from caas.service_layer.unit_of_work import AlreadyPaid, PaymentInProgress, StaleOrder, StaleTicket



def _count(conn: Connection, query) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar()


def page(conn: Connection, query, order_by, offset: int, limit: int):
    """One page of ``query``'s rows, and how many rows it has in all."""
    return conn.execute(query.order_by(order_by).offset(offset).limit(limit)), _count(conn, query)


def record_steps(conn: Connection, table: sa.Table, owner_id: int, actor: Actor,
                 steps: list[tuple[Any, Any, str]], now: datetime) -> None:
    """Append ``(source, target, note)`` status changes of one entity, made at ``now``, to its
    events ``table``."""
    if not steps:
        return
    owner = _owner_column(table)
    conn.execute(table.insert(), [
        {owner.name: owner_id, "at": now, "source": source.value if source else None,
         "target": target.value, "note": note[:500], "actor_role": actor.role,
         "actor_id": actor.id, "actor_email": actor.email}
        for source, target, note in steps])


def read_history(conn: Connection, table: sa.Table, owner_ids: list[int]) -> dict[int, list[dict]]:
    """Status history of each entity in an events ``table``, oldest first."""
    owner = _owner_column(table)
    result: dict[int, list[dict]] = {owner_id: [] for owner_id in owner_ids}
    for row in conn.execute(sa.select(table).where(owner.in_(owner_ids)).order_by(table.c.id)):
        result[row._mapping[owner.name]].append({
            "at": aware(row.at), "from": row.source, "to": row.target, "note": row.note,
            "actor": {"role": row.actor_role, "id": row.actor_id, "email": row.actor_email}})
    return result


def _owner_column(table: sa.Table) -> sa.Column:
    # order_events.order_id, service_events.service_id: the one foreign key.
    [key] = table.foreign_keys
    return key.parent


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


class CustomerRepository:
    """What the platform keeps about a customer beyond the account: phone, tax id, address."""

    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def add(self, user_id: int, phone: str, tax_id: str, address: dict) -> None:
        self.conn.execute(tables.customers.insert().values(
            user_id=user_id, phone=phone, tax_id=tax_id, address=address, created_at=self.now()))

    def get(self, user_id: int) -> dict | None:
        return self.many([user_id]).get(user_id)

    def many(self, user_ids) -> dict[int, dict]:
        rows = self.conn.execute(sa.select(tables.customers)
                                 .where(tables.customers.c.user_id.in_(sorted(set(user_ids)))))
        return {row.user_id: dict(row._mapping) for row in rows}


class OrderRepository:
    """Orders and their status history; saving an order records its pending transitions,
    in the order's history and in the audit log."""

    def __init__(self, conn: Connection, audit: AuditLog, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn
        self.audit = audit

    @staticmethod
    def _order(row) -> Order:
        currency = row.currency
        return Order(
            id=row.id, reference=row.reference, customer_id=row.customer_id, model=row.model,
            plan=row.plan, options=list(row.options),
            price=Money.from_minor(row.price_minor, currency),
            reservation=Money.from_minor(row.reservation_minor, currency),
            owner=dict(row.owner), status=Status(row.status), vin=row.vin, plate=row.plate,
            factory_order_id=row.factory_order_id, estimated_date=row.estimated_date,
            created_by=row.created_by, created_at=aware(row.created_at),
            updated_at=aware(row.updated_at),
            registration_escalated_at=aware(row.registration_escalated_at), version=row.version)

    def _values(self, order: Order) -> dict[str, Any]:
        return dict(status=order.status.value, vin=order.vin, plate=order.plate,
                    factory_order_id=order.factory_order_id, estimated_date=order.estimated_date,
                    registration_escalated_at=order.registration_escalated_at,
                    updated_at=order.updated_at)

    def add(self, order: Order) -> Order:
        order.created_at = order.updated_at = self.now()
        order.id = self.conn.execute(tables.orders.insert().values(
            reference=order.reference, customer_id=order.customer_id, model=order.model,
            plan=order.plan, options=order.options, price_minor=order.price.to_minor(),
            reservation_minor=order.reservation.to_minor(), currency=order.price.currency,
            owner=order.owner, created_by=order.created_by, created_at=order.created_at,
            version=order.version, **self._values(order))).inserted_primary_key[0]
        self._record(order)
        return order

    def save(self, order: Order) -> None:
        """Write ``order`` if nobody changed it since it was read, else raise :class:`StaleOrder`."""
        order.updated_at = self.now()
        table = tables.orders
        changed = self.conn.execute(
            table.update().where(table.c.id == order.id, table.c.version == order.version)
            .values(version=order.version + 1, **self._values(order))).rowcount
        if not changed:
            raise StaleOrder(order.reference)
        order.version += 1
        self._record(order)

    def _record(self, order: Order) -> None:
        steps = [(step.source, step.target, step.note) for step in order.pending]
        record_steps(self.conn, tables.order_events, order.id, self.audit.actor, steps,
                     self.now())
        self.audit.steps("order", order.id, steps)
        order.pending.clear()

    def get(self, order_id: int) -> Order | None:
        row = self.conn.execute(sa.select(tables.orders)
                                .where(tables.orders.c.id == order_id)).first()
        return self._order(row) if row else None

    def by_factory_order(self, factory_order_id: str) -> Order | None:
        row = self.conn.execute(sa.select(tables.orders).where(
            tables.orders.c.factory_order_id == factory_order_id)).first()
        return self._order(row) if row else None

    def page(self, offset: int, limit: int, *, status: str | None = None,
             customer_id: int | None = None) -> tuple[list[Order], int]:
        query = sa.select(tables.orders)
        if status:
            query = query.where(tables.orders.c.status == status)
        if customer_id is not None:
            query = query.where(tables.orders.c.customer_id == customer_id)
        rows, total = page(self.conn, query, tables.orders.c.id.desc(), offset, limit)
        return [self._order(row) for row in rows], total

    def history(self, order_ids: list[int]) -> dict[int, list[dict]]:
        return read_history(self.conn, tables.order_events, order_ids)


class VehicleRepository:
    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    @staticmethod
    def _vehicle(row) -> Vehicle:
        return Vehicle(vin=row.vin, model=row.model, status=row.status, order_id=row.order_id,
                       plate=row.plate, linked_user_id=row.linked_user_id,
                       linked_at=aware(row.linked_at))

    def add(self, vehicle: Vehicle) -> None:
        now = self.now()
        self.conn.execute(tables.vehicles.insert().values(
            vin=vehicle.vin, model=vehicle.model, status=vehicle.status, order_id=vehicle.order_id,
            plate=vehicle.plate, created_at=now, updated_at=now))

    def get(self, vin: str) -> Vehicle | None:
        row = self.conn.execute(sa.select(tables.vehicles).where(tables.vehicles.c.vin == vin)).first()
        return self._vehicle(row) if row else None

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




class PaymentRepository:
    """One row per attempt to pay a part of an order; at most one attempt runs at a time.

    An attempt is ``processing`` while its call to the gateway runs, then ``succeeded``,
    ``declined``, ``failed`` (known not to have charged) or ``unknown`` (the answer was
    lost: the gateway may have charged). An unknown attempt, or a processing one whose
    process died, is *unresolved*: it must be reconciled by its key before another starts.
    """

    UNRESOLVED = ("processing", "unknown")

    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def _latest(self, order_id: int, kind: str):
        table = tables.payments
        return self.conn.execute(
            sa.select(table).where(table.c.order_id == order_id, table.c.kind == kind)
            .order_by(table.c.attempt.desc()).limit(1)).first()

    def start(self, order_id: int, kind: str, amount: Money, key_prefix: str,
              card_token: str) -> dict:
        """Open the next attempt, with a key of its own.

        :raises PaymentInProgress: the latest attempt is unresolved (the unique constraint on
            ``(order_id, kind, attempt)`` settles races between processes).
        :raises AlreadyPaid: an attempt succeeded, though the caller may have read the order
            before that attempt's transaction moved it on.
        """
        latest = self._latest(order_id, kind)
        if latest is not None and latest.status == "succeeded":
            raise AlreadyPaid(order_id)
        if latest is not None and latest.status in self.UNRESOLVED:
            raise PaymentInProgress(order_id)
        attempt = latest.attempt + 1 if latest is not None else 1
        now = self.now()
        values = dict(order_id=order_id, kind=kind, attempt=attempt, status="processing",
                      amount_minor=amount.to_minor(), currency=amount.currency,
                      card_token=card_token, gateway_key=f"{key_prefix}:{kind}:{attempt}",
                      created_at=now, updated_at=now)
        try:
            with self.conn.begin_nested():
                values["id"] = self.conn.execute(
                    tables.payments.insert().values(**values)).inserted_primary_key[0]
        except sa.exc.IntegrityError:
            raise PaymentInProgress(order_id) from None
        return values

    def unresolved(self, order_id: int, kind: str, stale_after_seconds: float) -> dict | None:
        """The latest attempt if it awaits reconciliation: ``unknown``, or ``processing``
        with no sign of life for ``stale_after_seconds`` (its process died mid-call)."""
        latest = self._latest(order_id, kind)
        if latest is None or not self._unresolved(latest, stale_after_seconds):
            return None
        return self._attempt(latest)

    def all_unresolved(self, stale_after_seconds: float, limit: int = 500) -> list[dict]:
        """Every unresolved attempt, oldest first."""
        table = tables.payments
        stale = self.now() - timedelta(seconds=stale_after_seconds)
        rows = self.conn.execute(sa.select(table).where(sa.or_(
            table.c.status == "unknown",
            sa.and_(table.c.status == "processing", table.c.updated_at <= stale)))
            .order_by(table.c.updated_at).limit(limit))
        return [self._attempt(row) for row in rows]

    def _unresolved(self, row, stale_after_seconds: float) -> bool:
        if row.status == "unknown":
            return True
        return row.status == "processing" and \
            aware(row.updated_at) <= self.now() - timedelta(seconds=stale_after_seconds)

    @staticmethod
    def _attempt(row) -> dict:
        return dict(row._mapping, created_at=aware(row.created_at),
                    updated_at=aware(row.updated_at))

    def resume(self, attempt: dict) -> bool:
        """Take an unresolved attempt to send its request again, with its own key; ``False``
        when another request took it first."""
        table = tables.payments
        return bool(self.conn.execute(table.update().where(
            table.c.id == attempt["id"], table.c.status == attempt["status"],
            table.c.updated_at == attempt["updated_at"])
            .values(status="processing", updated_at=self.now())).rowcount)

    def finish(self, payment_id: int, status: str, *, gateway_payment_id: str | None = None,
               settlement: str | None = None, error: str | None = None) -> bool:
        """Record an attempt's outcome, once: ``False`` when it was resolved already."""
        table = tables.payments
        return bool(self.conn.execute(table.update().where(
            table.c.id == payment_id, table.c.status.in_(self.UNRESOLVED)).values(
            status=status, gateway_payment_id=gateway_payment_id, settlement=settlement,
            error=error[:500] if error else None, updated_at=self.now())).rowcount)

    def get(self, payment_id: int) -> dict | None:
        row = self.conn.execute(sa.select(tables.payments)
                                .where(tables.payments.c.id == payment_id)).first()
        return self._attempt(row) if row else None

    def succeeded(self, order_id: int, kind: str) -> dict | None:
        table = tables.payments
        row = self.conn.execute(sa.select(table).where(
            table.c.order_id == order_id, table.c.kind == kind,
            table.c.status == "succeeded")).first()
        return dict(row._mapping, updated_at=aware(row.updated_at)) if row else None

    def by_gateway_id(self, gateway_payment_id: str) -> dict | None:
        row = self.conn.execute(sa.select(tables.payments).where(
            tables.payments.c.gateway_payment_id == gateway_payment_id)).first()
        return dict(row._mapping) if row else None

    def by_key(self, gateway_key: str) -> dict | None:
        row = self.conn.execute(sa.select(tables.payments).where(
            tables.payments.c.gateway_key == gateway_key)).first()
        return self._attempt(row) if row else None

    def set_settlement(self, payment_id: int, settlement: str) -> None:
        self.conn.execute(tables.payments.update().where(tables.payments.c.id == payment_id)
                          .values(settlement=settlement, updated_at=self.now()))

    def of_orders(self, order_ids: list[int]) -> dict[int, list[dict]]:
        table = tables.payments
        result: dict[int, list[dict]] = {order_id: [] for order_id in order_ids}
        for row in self.conn.execute(sa.select(table).where(table.c.order_id.in_(order_ids))
                                     .order_by(table.c.id)):
            result[row.order_id].append({
                "kind": row.kind, "attempt": row.attempt, "status": row.status,
                "amount": Money.from_minor(row.amount_minor, row.currency),
                "settlement": row.settlement, "at": aware(row.updated_at)})
        return result


class WebhookEvents:
    """Webhook events already handled, so that a replay has no second effect."""

    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def seen(self, system: str, event_id: str) -> dict | None:
        table = tables.webhook_events
        row = self.conn.execute(sa.select(table).where(
            table.c.system == system, table.c.event_id == event_id)).first()
        return dict(row._mapping) if row else None

    def record(self, system: str, event_id: str, payload: dict, outcome: str) -> bool:
        """Record the event; ``False`` if a concurrent delivery recorded it first."""
        return insert_once(self.conn, tables.webhook_events, system=system, event_id=event_id,
                           payload=payload, outcome=outcome[:200], received_at=self.now())


class HeldPaymentEvents:
    """Payment news about payments not known when it came, kept until claimed or refunded."""

    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def hold(self, event: dict) -> bool:
        """Keep the report; ``False`` if a concurrent delivery kept it first."""
        return insert_once(self.conn, tables.held_payment_events, event_id=event["event_id"],
                           payment_id=event["payment_id"],
                           idempotency_key=event.get("idempotency_key"), payload=event,
                           received_at=self.now())

    def _rows(self, *conditions) -> list[dict]:
        table = tables.held_payment_events
        rows = self.conn.execute(sa.select(table).where(table.c.resolved_at.is_(None), *conditions)
                                 .order_by(table.c.id))
        return [dict(row._mapping, received_at=aware(row.received_at)) for row in rows]

    def unresolved(self) -> list[dict]:
        return self._rows()

    def matching(self, payment_ids: list[str], keys: list[str]) -> list[dict]:
        """Unresolved reports about any of ``payment_ids``, or sent after any of ``keys``."""
        table = tables.held_payment_events
        return self._rows(sa.or_(table.c.payment_id.in_(payment_ids),
                                 table.c.idempotency_key.in_(keys)))

    def resolve(self, held_id: int, resolution: str, ticket_id: int | None = None) -> None:
        table = tables.held_payment_events
        self.conn.execute(table.update().where(table.c.id == held_id).values(
            resolved_at=self.now(), resolution=resolution, ticket_id=ticket_id))

    def orphaned(self, payment_id: str) -> bool:
        """Whether ``payment_id`` was refunded as an orphan charge."""
        table = tables.held_payment_events
        return self.conn.execute(sa.select(table.c.id).where(
            table.c.payment_id == payment_id, table.c.resolution == "orphan_refunded")
            .limit(1)).first() is not None


class IdempotencyKeys:
    """Stored answers to requests sent with an ``Idempotency-Key``."""

    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    def get(self, owner: str, key: str) -> dict | None:
        table = tables.idempotency_keys
        row = self.conn.execute(sa.select(table).where(table.c.owner == owner,
                                                       table.c.key == key)).first()
        return dict(row._mapping) if row else None

    def reserve(self, owner: str, key: str, fingerprint: str) -> bool:
        """Claim the key for a request about to run; ``False`` if it is already claimed."""
        return insert_once(self.conn, tables.idempotency_keys, owner=owner, key=key,
                           fingerprint=fingerprint, created_at=self.now())

    def complete(self, owner: str, key: str, status_code: int, response: Any) -> None:
        table = tables.idempotency_keys
        self.conn.execute(table.update().where(table.c.owner == owner, table.c.key == key)
                          .values(status_code=status_code, response=response))

    def release(self, owner: str, key: str) -> None:
        table = tables.idempotency_keys
        self.conn.execute(table.delete().where(table.c.owner == owner, table.c.key == key,
                                               table.c.status_code.is_(None)))



class SupportTickets:
    """Cases escalated to staff (failed registrations and activations, payment risks), with
    their history; every change is also an audit entry (``ticket.<change>``)."""

    #: The audit action of each kind of change.
    ACTIONS = {ChangeKind.OPENED: "ticket.opened", ChangeKind.STATUS: "ticket.status_changed",
               ChangeKind.ASSIGNEE: "ticket.assigned", ChangeKind.COMMENT: "ticket.commented"}

    def __init__(self, conn: Connection, audit: AuditLog, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn
        self.audit = audit

    @staticmethod
    def _ticket(row) -> Ticket:
        return Ticket(
            id=row.id, kind=row.kind, status=TicketStatus(row.status), summary=row.summary,
            details=dict(row.details), order_id=row.order_id, service_id=row.service_id,
            vin=row.vin, customer_id=row.customer_id, assignee_id=row.assignee_id,
            created_at=aware(row.created_at), updated_at=aware(row.updated_at),
            resolved_at=aware(row.resolved_at), version=row.version)

    def open(self, kind: str, summary: str, details: dict, *, order_id: int | None = None,
             service_id: int | None = None, vin: str | None = None,
             customer_id: int | None = None) -> int:
        now = self.now()
        ticket = Ticket(kind=kind, summary=summary[:500], details=details, order_id=order_id,
                        service_id=service_id, vin=vin, customer_id=customer_id)
        ticket.id = self.conn.execute(tables.support_tickets.insert().values(
            kind=ticket.kind, status=ticket.status.value, summary=ticket.summary,
            details=details, order_id=order_id, service_id=service_id, vin=vin,
            customer_id=customer_id, created_at=now, updated_at=now,
            version=ticket.version)).inserted_primary_key[0]
        ticket.pending.append(Change(ChangeKind.OPENED, None, {
            "status": ticket.status.value, "kind": kind, "summary": ticket.summary}))
        self._record(ticket, now)
        return ticket.id

    def get(self, ticket_id: int) -> Ticket | None:
        row = self.conn.execute(sa.select(tables.support_tickets)
                                .where(tables.support_tickets.c.id == ticket_id)).first()
        return self._ticket(row) if row else None

    def save(self, ticket: Ticket) -> list[int]:
        """Write the ticket's pending changes; returns their ids in its history.

        A change of status or assignee is written only if nobody changed either since the
        ticket was read (else :class:`StaleTicket`); a comment alone needs no such care.
        """
        if not ticket.pending:
            return []
        table, now = tables.support_tickets, self.now()
        if ticket.state_changed:
            changed = self.conn.execute(
                table.update().where(table.c.id == ticket.id, table.c.version == ticket.version)
                .values(status=ticket.status.value, assignee_id=ticket.assignee_id,
                        resolved_at=ticket.resolved_at, updated_at=now,
                        version=ticket.version + 1)).rowcount
            if not changed:
                raise StaleTicket(ticket.id)
            ticket.version += 1
        else:
            self.conn.execute(table.update().where(table.c.id == ticket.id).values(updated_at=now))
        ticket.updated_at = now
        return self._record(ticket, now)

    def _record(self, ticket: Ticket, at: datetime) -> list[int]:
        """Append the pending changes to the history and the audit log; their history ids."""
        actor, ids = self.audit.actor, []
        for change in ticket.pending:  # one or two at a time
            ids.append(self.conn.execute(tables.ticket_events.insert().values(
                ticket_id=ticket.id, at=at, change=change.kind.value, before=change.before,
                after=change.after, actor_role=actor.role, actor_id=actor.id,
                actor_email=actor.email)).inserted_primary_key[0])
            self.audit.record(self.ACTIONS[change.kind], "ticket", ticket.id,
                              before=change.before, after=change.after)
        ticket.pending.clear()
        return ids

    def history(self, ticket_id: int) -> list[dict]:
        """Every change of the ticket, oldest first."""
        table = tables.ticket_events
        rows = self.conn.execute(sa.select(table).where(table.c.ticket_id == ticket_id)
                                 .order_by(table.c.id))
        return [{"id": row.id, "at": aware(row.at), "change": row.change, "before": row.before,
                 "after": row.after,
                 "actor": {"role": row.actor_role, "id": row.actor_id, "email": row.actor_email}}
                for row in rows]

    def page(self, offset: int, limit: int, *, status: str | None = None,
             kind: str | None = None, assignee_id: int | None = None,
             assigned: bool | None = None) -> tuple[list[Ticket], int]:
        """Newest first; ``assigned`` tells tickets with an assignee from those without."""
        table = tables.support_tickets
        query = sa.select(table)
        if status:
            query = query.where(table.c.status == status)
        if kind:
            query = query.where(table.c.kind == kind)
        if assignee_id is not None:
            query = query.where(table.c.assignee_id == assignee_id)
        if assigned is not None:
            query = query.where(table.c.assignee_id.is_not(None) if assigned
                                else table.c.assignee_id.is_(None))
        rows, total = page(self.conn, query, table.c.id.desc(), offset, limit)
        return [self._ticket(row) for row in rows], total

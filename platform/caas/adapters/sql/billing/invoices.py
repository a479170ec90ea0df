"""Invoices and credit notes with their lines and gapless numbers, read as :class:`Invoice`
entities."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from caas.adapters.sql import bulk, tables
from caas.adapters.sql.rows import page
from caas.clock import WALL, TenantClock
from caas.domain.billing import AlreadyBilled
from caas.domain.invoices import Invoice


def _invoice(row) -> Invoice:
    return Invoice(**row._mapping)


def _without(row, column: str) -> dict:
    return {key: value for key, value in row._mapping.items() if key != column}


class InvoiceRepository:
    def __init__(self, conn: Connection, clock: TenantClock = WALL):
        self.now = clock.now
        self.conn = conn

    # -- gapless numbers --

    def lock_series(self, series: str) -> int:
        """Lock the series' counter row until the transaction ends; returns its last number.

        Numbers are taken in the transaction that writes the invoices: a rollback
        gives them back, and a concurrent writer waits for the lock, so the
        sequence has no gaps and no duplicates.
        """
        table = tables.invoice_counters
        for _ in range(2):
            # An update takes the row lock on every backend (SQLite locks the database).
            locked = self.conn.execute(table.update().where(table.c.series == series)
                                       .values(last_number=table.c.last_number)).rowcount
            if locked:
                return self.conn.execute(sa.select(table.c.last_number)
                                         .where(table.c.series == series)).scalar_one()
            try:
                with self.conn.begin_nested():
                    self.conn.execute(table.insert().values(series=series, last_number=0))
            except sa.exc.IntegrityError:
                pass  # created by a concurrent transaction: lock it on the next turn
        raise RuntimeError(f"could not lock the invoice counter {series!r}")

    def take_numbers(self, series: str, count: int) -> range:
        """``count`` consecutive numbers of a series locked by :meth:`lock_series`."""
        table = tables.invoice_counters
        last = self.conn.execute(table.update().where(table.c.series == series)
                                 .values(last_number=table.c.last_number + count)
                                 .returning(table.c.last_number)).scalar_one()
        return range(last - count + 1, last + 1)

    def billing_details(self, customer_ids: list[int]) -> dict[int, dict]:
        """Name, language, email, tax id and address of each customer, for their invoices."""
        users, customers = tables.users, tables.customers
        rows = self.conn.execute(sa.select(
            users.c.id, users.c.name, users.c.email, users.c.locale, customers.c.tax_id,
            customers.c.address).outerjoin(customers, customers.c.user_id == users.c.id)
            .where(users.c.id.in_(customer_ids)))
        return {row.id: dict(row._mapping) for row in rows}

    # -- writing --

    def add_many(self, invoices: list[dict], lines: list[list[dict]]) -> list[int]:
        """Insert invoices and, for each, its lines; returns the invoice ids in order.

        :raises AlreadyBilled: a line of one of these subscriptions and months, or the
            invoice of one of these purchases, exists already.
        """
        if not invoices:
            return []
        now = self.now()
        for invoice in invoices:
            invoice.setdefault("created_at", now)
            invoice.setdefault("updated_at", now)
        try:
            ids = bulk.insert(self.conn, tables.invoices, invoices,
                              returning=tables.invoices.c.id)
            bulk.insert(self.conn, tables.invoice_lines, [
                dict(line, invoice_id=invoice_id)
                for invoice_id, invoice_lines in zip(ids, lines) for line in invoice_lines])
        except sa.exc.IntegrityError as exc:
            raise AlreadyBilled(str(exc.orig)) from exc
        return ids

    def set_outcome(self, invoice_id: int, status: str, *, payment_id: str | None = None,
                    error: str | None = None, expected: tuple[str, ...] = ("open", "unconfirmed")
                    ) -> bool:
        table = tables.invoices
        values: dict[str, Any] = {"status": status, "updated_at": self.now()}
        if payment_id is not None:
            values["payment_id"] = payment_id
        if error is not None:
            values["error"] = error[:500]
        return bool(self.conn.execute(table.update().where(
            table.c.id == invoice_id, table.c.status.in_(expected)).values(**values)).rowcount)

    def mark_paid(self, payments: dict[int, str | None]) -> list[int]:
        """Record the charges of many invoices (id → payment id) in two statements; returns the
        ids that were still waiting for their charge (the others were recorded meanwhile)."""
        if not payments:
            return []
        table = tables.invoices
        recorded = list(self.conn.execute(table.update().where(
            table.c.id.in_(list(payments)), table.c.status.in_(("open", "unconfirmed")))
            .values(status="paid", updated_at=self.now()).returning(table.c.id)).scalars())
        bulk.update_by_id(self.conn, table, "payment_id", {
            invoice_id: payments[invoice_id] for invoice_id in recorded if payments[invoice_id]})
        return recorded

    def take_receipts(self, invoice_ids: list[int]) -> list[Invoice]:
        """The paid invoices among these whose receipt is still to send, marked sent (in
        the caller's transaction), by id."""
        table = tables.invoices
        rows = self.conn.execute(table.update().where(
            table.c.id.in_(invoice_ids), table.c.status == "paid",
            table.c.receipt_sent_at.is_(None)).values(receipt_sent_at=self.now()).returning(
            *table.c))
        return sorted(map(_invoice, rows), key=lambda invoice: invoice.id)

    # -- reading --

    def many(self, invoice_ids: list[int]) -> list[Invoice]:
        rows = self.conn.execute(sa.select(tables.invoices).where(
            tables.invoices.c.id.in_(invoice_ids)).order_by(tables.invoices.c.id))
        return [_invoice(row) for row in rows]

    def by_payment(self, payment_id: str) -> Invoice | None:
        row = self.conn.execute(sa.select(tables.invoices)
                                .where(tables.invoices.c.payment_id == payment_id)).first()
        return _invoice(row) if row else None

    def get(self, invoice_id: int) -> Invoice | None:
        row = self.conn.execute(sa.select(tables.invoices)
                                .where(tables.invoices.c.id == invoice_id)).first()
        return _invoice(row) if row else None

    def by_service(self, service_id: int, kind: str = "invoice") -> Invoice | None:
        table = tables.invoices
        row = self.conn.execute(sa.select(table).where(table.c.service_id == service_id,
                                                       table.c.kind == kind)).first()
        return _invoice(row) if row else None

    def lines(self, invoice_ids: list[int]) -> dict[int, list[dict]]:
        result: dict[int, list[dict]] = {invoice_id: [] for invoice_id in invoice_ids}
        table = tables.invoice_lines
        for row in self.conn.execute(sa.select(table).where(table.c.invoice_id.in_(invoice_ids))
                                     .order_by(table.c.id)):
            result[row.invoice_id].append(dict(row._mapping))
        return result

    def page(self, offset: int, limit: int, customer_id: int | None
             ) -> tuple[list[Invoice], int]:
        query = sa.select(tables.invoices)
        if customer_id is not None:
            query = query.where(tables.invoices.c.customer_id == customer_id)
        rows, total = page(self.conn, query, tables.invoices.c.id.desc(), offset, limit)
        return [_invoice(row) for row in rows], total

    def search(self, offset: int, limit: int, *, text: str | None = None,
               status: str | None = None, kind: str | None = None
               ) -> tuple[list[tuple[Invoice, str | None]], int]:
        """Newest first, with each customer's email: those whose number, customer name or
        email contains ``text`` (in any case), in ``status``, of ``kind``."""
        invoices, users = tables.invoices, tables.users
        query = sa.select(invoices, users.c.email.label("customer_email")).outerjoin(
            users, users.c.id == invoices.c.customer_id)
        if text:
            query = query.where(sa.or_(*(column.icontains(text, autoescape=True) for column in (
                invoices.c.number, invoices.c.customer_name, users.c.email))))
        if status:
            query = query.where(invoices.c.status == status)
        if kind:
            query = query.where(invoices.c.kind == kind)
        rows, total = page(self.conn, query, invoices.c.id.desc(), offset, limit)
        return [(Invoice(**_without(row, "customer_email")), row.customer_email)
                for row in rows], total

    def in_status(self, statuses: tuple[str, ...], updated_before: datetime,
                  limit: int = 500) -> list[int]:
        table = tables.invoices
        return list(self.conn.execute(sa.select(table.c.id).where(
            table.c.status.in_(statuses), table.c.kind == "invoice",
            table.c.updated_at < updated_before).order_by(table.c.id).limit(limit)).scalars())

    def of_subscription(self, subscription_id: int, statuses: tuple[str, ...] = ("paid",)
                        ) -> list[Invoice]:
        """Invoices with a line of a subscription, in one of ``statuses``, oldest first."""
        lines, invoices = tables.invoice_lines, tables.invoices
        billed = sa.select(lines.c.invoice_id).where(lines.c.subscription_id == subscription_id)
        rows = self.conn.execute(sa.select(invoices).where(
            invoices.c.id.in_(billed), invoices.c.kind == "invoice",
            invoices.c.status.in_(statuses)).order_by(invoices.c.id))
        return [_invoice(row) for row in rows]

    def credit_note_of(self, invoice_id: int) -> Invoice | None:
        table = tables.invoices
        row = self.conn.execute(sa.select(table).where(
            table.c.credited_invoice_id == invoice_id, table.c.kind == "credit_note")
            .order_by(table.c.id).limit(1)).first()
        return _invoice(row) if row else None

    def run_outcomes(self, run_ids: list[int]) -> dict[int, list[dict]]:
        """Invoices each billing run created, amounts per currency and status, and how many
        of them carry an error (a charge whose answer was lost or refused first)."""
        table = tables.invoices
        result: dict[int, list[dict]] = {run_id: [] for run_id in run_ids}
        rows = self.conn.execute(sa.select(
            table.c.billing_run_id, table.c.currency, table.c.status, sa.func.count(),
            sa.func.sum(table.c.total_minor),
            sa.func.sum(sa.case((table.c.error.is_not(None), 1), else_=0)))
            .where(table.c.billing_run_id.in_(run_ids))
            .group_by(table.c.billing_run_id, table.c.currency, table.c.status))
        for run_id, currency, status, count, total, with_error in rows:
            result[run_id].append({"currency": currency, "status": status, "count": count,
                                   "total_minor": total, "with_error": with_error or 0})
        return result

    def failures(self, run_ids: list[int], limit: int = 100) -> dict[int, list[dict]]:
        """Each run's invoices whose charge was refused or is unconfirmed (its first
        ``limit``)."""
        table = tables.invoices
        result: dict[int, list[dict]] = {run_id: [] for run_id in run_ids}
        rows = self.conn.execute(sa.select(
            table.c.billing_run_id, table.c.id, table.c.number, table.c.customer_id,
            table.c.status, table.c.error).where(
            table.c.billing_run_id.in_(run_ids), table.c.status.in_(("failed", "unconfirmed")))
            .order_by(table.c.id))
        for row in rows:
            listed = result[row.billing_run_id]
            if len(listed) < limit:
                listed.append({key: value for key, value in row._mapping.items()
                               if key != "billing_run_id"})
        return result

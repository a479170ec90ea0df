"""In-memory twins of the repositories of money, escalations and usage: payment attempts,
received webhooks, payment reports held for later, support tickets, subscriptions and
invoices (as far as the use cases outside month-end billing read them), daily usage."""
from __future__ import annotations

import copy
from datetime import timedelta

from caas.service_layer.unit_of_work import AlreadyPaid, PaymentInProgress, StaleTicket
from caas.domain.invoices import Invoice
from caas.domain.money import Money
from caas.domain.tickets import Change, ChangeKind, Ticket, TicketStatus
from caas.domain.subscriptions import Subscription
from tests.support.fakes.repositories import Repository, page


class Payments(Repository):
    """Attempts to pay a part of an order; one unresolved attempt at a time per order and kind."""

    TABLE = "payments"
    UNRESOLVED = ("processing", "unknown")

    def _latest(self, order_id, kind):
        attempts = self.table.where(order_id=order_id, kind=kind)
        return attempts[-1] if attempts else None

    def start(self, order_id, kind, amount, key_prefix, card_token) -> dict:
        latest = self._latest(order_id, kind)
        if latest is not None and latest["status"] == "succeeded":
            raise AlreadyPaid(order_id)
        if latest is not None and latest["status"] in self.UNRESOLVED:
            raise PaymentInProgress(order_id)
        attempt = latest["attempt"] + 1 if latest else 1
        now = self.now()
        values = dict(order_id=order_id, kind=kind, attempt=attempt, status="processing",
                      amount_minor=amount.to_minor(), currency=amount.currency,
                      card_token=card_token, gateway_key=f"{key_prefix}:{kind}:{attempt}",
                      gateway_payment_id=None, settlement=None, error=None, created_at=now,
                      updated_at=now)
        values["id"] = self.table.insert(values)
        return dict(values)

    def _unresolved(self, row, stale_after_seconds) -> bool:
        return row["status"] == "unknown" or (
            row["status"] == "processing"
            and row["updated_at"] <= self.now() - timedelta(seconds=stale_after_seconds))

    def unresolved(self, order_id, kind, stale_after_seconds):
        latest = self._latest(order_id, kind)
        return dict(latest) if latest and self._unresolved(latest, stale_after_seconds) else None

    def all_unresolved(self, stale_after_seconds, limit=500):
        rows = [row for row in self.table.where() if self._unresolved(row, stale_after_seconds)]
        return [dict(row) for row in sorted(rows, key=lambda row: row["updated_at"])][:limit]

    def resume(self, attempt) -> bool:
        row = self.table.rows[attempt["id"]]
        if (row["status"], row["updated_at"]) != (attempt["status"], attempt["updated_at"]):
            return False
        row.update(status="processing", updated_at=self.now())
        return True

    def finish(self, payment_id, status, *, gateway_payment_id=None, settlement=None,
               error=None) -> bool:
        row = self.table.rows[payment_id]
        if row["status"] not in self.UNRESOLVED:
            return False
        row.update(status=status, gateway_payment_id=gateway_payment_id, settlement=settlement,
                   error=error[:500] if error else None, updated_at=self.now())
        return True

    def get(self, payment_id):
        row = self.table.rows.get(payment_id)
        return dict(row) if row else None

    def succeeded(self, order_id, kind):
        found = self.table.where(order_id=order_id, kind=kind, status="succeeded")
        return dict(found[0]) if found else None

    def by_gateway_id(self, gateway_payment_id):
        found = self.table.where(gateway_payment_id=gateway_payment_id)
        return dict(found[0]) if found else None

    def by_key(self, gateway_key):
        found = self.table.where(gateway_key=gateway_key)
        return dict(found[0]) if found else None

    def set_settlement(self, payment_id, settlement):
        self.table.rows[payment_id].update(settlement=settlement, updated_at=self.now())

    def of_orders(self, order_ids) -> dict[int, list[dict]]:
        return {order_id: [{"kind": row["kind"], "attempt": row["attempt"],
                            "status": row["status"],
                            "amount": Money.from_minor(row["amount_minor"], row["currency"]),
                            "settlement": row["settlement"], "at": row["updated_at"]}
                           for row in self.table.where(order_id=order_id)]
                for order_id in order_ids}


class Webhooks(Repository):
    """Received webhook events, each applied once."""

    TABLE = "webhook_events"

    def seen(self, system, event_id):
        row = self.table.rows.get((system, event_id))
        return dict(row) if row else None

    def record(self, system, event_id, payload, outcome) -> bool:
        if (system, event_id) in self.table.rows:
            return False
        self.table.insert({"system": system, "event_id": event_id, "payload": payload,
                           "outcome": outcome, "received_at": self.now()},
                          key=(system, event_id))
        return True


class HeldEvents(Repository):
    """Payment reports that arrived before the platform knew their payment."""

    TABLE = "held_payment_events"

    def unresolved(self):
        return [dict(row, id=key) for key, row in self.table.rows.items()
                if row.get("resolution") is None]

    def matching(self, payment_ids, keys):
        return [row for row in self.unresolved()
                if row.get("payment_id") in payment_ids or row.get("gateway_key") in keys]


class Tickets(Repository):
    """Support tickets and their history; each change also goes to the audit log."""

    TABLE = "support_tickets"
    ACTIONS = {ChangeKind.OPENED: "ticket.opened", ChangeKind.STATUS: "ticket.status_changed",
               ChangeKind.ASSIGNEE: "ticket.assigned", ChangeKind.COMMENT: "ticket.commented"}

    def open(self, kind, summary, details, *, order_id=None, service_id=None, vin=None,
             customer_id=None) -> int:
        now = self.now()
        ticket = Ticket(kind=kind, summary=summary[:500], details=details, order_id=order_id,
                        service_id=service_id, vin=vin, customer_id=customer_id,
                        created_at=now, updated_at=now)
        ticket.id = self.table.insert(None)
        ticket.pending.append(Change(ChangeKind.OPENED, None, {
            "status": ticket.status.value, "kind": kind, "summary": ticket.summary}))
        self._record(ticket)
        return ticket.id

    def get(self, ticket_id):
        return copy.deepcopy(self.table.rows.get(ticket_id))

    def unresolved(self):
        return sum(1 for ticket in self.table.rows.values()
                   if ticket.status is not TicketStatus.RESOLVED)

    def save(self, ticket: Ticket) -> list[int]:
        if not ticket.pending:
            return []
        stored = self.table.rows[ticket.id]
        if ticket.state_changed:
            if stored.version != ticket.version:
                raise StaleTicket(ticket.id)
            ticket.version += 1
        ticket.updated_at = self.now()
        return self._record(ticket)

    def _record(self, ticket: Ticket) -> list[int]:
        actor, ids, events = self.uow.audit.actor, [], self.uow.table("ticket_events")
        for change in ticket.pending:
            ids.append(events.insert({
                "ticket_id": ticket.id, "at": self.now(), "change": change.kind.value,
                "before": change.before, "after": change.after,
                "actor": {"role": actor.role, "id": actor.id, "email": actor.email}}))
            self.uow.audit.record(self.ACTIONS[change.kind], "ticket", ticket.id,
                                  before=change.before, after=change.after)
        ticket.pending.clear()
        self.table.rows[ticket.id] = copy.deepcopy(ticket)
        return ids

    def history(self, ticket_id):
        return [dict(row, id=key) for key, row in self.uow.table("ticket_events").rows.items()
                if row["ticket_id"] == ticket_id]

    def page(self, offset, limit, *, status=None, kind=None, assignee_id=None, assigned=None):
        tickets = [copy.deepcopy(ticket) for ticket in reversed(self.table.where())
                   if (not status or ticket.status.value == status)
                   and (not kind or ticket.kind == kind)
                   and (assignee_id is None or ticket.assignee_id == assignee_id)
                   and (assigned is None or (ticket.assignee_id is not None) == assigned)]
        return page(tickets, offset, limit)


class Subscriptions(Repository):
    """Monthly services being billed, by service: :class:`Subscription` entities, like the
    SQL repository's."""

    TABLE = "subscriptions"

    def add(self, *, started_at, trial_ends_at=None, usage_price_minor=None,
            usage_included=None, **values) -> int | None:
        if self.table.where(service_id=values["service_id"]):
            return None  # one subscription per service, as the unique index has it
        subscription_id = self.table.insert(None)
        now = self.uow.now()
        self.table.rows[subscription_id] = dict(
            values, id=subscription_id, status="active", started_at=started_at,
            trial_ends_at=trial_ends_at, usage_price_minor=usage_price_minor,
            usage_included=usage_included, created_at=now, updated_at=now)
        return subscription_id

    def by_service(self, service_id) -> Subscription | None:
        found = self.table.where(service_id=service_id)
        return Subscription(**found[0]) if found else None

    def end(self, subscription_ids, at, reason) -> list[int]:
        ended = []
        for subscription_id in subscription_ids:
            row = self.table.rows[subscription_id]
            if row["status"] != "ended":
                row.update(status="ended", ended_at=at, end_reason=reason)
                ended.append(row["service_id"])
        return ended

    def to_move(self, option, *, price_minor, usage_price_minor=None, usage_included=None):
        moving = (price_minor, usage_price_minor, usage_included)
        return [{"id": row["id"], "customer_id": row["customer_id"]}
                for row in self.table.where(option=option, status="active")
                if moving not in ((row["price_minor"], row["usage_price_minor"],
                                   row["usage_included"]),
                                  (row.get("next_price_minor"), row.get("next_usage_price_minor"),
                                   row.get("next_usage_included")))]

    def set_cancel_at(self, subscription_id, at) -> bool:
        row = self.table.rows[subscription_id]
        if row["status"] != "active":
            return False
        row.update(status="cancelling", cancel_at=at)
        return True


class Invoices(Repository):
    """Invoices, as far as a service's withdrawal reads them (month-end billing is not faked)."""

    TABLE = "invoices"

    def by_service(self, service_id):
        found = self.table.where(service_id=service_id)
        return dict(found[0]) if found else None

    def lock_series(self, series) -> None:
        """Serialises numbering between transactions; one process in memory has no rival."""

    def lines(self, invoice_ids) -> dict[int, list[dict]]:
        lines = self.uow.table("invoice_lines").rows.values()
        return {invoice_id: [dict(line) for line in lines if line["invoice_id"] == invoice_id]
                for invoice_id in invoice_ids}

    def of_subscription(self, subscription_id, statuses):
        return [dict(row) for row in self.table.where(subscription_id=subscription_id)
                if row["status"] in statuses]

    def search(self, offset, limit, *, text=None, status=None, kind=None):
        """Newest first, with each customer's email; ``text`` in the number, customer name
        or email, in any case."""
        emails = {user.id: user.email for user in self.uow.table("users").rows.values()}

        def matches(row) -> bool:
            email = emails.get(row["customer_id"]) or ""
            return ((not text or any(text.lower() in value.lower() for value in (
                row["number"], row["customer_name"], email)))
                and (not status or row["status"] == status)
                and (not kind or row["kind"] == kind))
        found = [row for row in sorted(self.table.where(), key=lambda row: -row["id"])
                 if matches(row)]
        return [(Invoice(**row), emails.get(row["customer_id"]))
                for row in found[offset:offset + limit]], len(found)


class Usage(Repository):
    """Daily usage readings per vehicle and metric; a day's second reading replaces the first."""

    TABLE = "daily_usage"

    def get(self, vin, metric, day):
        row = self.table.rows.get((vin, metric, day))
        return dict(row) if row else None

    def put(self, *, vin, metric, day, quantity, starts_at, ends_at, event_id) -> None:
        row = self.table.rows.setdefault((vin, metric, day), {
            "vin": vin, "metric": metric, "day": day, "starts_at": starts_at,
            "ends_at": ends_at, "created_at": self.now()})
        row.update(quantity=quantity, event_id=event_id, updated_at=self.now())

    def invoiced(self, vin, options, period) -> bool:
        """Whether a subscription of ``vin`` to one of ``options`` was billed for ``period``."""
        subscriptions = self.uow.table("subscriptions").rows
        return any(line["period"] == period and line["kind"] in ("subscription", "usage")
                   and subscriptions.get(line["subscription_id"], {}).get("vin") == vin
                   and subscriptions[line["subscription_id"]]["option"] in options
                   for line in self.uow.table("invoice_lines").rows.values())

    def of_vehicle(self, vin, first, last) -> list[dict]:
        rows = [row for row in self.table.rows.values()
                if row["vin"] == vin and first <= row["day"] <= last]
        return [{"metric": row["metric"], "day": row["day"], "quantity": row["quantity"]}
                for row in sorted(rows, key=lambda row: (row["metric"], row["day"]))]

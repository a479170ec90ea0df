"""An invoice or a credit note, as issued: numbered without gaps, with the customer's
details of that day and its amounts in minor units (the total VAT included)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from caas.domain.money import Money


@dataclass
class Invoice:
    """``kind`` is ``invoice`` or ``credit_note`` (whose amounts are negative); ``status`` goes
    open → paid, unconfirmed, failed or credited (credit notes: credited, refunding, refunded)."""

    id: int
    number: str
    kind: str
    customer_id: int
    currency: str
    net_minor: int
    vat_minor: int
    total_minor: int
    customer_name: str
    customer_tax_id: str
    customer_address: dict
    locale: str
    issue_date: date
    due_date: date
    status: str
    created_at: datetime
    updated_at: datetime
    period: str | None = None  # the month billed, for month-end invoices
    service_id: int | None = None  # a one-time purchase, or what a credit note pays back
    credited_invoice_id: int | None = None
    billing_run_id: int | None = None
    card_token: str | None = None
    payment_id: str | None = None
    error: str | None = None
    receipt_sent_at: datetime | None = None

    @property
    def net(self) -> Money:
        return Money.from_minor(self.net_minor, self.currency)

    @property
    def vat(self) -> Money:
        return Money.from_minor(self.vat_minor, self.currency)

    @property
    def total(self) -> Money:
        return Money.from_minor(self.total_minor, self.currency)

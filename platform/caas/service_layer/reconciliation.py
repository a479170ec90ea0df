"""The payment janitor: every money movement whose outcome is not known yet, settled.

One pass over a tenant asks the gateway, by each request's idempotency key, about
every payment attempt whose answer was lost (:mod:`~caas.service_layer.payments`),
every purchase whose authorization went unanswered and every hold nothing will
capture (:mod:`~caas.service_layer.service_purchase`), every month-end charge left
unconfirmed (:mod:`~caas.service_layer.billing.charging`), and the gateway's news held for
payments nobody knew (:mod:`~caas.service_layer.settlements`). Passes run on a
schedule (``caas payments reconcile``; the embedded default's relay loop), and an
order's or a purchase's own retry reconciles it first.
"""
from __future__ import annotations

from caas.service_layer import payments, service_purchase, settlements
from caas.service_layer.billing import charging
from caas.service_layer.context import TenantContext


def reconcile(ctx: TenantContext) -> dict[str, int]:
    """One pass over the tenant; how many of each kind were looked at."""
    # Attempts first: once resolved, they claim the news held for them.
    return {"order_payments": payments.reconcile(ctx),
            "purchases": service_purchase.reconcile(ctx),
            "invoices": charging.reconcile(ctx),
            "held_news": settlements.release_held(ctx)}

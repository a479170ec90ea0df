"""Plugins hear of each invoice and credit note issued (the ``invoice_issued`` event hook)."""
from __future__ import annotations

from collections.abc import Sequence


def announce_issued(uow, tenant_slug: str, invoice_ids: Sequence[int],
                    numbers: Sequence[str]) -> None:
    """Queue ``invoice_issued`` once per invoice written in ``uow``'s transaction.

    Like every event hook it runs after the commit, and not at all if the
    transaction rolls back (a billing batch that conflicts is written again).
    """
    for invoice_id, number in zip(invoice_ids, numbers, strict=True):
        uow.events.publish("invoice_issued", tenant=tenant_slug, invoice_id=invoice_id,
                           number=number)

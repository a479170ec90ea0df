"""The tenant's audit log: who changed what, when, with the state before and after."""
from __future__ import annotations

from caas.service_layer.context import TenantContext


def page(ctx: TenantContext, offset: int, limit: int, filters: dict) -> tuple[list[dict], int]:
    """One page of entries, newest first, and how many match ``filters`` in all."""
    with ctx.reader() as uow:
        return uow.audit.page(offset, limit, filters)

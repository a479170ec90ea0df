"""The customer's legal right of withdrawal ("desistimiento") from a service."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from caas.domain import services as rules
from caas.domain.services import ServiceStatus
from caas.i18n import CountryName, DateText, LazyText, lazy_gettext
from caas.service_layer.billing.credit_notes import credit_withdrawal
from caas.service_layer.deactivation import DEACTIVATE
from caas.service_layer.notifications import service_notice
from caas.service_layer.service_payments import PAY
from caas.service_layer.service_views import service_views
from caas.service_layer.errors import Conflict, NotFound
from caas.service_layer.context import TenantContext


def refusal(reason: str, *, country: str, days: int, last_day) -> LazyText:
    """Why the withdrawal is refused, to be read in the customer's language.

    :param country: the tenant's country code (its name is written in that language).
    """
    values = {"country": CountryName(country), "days": days, "date": DateText(last_day)}
    return {
        rules.NO_RIGHT: lazy_gettext("The law of %(country)s grants no right of withdrawal "
                                     "for this service.", **values),
        rules.NOT_QUALIFYING: lazy_gettext("This service lasts %(days)s days or less and "
                                           "carries no right of withdrawal.", **values),
        rules.WINDOW_OVER: lazy_gettext("The %(days)s-day withdrawal period ended on "
                                        "%(date)s.", **values),
        rules.NOT_ACTIVE: lazy_gettext("Only an active service can be withdrawn from.",
                                       **values),
    }[reason]


def _own_service(uow, customer_id: int, service_id: int):
    service = uow.services.get(service_id)
    if service is None or service.customer_id != customer_id:
        raise NotFound(lazy_gettext("Service %(id)s not found.", id=service_id))
    return service


def _terms(ctx: TenantContext, uow, service) -> dict:
    """The country's rule for ``service`` today, and what would be refunded.

    :raises Conflict: refused, with ``reason`` and a message in the customer's language.
    """
    country = ctx.country
    today = uow.clock.today(ctx.tenant.timezone)
    option = ctx.plugins.catalog_options[service.option]
    bought_on = service.created_at.astimezone(ZoneInfo(ctx.tenant.timezone)).date()
    policy = country.withdrawal
    last_day = bought_on + timedelta(days=policy.days)
    reason = rules.withdrawal_refusal(policy, service.status, option.duration_days,
                                      bought_on, today)
    if reason:
        message = refusal(reason, country=country.code, days=policy.days
                          or option.duration_days or 0, last_day=last_day)
        raise Conflict(message, reason=reason)
    # A capture still on its way counts: the refund job waits for it at the gateway.
    paid = service.price if service.payment_status in ("capturing", "captured") else None
    refund = None if paid is None else rules.withdrawal_refund(
        policy, paid, option.duration_days, (today - bought_on).days)
    return {"days": policy.days, "last_day": last_day, "paid": paid, "refund": refund,
            "refund_rule": policy.refund_rule, "legal_reference": policy.legal_reference}


def terms(ctx: TenantContext, customer_id: int, service_id: int) -> dict:
    """What a withdrawal from the customer's service would do, before it is asked for: the
    window (``days``, ``last_day``), what was ``paid`` and the ``refund`` (``None``: nothing
    was paid by card; a subscription's paid invoices are credited instead).

    :raises NotFound: not the customer's service. :raises Conflict: as :func:`withdraw`.
    """
    with ctx.uow() as uow:
        return _terms(ctx, uow, _own_service(uow, customer_id, service_id))


def withdraw(ctx: TenantContext, customer_id: int, service_id: int):
    """Grant the withdrawal under the country's policy: deactivate over the air and refund.

    :raises Conflict: refused, with ``reason`` and a message in the customer's language.
    """
    with ctx.uow() as uow:
        service = _own_service(uow, customer_id, service_id)
        granted = _terms(ctx, uow, service)
        policy, refund = ctx.country.withdrawal, granted["refund"]
        service.move_to(ServiceStatus.WITHDRAWN, f"withdrawal under {policy.legal_reference}")
        service.ended_at = uow.now()
        uow.outbox.add(DEACTIVATE, {"service_id": service_id})
        if refund is not None and refund.amount > 0:
            service.owe_back(refund)
            uow.outbox.add(PAY, {"service_id": service_id, "action": "refund",
                                 "amount_minor": refund.to_minor()})
        credited = credit_withdrawal(ctx, uow, service, refund)
        if credited is not None:
            service.owe_back(credited)
        uow.services.save(service)
        service_notice(ctx, uow, service, "service_withdrawn")
        uow.audit.record("service.withdrawn", "service", service_id,
                         before={"status": ServiceStatus.ACTIVE.value},
                         after={"status": service.status.value, "option": service.option,
                                "vin": service.vin, "refund": service.refund() and {
                                    "status": "pending",
                                    "amount": service.refund_due.to_dict()}})
        # The answer is what this transaction commits: the refund is on its way, not done.
        [view] = service_views(uow, [service])
        uow.commit()
    return view

"""Subscriptions: started when the vehicle confirms a monthly service, cancelled at a month
end (or with the free trial), reminded before a trial ends, and ended when due."""
from __future__ import annotations

from datetime import timedelta

from caas.domain import billing as rules
from caas.domain.billing import Period
from caas.domain.money import Money
from caas.domain.services import Service
from caas.i18n import lazy_gettext
from caas.service_layer import catalog
from caas.service_layer.billing.notices import option_label, tell, tell_each
from caas.service_layer.billing.views import subscription_view
from caas.service_layer.context import TenantContext
from caas.service_layer.deactivation import end_services
from caas.service_layer.errors import Conflict, NotFound



def subscribe(ctx: TenantContext, uow, service: Service) -> None:
    """Start billing a monthly service the vehicle just confirmed (in that transaction)."""
    if service.billing != "monthly":
        return
    started = uow.now()
    setting = uow.catalog_settings.get(service.option) or {}
    trial_days = catalog.trial_days(ctx.plugins.option(service.option), setting)
    usage_price = setting.get("usage_price")
    uow.subscriptions.add(service_id=service.id, customer_id=service.customer_id,
                          vin=service.vin, option=service.option,
                          price_minor=service.price.to_minor(), currency=service.price.currency,
                          card_token=service.card_token, started_at=started,
                          trial_ends_at=started + timedelta(days=trial_days) if trial_days
                          else None, usage_price_minor=usage_price and usage_price.to_minor(),
                          usage_included=setting.get("usage_included"))


def remind_trials(ctx: TenantContext) -> int:
    """Tell customers whose free trial ends within ``CAAS_TRIAL_REMINDER_DAYS`` that it turns
    into a paid subscription unless they cancel; each is told once."""
    days = ctx.settings["CAAS_TRIAL_REMINDER_DAYS"]
    with ctx.uow() as uow:
        now = uow.now()
        due = uow.subscriptions.trials_to_remind(now + timedelta(days=days))
        details = uow.invoices.billing_details(sorted({row["customer_id"] for row in due}))
        tell_each(uow, ctx.tenant, "trial_ending", [(row["customer_id"], {
            "options": [option_label(ctx, row["option"],
                                     details[row["customer_id"]]["locale"])],
            "amount": Money.from_minor(row["price_minor"], row["currency"]).to_dict(),
            "date": rules.local_day(row["trial_ends_at"], ctx.tenant.timezone).isoformat()})
            for row in due])
        uow.commit()
    return len(due)


def cancel(ctx: TenantContext, customer_id: int, service_id: int) -> dict:
    """End a subscription at the end of the current month; that month is still billed.

    :raises NotFound: not the customer's service. :raises Conflict: not a running subscription.
    """
    with ctx.uow() as uow:
        service = uow.services.get(service_id)
        if service is None or service.customer_id != customer_id:
            raise NotFound(lazy_gettext("Service %(id)s not found.", id=service_id))
        subscription = uow.subscriptions.by_service(service_id)
        if subscription is None:
            raise Conflict(lazy_gettext("Only a monthly subscription can be cancelled; this "
                                        "service is not one."), reason="not_a_subscription")
        if subscription.status != "active":
            raise Conflict(lazy_gettext("This subscription is already cancelled."),
                           reason="already_cancelled")
        now = uow.now()
        period = Period.of(rules.local_day(now, ctx.tenant.timezone))
        ends, event = period.bounds(ctx.tenant.timezone)[1], "subscription_cancelled"
        if subscription.trial_ends_at and now < subscription.trial_ends_at < ends:
            # Cancelled during the free trial: it ends with the trial, nothing due.
            ends, event = subscription.trial_ends_at, "trial_cancelled"
        uow.subscriptions.set_cancel_at(subscription.id, ends)
        service.pending.append((service.status, service.status,
                                f"subscription cancelled; ends at the end of {period}"))
        uow.services.save(service)
        customer = uow.invoices.billing_details([customer_id])[customer_id]
        tell(uow, ctx.tenant, customer_id, event,
              options=[option_label(ctx, service.option, customer["locale"])],
              date=rules.last_local_day(ends, ctx.tenant.timezone).isoformat())
        uow.audit.record("subscription.cancelled", "service", service_id,
                         after={"ends_at": ends.isoformat()})
        uow.commit()
    return subscription_view(ctx, service_id)


def end_due(ctx: TenantContext) -> int:
    """End the cancelled subscriptions whose month end has come; returns how many."""
    with ctx.uow() as uow:
        now = uow.now()
        due = uow.subscriptions.due_to_end(now)
        service_ids = []
        for subscription in map(uow.subscriptions.by_id, due):
            service_ids += uow.subscriptions.end([subscription.id], subscription.cancel_at,
                                                 "cancelled")
        end_services(ctx, uow, service_ids, "subscription ended at the month end")
        uow.commit()
    return len(service_ids)

"""The customer's services: the list, one service's live status, cancelling a subscription
at month end, and the right of withdrawal (its rule and refund shown before it is used)."""
from __future__ import annotations

from flask import g, redirect, request, url_for

from caas.domain.services import ServiceStatus
from caas.entrypoints.web import navigation, rendering
from caas.entrypoints.web.customer.service_forms import PlainForm, WithdrawalForm, refusal
from caas.entrypoints.web.once import once
from caas.entrypoints.web.pages import CUSTOMER, blp, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import service_views, withdrawal
from caas.service_layer.billing import subscriptions
from caas.service_layer.billing import views as billing_views
from caas.service_layer.errors import ServiceError

#: Rows the list shows.
LISTED = 50
#: While the purchase goes on, the page follows it.
IN_PROGRESS = (ServiceStatus.PAYING, ServiceStatus.ACTIVATING)
#: What went wrong, said plainly: in each case nothing was charged.
FAILURES = {
    ServiceStatus.PAYMENT_FAILED: lazy_gettext("The payment was not authorized, so the option "
                                               "was not activated. Nothing was charged."),
    ServiceStatus.FAILED: lazy_gettext("The vehicle could not activate the option. Nothing "
                                       "was charged: the amount held on your card is "
                                       "released."),
    ServiceStatus.CANCELLED: lazy_gettext("The payment failed before the activation finished, "
                                          "so the option was switched off. Nothing was "
                                          "charged."),
}

navigation.link("web.services", lazy_gettext("My services"), *CUSTOMER, position=20)


@blp.get("/services")
@signed_in(*CUSTOMER)
def services():
    listed, total = service_views.customer_services(
        tenant_ctx(), g.web_actor.id, 0, LISTED, g.web_locale, vin=request.args.get("vin"))
    return rendering.page("customer/services.html", services=listed, total=total,
                          vin=request.args.get("vin"))


@blp.get("/services/<int:service_id>")
@signed_in(*CUSTOMER)
def service(service_id: int):
    return rendering.page("customer/service.html", **_state(service_id))


@blp.get("/services/<int:service_id>/status")
@signed_in(*CUSTOMER)
def service_status(service_id: int):
    """The service page's live part, which htmx polls while the purchase goes on."""
    state = _state(service_id)
    return rendering.live_fragment("service_state.html", state["service"]["status"], **state)


@blp.post("/services/<int:service_id>/cancel")
@signed_in(*CUSTOMER)
def cancel_subscription(service_id: int):
    """End the subscription at the end of this month (that month is still billed)."""
    if PlainForm().validate_on_submit():
        try:
            subscriptions.cancel(tenant_ctx(), g.web_actor.id, service_id)
        except ServiceError as error:
            problem, status = refusal(None, error)
            return rendering.page("customer/service.html", status, problem=problem,
                                  **_state(service_id))
    return redirect(url_for(".service", service_id=service_id), 303)


@blp.route("/services/<int:service_id>/withdraw", methods=["GET", "POST"])
@signed_in(*CUSTOMER)
@once
def withdraw(service_id: int):
    """The country's rule and the refund (or why there is no right), then the withdrawal."""
    ctx, form = tenant_ctx(), WithdrawalForm()
    service = service_views.named_service_view(ctx, service_id, g.web_actor.id, g.web_locale)
    try:
        if form.validate_on_submit():
            withdrawal.withdraw(ctx, g.web_actor.id, service_id)
            return redirect(url_for(".service", service_id=service_id), 303)
        terms = withdrawal.terms(ctx, g.web_actor.id, service_id)
    except ServiceError as error:
        problem, status = refusal(form, error)
        return rendering.page("customer/withdraw.html", status, service=service, terms=None,
                              problem=problem, form=form)
    return rendering.page("customer/withdraw.html", 422 if form.is_submitted() else 200,
                          service=service, terms=terms, form=form)


def _state(service_id: int) -> dict:
    """The service (another customer's is not found), its subscription, credit note, and
    what may be done with it now."""
    ctx = tenant_ctx()
    service = service_views.named_service_view(ctx, service_id, g.web_actor.id, g.web_locale)
    status = ServiceStatus(service["status"])
    subscription = billing_views.subscription_view(ctx, service_id)
    return {"service": service, "subscription": subscription,
            "credit_note": billing_views.service_credit_note(ctx, service_id, g.web_actor.id),
            "live": status in IN_PROGRESS, "failure": FAILURES.get(status),
            "may_withdraw": status is ServiceStatus.ACTIVE,
            "may_cancel": bool(subscription and subscription["status"] == "active"
                               and not subscription["cancel_at"]),
            "cancel_form": PlainForm(formdata=None)}

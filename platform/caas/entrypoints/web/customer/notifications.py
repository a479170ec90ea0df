"""The customer's notifications, newest first, and their channel preferences and quiet hours."""
from __future__ import annotations

from flask import g, redirect, request, url_for

from caas.entrypoints.web import navigation, rendering
from caas.entrypoints.web.customer import record_labels, records
from caas.entrypoints.web.customer.notification_forms import PreferencesForm
from caas.entrypoints.web.pages import CUSTOMER, blp, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import notifications as notifications_
from caas.service_layer.errors import ServiceError

navigation.link("web.notifications", lazy_gettext("My notifications"), *CUSTOMER, position=70)
navigation.link("web.preferences", lazy_gettext("Notification settings"), *CUSTOMER,
                position=75)


@blp.get("/notifications")
@signed_in(*CUSTOMER)
def notifications():
    found, paging = records.read_page(lambda offset, limit: notifications_.notification_page(
        tenant_ctx(), offset, limit, recipient_id=g.web_actor.id))
    return rendering.page("customer/notifications.html", notifications=found, paging=paging,
                          labels=record_labels)


@blp.route("/notifications/preferences", methods=["GET", "POST"])
@signed_in(*CUSTOMER)
def preferences():
    current = notifications_.preferences(tenant_ctx(), g.web_actor.id)
    form, problem, status = PreferencesForm(data=_form_data(current)), None, 200
    if form.validate_on_submit():
        try:
            notifications_.set_preferences(tenant_ctx(), g.web_actor.id, form.channels(),
                                           form.quiet_hours())
        except ServiceError as error:
            problem, status = error.message, error.status
            # The use case names the quiet hours as a whole: said beside their start.
            for name, messages in (error.errors or {}).items():
                target = form.quiet_start if name == "quiet_hours" else form._fields.get(name)
                if target is not None:
                    target.errors = list(target.errors) + list(messages)
        else:
            return redirect(url_for(".preferences", saved=1), 303)
    elif form.is_submitted():
        problem, status = lazy_gettext("Check the quiet hours: what is wrong is said beside "
                                       "them."), 422
    return rendering.page("customer/preferences.html", status, form=form, problem=problem,
                          saved=bool(request.args.get("saved")), labels=record_labels)


def _form_data(current: dict) -> dict:
    quiet = current["quiet_hours"] or {}
    return {"push": current["push"], "sms": current["sms"],
            "vehicle_display": current["vehicle_display"],
            "quiet_start": quiet.get("start"), "quiet_end": quiet.get("end")}

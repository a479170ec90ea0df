"""The admin console's billing: a month-end run started (or run again) for a month and
followed live, with its results and its failed charges, through the same use cases as the
API (:mod:`service_layer.billing.runs`, :mod:`service_layer.billing.views`)."""
from __future__ import annotations

from flask import redirect, request, url_for

from caas.domain.billing import Period
from caas.entrypoints.web import navigation, rendering
from caas.entrypoints.web.admin import billing_labels
from caas.entrypoints.web.admin.billing_forms import RunForm
from caas.entrypoints.web.once import once
from caas.entrypoints.web.pages import ADMIN, blp, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer.billing import runs, views
from caas.service_layer.errors import ServiceError

navigation.link("web.admin_billing", lazy_gettext("Billing"), *ADMIN, position=140,
                section="admin")

RUN = "/admin/billing/runs/<int(max=2147483647):run_id>"
#: The latest runs the billing page lists.
RECENT = 10


@blp.get("/admin/billing")
@signed_in(*ADMIN)
def admin_billing():
    """The form to bill a month (the last one closed by the tenant's clock, to start with),
    and the latest runs."""
    last_closed = runs.last_closed_period(tenant_ctx())
    return _billing_page(RunForm(formdata=None, period=str(last_closed)))


@blp.post("/admin/billing/runs")
@signed_in(*ADMIN)
@once
def admin_billing_start():
    form = RunForm()
    if not form.validate_on_submit():
        return _billing_page(form, status=422)
    try:
        started = runs.start_run(tenant_ctx(), Period.parse(form.period.data), trigger="web")
    except ServiceError as error:
        # The month is what was refused (not over yet, being billed): said beside it too.
        form.period.errors = list((error.errors or {}).get("period") or [error.message])
        return _billing_page(form, error.message, error.status)
    return redirect(url_for(".admin_billing_run", run_id=started["id"], started=1), 303)


def _billing_page(form: RunForm, problem=None, status: int = 200):
    latest, total = views.runs(tenant_ctx(), 0, RECENT)
    return rendering.page("admin/billing.html", status, form=form, problem=problem,
                          runs=latest, more_runs=total > len(latest), labels=billing_labels)


@blp.get(RUN)
@signed_in(*ADMIN)
def admin_billing_run(run_id: int):
    return rendering.page("admin/billing_run.html", started=bool(request.args.get("started")),
                          **_run_state(run_id))


@blp.get(f"{RUN}/progress")
@signed_in(*ADMIN)
def admin_billing_run_progress(run_id: int):
    """The run page's live part, which htmx polls while the run goes on."""
    state = _run_state(run_id)
    return rendering.live_fragment("billing_run_progress.html", state["drawn"], **state)


def _run_state(run_id: int) -> dict:
    """The run (404 if unknown), its failed charges with their customers, and whether it
    still goes on; ``drawn`` names what the page shows, so an unchanged poll is a 204."""
    ctx = tenant_ctx()
    run = views.run_view(ctx, run_id)
    outcome = ",".join(f"{status}{count}" for status, count in sorted(run["by_status"].items()))
    return {"run": run, "failed": views.failed_charges(ctx, run_id),
            "live": run["status"] == "running", "labels": billing_labels,
            "drawn": f"{run['status']}-{run['batches_done']}-{outcome}-{run['reconciled']}"}

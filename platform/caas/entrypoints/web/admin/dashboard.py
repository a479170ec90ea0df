"""The admin console's dashboard: orders, activations, recurring revenue and charges over the
last months, as charts drawn on the server (:mod:`~caas.entrypoints.web.charts`), each with
its numbers in a table. Admins land here after signing in."""
from __future__ import annotations

from babel import dates
from flask import request

from caas.domain.orders import Status
from caas.entrypoints.web import charts, labels, navigation, rendering
from caas.entrypoints.web.pages import ADMIN, blp, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import dashboard as figures
from caas.service_layer.errors import Invalid

navigation.link("web.admin_dashboard", lazy_gettext("Dashboard"), *ADMIN, position=1,
                section="admin")

DEFAULT_MONTHS = 6
#: Why activations failed, as an admin reads it (keys of ``activation.FAILURE_REASONS``).
REASONS = {
    "refused": lazy_gettext("The vehicle platform refused the command"),
    "timed_out": lazy_gettext("The vehicle did not answer in time"),
    "vehicle_failed": lazy_gettext("The vehicle reported a failure"),
    "unavailable": lazy_gettext("The vehicle platform was unavailable"),
    "no_attempts_left": lazy_gettext("No attempts left"),
    figures.OTHER_REASON: lazy_gettext("Other"),
}


@blp.get("/admin")
@signed_in(*ADMIN)
def admin_dashboard():
    chosen = request.args.get("months", str(DEFAULT_MONTHS))
    try:
        found = figures.dashboard(tenant_ctx(), int(chosen) if chosen.isdigit() else 0)
        problem = None
    except Invalid as error:  # a range not offered: said beside the choice, the default shown
        found, problem = figures.dashboard(tenant_ctx(), DEFAULT_MONTHS), error
    return rendering.page(
        "admin/dashboard.html", 422 if problem else 200, figures=found, ranges=figures.RANGES,
        problem=problem, charts=_charts(found), bucket_label=bucket_label, reasons=REASONS,
        titles={key: title for key, (title, _) in TEXTS.items()})


def _month_lines(period) -> tuple[str, str]:
    # Two short lines fit a column however long the language's month names are.
    locale = rendering.formatting()
    return (dates.format_date(period.first_day, "LLL", locale=locale),
            dates.format_date(period.first_day, "y", locale=locale))


def bucket_label(bucket) -> str:
    """``1 week to under 1 month``: its bounds in whole units (a week, not 7 days)."""
    low, high = rendering.duration(bucket.low, 1), rendering.duration(bucket.high, 1)
    if not bucket.low:
        return rendering.localized(lazy_gettext("under %(time)s", time=high))
    if bucket.high is None:
        return rendering.localized(lazy_gettext("%(time)s or more", time=low))
    return rendering.localized(lazy_gettext("%(low)s to under %(high)s", low=low, high=high))


#: Each chart's title (also its table's caption) and its description for screen readers.
TEXTS = {
    "orders": (lazy_gettext("Orders by status"),
               lazy_gettext("Orders placed in the range, by their status now.")),
    "delivery": (lazy_gettext("Time from reservation to delivery"),
                 lazy_gettext("How many orders delivered in the range took how long.")),
    "activations": (lazy_gettext("Activations"),
                    lazy_gettext("Activations per month: succeeded, then failed.")),
    "activation_times": (lazy_gettext("Time to activate"),
                         lazy_gettext("How many activations took how long.")),
    "failures": (lazy_gettext("Failed activations by reason"),
                 lazy_gettext("Why activations failed.")),
    "mrr": (lazy_gettext("Monthly recurring revenue"),
            lazy_gettext("Monthly recurring revenue at each month's end.")),
    "charges": (lazy_gettext("Failed and unconfirmed charges"),
                lazy_gettext("Charges per month: failed, then unconfirmed.")),
}
SEE_TABLE = lazy_gettext("The numbers are in the table below the chart.")
SERIES = {"activations": (lazy_gettext("Succeeded"), lazy_gettext("Failed")),
          "charges": (lazy_gettext("Failed charges"), lazy_gettext("Unconfirmed charges"))}


def _texts(key: str) -> tuple[str, str, str]:
    """The chart's id, title and description, in the page's language."""
    title, description = TEXTS[key]
    return (f"{key.replace('_', '-')}-chart", rendering.localized(title),
            f"{rendering.localized(description)} {rendering.localized(SEE_TABLE)}")


def _series(key: str) -> tuple[str, ...]:
    return tuple(rendering.localized(name) for name in SERIES[key])


def _bars(pairs) -> list[charts.Bar]:
    """Bars of (label, count)."""
    return [charts.Bar(label, count, rendering.number(count)) for label, count in pairs]


def _charts(found) -> dict:
    """The dashboard's charts, their texts in the page's language."""
    def columns(pairs):
        return [charts.Column(_month_lines(period), tuple(values),
                              tuple(rendering.number(value) for value in values))
                for period, values in zip(found.months, pairs)]

    def distribution(key, durations):
        return charts.bar_chart(*_texts(key), _bars(
            (bucket_label(bucket), bucket.count) for bucket in durations.buckets))

    return {
        "orders": charts.bar_chart(*_texts("orders"), _bars(
            (rendering.localized(labels.ORDER_STATUS[Status(status)]), count)
            for status, count in found.orders.items())),
        "delivery": distribution("delivery", found.delivery),
        "activations": charts.column_chart(*_texts("activations"), columns(
            (month.activated, month.failed) for month in found.activations),
            _series("activations")),
        "activation_times": distribution("activation_times", found.activation_times),
        "failures": charts.bar_chart(*_texts("failures"), _bars(
            (rendering.localized(REASONS[reason]), count)
            for reason, count in found.failures.items())),
        "mrr": charts.line_chart(*_texts("mrr"), [
            charts.Column(_month_lines(month.period), (float(month.mrr.amount),),
                          (rendering.money(month.mrr),)) for month in found.revenue]),
        "charges": charts.column_chart(*_texts("charges"), columns(
            (month.failed, month.unconfirmed) for month in found.charges), _series("charges")),
    }

"""The dealership's work queue (staff's landing page): the orders waiting for an action,
grouped and counted, a page at a time; or every order, by status."""
from __future__ import annotations

from datetime import datetime

from babel import dates
from flask import abort, request

from caas.domain.orders import Status
from caas.entrypoints.web import navigation, rendering
from caas.entrypoints.web.pages import STAFF, blp, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import sales, work_queue
from caas.service_layer.errors import NotFound

#: Rows a page shows.
LISTED = 50
#: The filter that lists every order, waiting or not.
EVERY_ORDER = "all"
STATUSES = tuple(status.value for status in Status)

#: A quantity of a unit is said in it from this share of the unit on (Babel's default).
AGE_THRESHOLD = 0.85

navigation.link("web.orders", lazy_gettext("Orders"), *STAFF, position=10)

GROUP_NAMES = {
    "reservation_unpaid": lazy_gettext("Reservation unpaid"),
    "final_payment_due": lazy_gettext("Vehicle ready for final payment"),
    "delivery_due": lazy_gettext("Delivery due"),
    "registration_delayed": lazy_gettext("Registration delayed"),
}


@blp.get("/orders")
@signed_in(*STAFF)
def orders():
    group, status, number = _filters()
    ctx, offset = tenant_ctx(), (number - 1) * LISTED
    if status or group == EVERY_ORDER:
        counts = work_queue.counts(ctx)
        listed, _ = sales.order_page(ctx, offset, LISTED, status=status)
    else:
        counts, listed = work_queue.queue(ctx, offset, LISTED, group)
    pages = max(1, -(-_listed_in(counts, group, status) // LISTED))
    if number > pages:
        abort(404)
    return rendering.page(
        "intranet/orders.html", orders=listed, counts=counts, group=group,
        chosen_status=status, groups=GROUP_NAMES, group_statuses=_group_statuses(group),
        number=number, pages=pages, now=ctx.now(), sold=_sold(request.args.get("sold")),
        new_customer=request.args.get("new_customer") == "1")


def _filters() -> tuple[str | None, str | None, int]:
    """The page's group, status and page number, from its links; 404 for any other."""
    group, status = request.args.get("group") or None, request.args.get("status") or None
    number = request.args.get("page", "1")
    if not number.isdigit() or int(number) < 1 or status not in (None, *STATUSES) or \
            group not in (None, EVERY_ORDER, *work_queue.GROUPS):
        abort(404)
    return group, status, int(number)


def _listed_in(counts: work_queue.Counts, group: str | None, status: str | None) -> int:
    if status:
        return counts.statuses[status]
    if group == EVERY_ORDER:
        return counts.orders
    return counts.groups[group] if group else counts.waiting


def _group_statuses(group: str | None) -> list[str]:
    """The statuses a group's page offers as a finer filter (every one for every order)."""
    if group == EVERY_ORDER:
        return list(STATUSES)
    return [status.value for status in work_queue.GROUPS.get(group, ())]


def _sold(order_id: str | None):
    """The order a sale just registered (the confirmation after :mod:`sale`'s redirect)."""
    if not (order_id or "").isdigit():
        return None
    try:
        return sales.order_view(tenant_ctx(), int(order_id))
    except NotFound:
        return None


@blp.app_template_filter("age")
def age(since: datetime | None, now: datetime) -> str:
    """How long ago ``since`` was, roughly, in the page's language: "3 days"."""
    if since is None:
        return "—"
    delta, locale = now - since, rendering.formatting()
    seconds = abs(delta.total_seconds())
    # Babel says it in its largest unit worth AGE_THRESHOLD of one, rounded: the same words
    # for every age of that unit and number, so a page's many rows format few of them.
    for unit, size in dates.TIMEDELTA_UNITS:
        if seconds / size >= AGE_THRESHOLD:
            break
    key = (unit, max(1, round(seconds / size)) if seconds else 0, str(locale))
    if key not in _AGES:
        if len(_AGES) > 10_000:
            _AGES.clear()
        _AGES[key] = dates.format_timedelta(delta, threshold=AGE_THRESHOLD, locale=locale)
    return _AGES[key]


_AGES: dict[tuple, str] = {}

"""The dealership's orders."""
from __future__ import annotations

from caas.entrypoints.web import navigation, rendering
from caas.entrypoints.web.pages import STAFF, blp, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import sales

#: Rows a list shows.
LISTED = 50

navigation.link("web.orders", lazy_gettext("Orders"), *STAFF, position=10)


@blp.get("/orders")
@signed_in(*STAFF)
def orders():
    listed, total = sales.order_page(tenant_ctx(), 0, LISTED)
    return rendering.page("intranet/orders.html", orders=listed, total=total)

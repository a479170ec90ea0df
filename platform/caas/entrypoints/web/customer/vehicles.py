"""The customer's vehicles."""
from __future__ import annotations

from flask import g

from caas.entrypoints.web import navigation, rendering
from caas.entrypoints.web.pages import CUSTOMER, blp, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import sales

#: Rows a list shows.
LISTED = 50

navigation.link("web.vehicles", lazy_gettext("My vehicles"), *CUSTOMER, position=10)


@blp.get("/vehicles")
@signed_in(*CUSTOMER)
def vehicles():
    orders, _ = sales.order_page(tenant_ctx(), 0, LISTED, customer_id=g.web_actor.id)
    return rendering.page("customer/vehicles.html", orders=orders)

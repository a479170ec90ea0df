"""The maintenance history of the customer's vehicles, from the vehicle service system (VSS).

While the VSS is down the page shows its last answer, saying so and since when, as the API
marks it ``stale``: an unavailable VSS is not an error of this page.
"""
from __future__ import annotations

from flask import g

from caas.entrypoints.web import navigation, rendering
from caas.entrypoints.web.customer import record_labels
from caas.entrypoints.web.pages import CUSTOMER, blp, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import customer_record

navigation.link("web.maintenance", lazy_gettext("Maintenance"), *CUSTOMER, position=60)


@blp.get("/maintenance")
@signed_in(*CUSTOMER)
def maintenance():
    vehicles = customer_record.vehicle_maintenance(tenant_ctx(), g.web_actor.id)
    return rendering.page("customer/maintenance.html", vehicles=vehicles, labels=record_labels)

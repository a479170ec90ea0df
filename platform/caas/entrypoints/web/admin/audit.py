"""The admin console's audit log: who changed what, when, newest first, filtered by actor,
action, entity and time, a page at a time, through the same use case as ``GET /audit``
(:func:`service_layer.audit.page`). The support tickets' pages are the intranet's: the
console's menu links to them."""
from __future__ import annotations

from flask import g, request

from caas.entrypoints.web import navigation, rendering
from caas.entrypoints.web.admin.audit_forms import ROLE, AuditFilterForm, changes
from caas.entrypoints.web.customer.record_labels import named
from caas.entrypoints.web.intranet.paging import Paging
from caas.entrypoints.web.pages import ADMIN, blp, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import audit

navigation.link("web.admin_audit", lazy_gettext("Audit log"), *ADMIN, position=150,
                section="admin")
navigation.link("web.tickets", lazy_gettext("Support tickets"), *ADMIN, position=160,
                section="admin")


@blp.get("/admin/audit")
@signed_in(*ADMIN)
def admin_audit():
    form = AuditFilterForm(request.args).read_in(g.web_tenant.timezone)
    valid = form.validate()
    paging = Paging.requested()
    # A filter that cannot be read lists nothing rather than everything.
    entries, total = audit.page(tenant_ctx(), paging.offset, paging.size,
                                form.filters()) if valid else ([], 0)
    return rendering.page(
        "admin/audit.html", 200 if valid else 422, form=form, entries=entries,
        paging=paging.of(total), changes=changes, role=lambda value: named(ROLE, value),
        arguments={name: value for name, value in request.args.items() if name != "page"})

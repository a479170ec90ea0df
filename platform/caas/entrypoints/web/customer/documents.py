"""The customer's documents: the contract of each purchase and the manuals of their models."""
from __future__ import annotations

from flask import g

from caas.entrypoints.web import navigation, rendering
from caas.entrypoints.web.customer import record_labels, records
from caas.entrypoints.web.pages import CUSTOMER, blp, signed_in, tenant_ctx
from caas.i18n import lazy_gettext
from caas.service_layer import documents as documents_

navigation.link("web.documents", lazy_gettext("My documents"), *CUSTOMER, position=50)


@blp.get("/documents")
@signed_in(*CUSTOMER)
def documents():
    found = documents_.customer_documents(tenant_ctx(), g.web_actor.id)
    return rendering.page("customer/documents.html", documents=found, labels=record_labels)


@blp.get("/documents/<int(max=2147483647):document_id>")
@signed_in(*CUSTOMER)
def document(document_id):
    """The file itself; another customer's is as absent as one that never existed."""
    found = documents_.document(tenant_ctx(), document_id, g.web_actor.id)
    return records.file(found["content"], found["content_type"], found["filename"])

"""Webhooks from the external systems: HMAC-signed, tenant in the path, idempotent by event id.

The signature is checked on the raw body before anything is parsed: a missing,
wrong or stale signature is 401 and changes nothing.
"""
from __future__ import annotations

import json

from flask import request
from flask.views import MethodView
from marshmallow import ValidationError

from caas.crypto import signing
from caas.entrypoints.http.api import Blueprint, error_response
from caas.entrypoints.http.api.webhook_schemas import (FactoryEventSchema, PaymentEventSchema,
                                                       TelemetryEventSchema, WebhookAnswerSchema)
from caas.entrypoints.http.api.security import platform
from caas.context import Actor, actor_var
from caas.i18n import exception_text, lazy_gettext
from caas.service_layer import factory, settlements, usage
from caas.tenancy import set_request_tenant, tenant_context

PREFIX = "/webhooks"
blp = Blueprint("webhooks", __name__,
                description="Called by the factory, the payment gateway and the vehicles' "
                            "telemetry; signed with "
                            "`X-CaaS-Signature: t=<unix>,v1=<hex HMAC-SHA256 of \"t.body\">`")
SIGNATURE = {"in": "header", "name": signing.HEADER, "required": True,
             "schema": {"type": "string"}}


def _receive(slug: str, system: str, schema, use_case):
    tenant = platform().tenant(slug)
    # The path names the tenant (no X-Tenant): its default language for the answer.
    set_request_tenant(tenant)  # undone at the request's teardown
    body = request.get_data()
    secret = tenant.secrets.get(system)
    if secret is None:
        return error_response(401, lazy_gettext(
            "Webhook refused: no %(system)s secret for this tenant.", system=system))
    try:
        signing.verify(secret, body, request.headers.get(signing.HEADER))
    except signing.BadSignature as exc:
        return error_response(401, lazy_gettext("Webhook refused: %(reason)s.",
                                                reason=exception_text(exc)))
    try:
        event = schema.load(json.loads(body))
    except (ValueError, TypeError):
        return error_response(400, lazy_gettext("The body is not valid JSON."))
    except ValidationError as exc:
        return error_response(422, lazy_gettext("The event has invalid fields; see errors."),
                              {"json": exc.normalized_messages()})
    token = actor_var.set(Actor(role="system", email=f"{system}-webhook"))
    try:
        with tenant_context(tenant):
            return {"outcome": use_case(platform().for_tenant(tenant), event)}
    finally:
        actor_var.reset(token)


@blp.route("/<string:tenant>/factory")
class FactoryWebhook(MethodView):
    @blp.doc(parameters=[SIGNATURE])
    @blp.response(200, WebhookAnswerSchema)
    @blp.alt_response(401, description="Missing, wrong or stale signature")
    @blp.alt_response(404, description="Unknown tenant or factory order (retry later)")
    def post(self, tenant):
        """Manufacturing status: `IN_PROGRESS`, then `READY` with the VIN"""
        return _receive(tenant, "factory", FactoryEventSchema(), factory.receive_factory_event)


@blp.route("/<string:tenant>/payments")
class PaymentsWebhook(MethodView):
    @blp.doc(parameters=[SIGNATURE])
    @blp.response(200, WebhookAnswerSchema)
    @blp.alt_response(401, description="Missing, wrong or stale signature")
    @blp.alt_response(404, description="Unknown tenant")
    def post(self, tenant):
        """Settlement: `payment.settled`, `payment.failed`, `refund.settled`; news about a
        payment not known here yet is kept until its payment claims it (by id or key), or
        refunded as an orphan charge"""
        return _receive(tenant, "payments", PaymentEventSchema(), settlements.receive)


@blp.route("/<string:tenant>/telemetry")
class TelemetryWebhook(MethodView):
    @blp.doc(parameters=[SIGNATURE])
    @blp.response(200, WebhookAnswerSchema)
    @blp.alt_response(401, description="Missing, wrong or stale signature")
    @blp.alt_response(404, description="Unknown tenant or vehicle")
    @blp.alt_response(409, description="That month is already invoiced for the vehicle")
    def post(self, tenant):
        """A vehicle's usage of one local day (e.g. `data` in GB); a later report of the same
        day corrects it until its month is invoiced"""
        return _receive(tenant, "telemetry", TelemetryEventSchema(), usage.receive_reading)

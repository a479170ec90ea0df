"""Sandbox control over HTTP (``/sandbox``), mounted only when ``CAAS_SANDBOX`` is on."""
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from caas.api import Blueprint
from caas.api.security import BEARER, roles
from caas.sandboxes import faults, smtp

blp = Blueprint("sandbox", __name__, url_prefix="/sandbox",
                description="Drive the external-system sandboxes (role operator; test mode only)")


class ModeSchema(Schema):
    mode = fields.String(required=True, validate=validate.OneOf(faults.MODES))
    failure_rate = fields.Float(load_default=1.0, validate=validate.Range(min=0, max=1))
    latency_ms = fields.Integer(load_default=0, validate=validate.Range(min=0, max=60_000))


class MailQuerySchema(Schema):
    to = fields.String()


@blp.route("/<any(" + ",".join(faults.SYSTEMS) + "):system>/mode")
class SystemMode(MethodView):
    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    @blp.response(200, ModeSchema)
    def get(self, system):
        """Current fault mode of a sandbox"""
        return faults.mode_of(system).to_dict()

    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    @blp.arguments(ModeSchema)
    @blp.response(200, ModeSchema)
    def put(self, data, system):
        """Switch a sandbox up, down, slow, or failing a share of calls"""
        mode = faults.Mode(**data)
        faults.set_mode(system, mode)
        return mode.to_dict()


@blp.route("/mail")
class Mail(MethodView):
    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    @blp.arguments(MailQuerySchema, location="query")
    def get(self, query):
        """Emails the SMTP sandbox received, newest first (`?to=`)"""
        return {"messages": smtp.server().mailbox.messages(query.get("to"))}

"""Sandbox control over HTTP (``/sandbox``), mounted only when ``CAAS_SANDBOX`` is on."""
from flask import current_app
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from caas.entrypoints.http.api import Blueprint
from caas.entrypoints.http.api.security import BEARER, roles
from caas.sandboxes import faults, smtp

blp = Blueprint("sandbox", __name__, url_prefix="/sandbox",
                description="Drive the external-system sandboxes (role operator; test mode only)")


class ModeSchema(Schema):
    mode = fields.String(required=True,
                         validate=validate.OneOf(faults.MODES + faults.PAYMENT_MODES))
    failure_rate = fields.Float(load_default=1.0, validate=validate.Range(min=0, max=1))
    latency_ms = fields.Integer(load_default=0, validate=validate.Range(min=0, max=60_000))
    operations = fields.List(fields.String(validate=validate.OneOf(faults.PAYMENT_OPERATIONS)),
                             load_default=None, allow_none=True, validate=validate.Length(min=1),
                             metadata={"description": "payments only: the operations the mode "
                                                      "applies to (default: all)"})
    times = fields.Integer(load_default=None, allow_none=True,
                           validate=validate.Range(min=1, max=10_000),
                           metadata={"description": "calls the mode applies to before the "
                                                    "system is up again (default: until changed)"})


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
        """Switch a sandbox up, down, slow, failing a share of calls, or losing answers;
        the payments sandbox also declines, calls back before answering, or calls back twice"""
        if data["mode"] not in faults.modes_for(system):
            abort(422, message="Not a mode of this sandbox.", errors={"json": {"mode": [
                f"{system} takes one of: {', '.join(faults.modes_for(system))}."]}})
        if data["operations"] is not None and system != "payments":
            abort(422, message="Only the payments sandbox names operations.",
                  errors={"json": {"operations": ["Only for the payments sandbox."]}})
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


@blp.route("/<any(push,sms):system>")
class Messages(MethodView):
    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    @blp.arguments(MailQuerySchema, location="query")
    def get(self, query, system):
        """Pushes or text messages the provider sandbox received, newest first (`?to=`)"""
        return {"messages": getattr(_sandboxes(), system).messages(query.get("to"))}


def _sandboxes():
    return current_app.extensions["caas_sandboxes"]


class AdvanceSchema(Schema):
    to = fields.String(validate=validate.OneOf(["IN_PROGRESS", "READY"]))


class SettleSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(["settled", "failed"]))


class TenantQuerySchema(Schema):
    tenant = fields.String(validate=validate.Length(max=40))


@blp.route("/factory/orders")
class FactoryOrders(MethodView):
    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    @blp.arguments(TenantQuerySchema, location="query")
    def get(self, query):
        """Manufacturing orders the factory sandbox holds (`?tenant=`)"""
        return {"orders": _sandboxes().factory.orders(query.get("tenant"))}


@blp.route("/factory/orders/<string:factory_order_id>/advance")
class FactoryAdvance(MethodView):
    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    @blp.arguments(AdvanceSchema)
    def post(self, data, factory_order_id):
        """Move a manufacturing order on; the factory then calls the signed webhook"""
        try:
            return _sandboxes().factory.advance(factory_order_id, data.get("to"), wait=True)
        except KeyError:
            abort(404, message=f"No factory order {factory_order_id}.")
        except ValueError as exc:
            abort(409, message=str(exc))


@blp.route("/payments/ledger")
class PaymentsLedger(MethodView):
    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    @blp.arguments(TenantQuerySchema, location="query")
    def get(self, query):
        """Every authorization, charge, capture, void, refund and settlement (`?tenant=`)"""
        return {"entries": _sandboxes().payments.ledger(query.get("tenant"))}


@blp.route("/payments/by-key/<path:idempotency_key>")
class PaymentsByKey(MethodView):
    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    @blp.arguments(TenantQuerySchema, location="query")
    def get(self, query, idempotency_key):
        """What the gateway did with a tenant's Idempotency-Key (`?tenant=`), as its own
        lookup answers it; 404 when it never acted on the key"""
        found = _sandboxes().payments.by_key(query.get("tenant", ""), idempotency_key)
        if found is None:
            abort(404, message="The gateway never acted on this key.")
        return found


@blp.route("/payments/<string:payment_id>/settle")
class PaymentsSettle(MethodView):
    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    @blp.arguments(SettleSchema)
    def post(self, data, payment_id):
        """Settle a payment now; the gateway then calls the signed webhook"""
        try:
            return _sandboxes().payments.settle(payment_id, data["outcome"], wait=True)
        except KeyError:
            abort(404, message=f"No payment {payment_id}.")
        except ValueError as exc:
            abort(409, message=str(exc))


@blp.route("/webhooks")
class Webhooks(MethodView):
    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    def get(self):
        """Webhooks the sandboxes sent to the platform, newest first, with the answer"""
        return {"deliveries": list(_sandboxes().webhooks.deliveries)}


class VssVehicleSchema(Schema):
    maintenance = fields.String(required=True, validate=validate.OneOf(["current", "overdue"]))
    history = fields.List(fields.Dict(), validate=validate.Length(max=100))


class IotVehicleSchema(Schema):
    behaviour = fields.String(required=True, validate=validate.OneOf(
        ["ok", "fail", "timeout", "pending", "offline"]))


class IotFailureSchema(Schema):
    failure_rate = fields.Float(required=True, validate=validate.Range(min=0, max=1))
    seed = fields.Integer()


@blp.route("/vss/vehicles/<string:vin>")
class VssVehicle(MethodView):
    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    @blp.arguments(VssVehicleSchema)
    def put(self, data, vin):
        """Set what the maintenance system says of a vehicle"""
        _sandboxes().vss.set_vehicle(vin, data["maintenance"], data.get("history"))
        return {"vin": vin, **data}


@blp.route("/iot/vehicles/<string:vin>")
class IotVehicle(MethodView):
    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    def get(self, vin):
        """A vehicle as the IoT sandbox sees it: configuration, behaviour"""
        sandbox = _sandboxes().iot
        return {**sandbox.vehicle(vin), "behaviour": sandbox.behaviour(vin),
                "commands": sandbox.commands(vin)}

    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    @blp.arguments(IotVehicleSchema)
    def put(self, data, vin):
        """How the vehicle answers commands: ok, fail, timeout, pending, offline"""
        _sandboxes().iot.set_behaviour(vin, data["behaviour"])
        return {"vin": vin, **data}


@blp.route("/iot/failure-rate")
class IotFailures(MethodView):
    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    @blp.arguments(IotFailureSchema)
    def put(self, data):
        """Make a share of all commands fail (e.g. 0.3)"""
        _sandboxes().iot.set_failure_rate(data["failure_rate"], data.get("seed"))
        return data


class TelemetryVehicleSchema(Schema):
    tenant = fields.String(required=True, validate=validate.Length(min=1, max=40))
    metric = fields.String(load_default="data", validate=validate.Length(min=1, max=40))
    daily_quantity = fields.String(required=True, validate=validate.Regexp(
        r"^[0-9]{1,12}(\.[0-9]{1,6})?$", error="A decimal quantity such as 1.250."))


class TelemetryReportSchema(Schema):
    day = fields.Date(metadata={"description": "default: today by the tenant's billing clock"})
    quantity = fields.String(metadata={"description": "default: the vehicle's daily quantity; "
                                                      "sent as given"})
    metric = fields.String(validate=validate.Length(min=1, max=40))


@blp.route("/telemetry/vehicles/<string:vin>")
class TelemetryVehicle(MethodView):
    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    def get(self, vin):
        """What a vehicle reports each day"""
        found = _sandboxes().telemetry.vehicle(vin)
        if found is None:
            abort(404, message=f"The telemetry sandbox does not play {vin}.")
        return found

    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    @blp.arguments(TelemetryVehicleSchema)
    def put(self, data, vin):
        """Set a vehicle's daily usage (e.g. `data` in GB); it reports each day the tenant's
        billing clock passes"""
        _tenant(data["tenant"])
        return _sandboxes().telemetry.set_vehicle(vin, data["tenant"], data["metric"],
                                                  data["daily_quantity"])


@blp.route("/telemetry/vehicles/<string:vin>/reports")
class TelemetryReport(MethodView):
    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    @blp.arguments(TelemetryReportSchema)
    def post(self, data, vin):
        """Send one signed usage report now; answers with the platform's status"""
        from caas.domain.billing import local_day
        from caas.service_layer import clock
        sandbox = _sandboxes().telemetry
        vehicle = sandbox.vehicle(vin)
        if vehicle is None:
            abort(404, message=f"The telemetry sandbox does not play {vin}.")
        found = _tenant(vehicle["tenant"])
        day = data.get("day") or local_day(clock.now(_platform().for_tenant(found)), found.timezone)
        return sandbox.report(vin, day, data.get("quantity"), data.get("metric"))


class ClockAdvanceSchema(Schema):
    days = fields.Float(validate=validate.Range(min=0, max=3660))
    until = fields.AwareDateTime()


@blp.route("/clock/<string:tenant>")
class Clock(MethodView):
    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    def get(self, tenant):
        """The tenant's billing clock"""
        from caas.service_layer import clock
        found = _tenant(tenant)
        return {"tenant": tenant, "now": clock.now(_platform().for_tenant(found)).isoformat()}


@blp.route("/clock/<string:tenant>/advance")
class ClockAdvance(MethodView):
    @blp.doc(security=BEARER)
    @roles("operator", tenant=False)
    @blp.arguments(ClockAdvanceSchema)
    def post(self, data, tenant):
        """Move the tenant's billing clock forward (`days` or `until`), like a test clock;
        months it closes are then billed"""
        from caas.domain.billing import local_day
        from caas.entrypoints.worker.fanout import billing_tick
        from caas.service_layer import clock
        found = _tenant(tenant)
        before = clock.now(_platform().for_tenant(found))
        now = clock.advance(_platform().for_tenant(found), days=data.get("days"), until=data.get("until"))
        # The vehicles report the days that passed before the months they close are billed.
        reports = _sandboxes().telemetry.days_passed(tenant, local_day(before, found.timezone),
                                                     local_day(now, found.timezone))
        billing_tick(_platform(), "clock", [tenant])
        return {"tenant": tenant, "now": now.isoformat(), "telemetry_reports": reports}


def _platform():
    return current_app.extensions["caas"]


def _tenant(slug: str):
    from caas.tenancy import UnknownTenant
    try:
        return _platform().tenant(slug)
    except UnknownTenant:
        abort(404, message=f"Unknown tenant {slug!r}.")

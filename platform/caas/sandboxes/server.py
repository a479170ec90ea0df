"""Every sandbox in one process, over real HTTP: ``caas sandboxes serve --port N``.

The in-process sandboxes (:mod:`caas.sandboxes.hub`) keep their state in the
process that uses them, so a web server and separate dramatiq workers would each
see their own payments gateway and their own vehicles. This server holds one
copy of each and serves it to all of them; point the platform's processes at it::

    CAAS_PAYMENTS_URL=http://127.0.0.1:N/payments
    CAAS_IOT_URL=http://127.0.0.1:N/iot
    CAAS_VSS_URL=http://127.0.0.1:N/vss
    CAAS_PUSH_URL=http://127.0.0.1:N/push   CAAS_SMS_URL=http://127.0.0.1:N/sms
    CAAS_FACTORY_URL=http://127.0.0.1:N/factory
    CAAS_REGISTRATION_URLS=ES=http://127.0.0.1:N/registration/ES,FR=...
    CAAS_SMTP_HOST=127.0.0.1 CAAS_SMTP_PORT=<--smtp-port>       (when served)

(:func:`platform_environment` spells them out). Each system is mounted under
``/<system>`` behind its :class:`~caas.sandboxes.faults.FaultInjector`, so the
platform's clients append their usual paths (``/payments/v1/payments``...).

The sandboxes call the platform back with signed webhooks at ``--platform-url``
(the web server); the secrets are the tenants', read from the control database
of the platform configured in this process (the same ``CAAS_*`` environment).

Control routes, for tests and benchmarks (JSON; no authentication: bind to
localhost): the platform's own ``/sandbox`` ones (:mod:`caas.entrypoints.http.sandbox_routes`), at the
same paths with the same bodies, so that a test or a benchmark drives the sandboxes the
same way wherever they run, plus a health check and counts:

- ``GET  /sandbox/health``
- ``GET/PUT /sandbox/<system>/mode``  ``{mode, failure_rate?, latency_ms?}``
- ``GET  /sandbox/payments/ledger?tenant=``
- ``POST /sandbox/payments/<payment_id>/settle``  ``{outcome}``
- ``PUT  /sandbox/iot/failure-rate``  ``{failure_rate, seed?}``
- ``GET/PUT /sandbox/iot/vehicles/<vin>``  ``{behaviour}``
- ``GET  /sandbox/iot/commands?vin=``   ``GET /sandbox/iot/stats``
- ``PUT  /sandbox/vss/vehicles/<vin>``  ``{maintenance, history?}``
- ``GET  /sandbox/factory/orders?tenant=``
- ``POST /sandbox/factory/orders/<id>/advance``  ``{to?}``
- ``GET  /sandbox/webhooks``   ``GET /sandbox/mail?to=``   ``GET /sandbox/mail/stats``
- ``GET  /sandbox/push?to=``   ``GET /sandbox/sms?to=``
"""
from __future__ import annotations

import logging
import signal
import sys
import threading
from collections import Counter
from typing import Callable, Mapping

import httpx
from flask import Flask, jsonify, request
from werkzeug.exceptions import BadRequest, HTTPException, NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import WSGIRequestHandler, make_server

from caas.sandboxes import faults
from caas.sandboxes.factory import FactorySandbox
from caas.sandboxes.faults import FaultInjector
from caas.sandboxes.iot import IotSandbox
from caas.sandboxes.messaging import MessagingSandbox
from caas.sandboxes.payments import PaymentsSandbox
from caas.sandboxes.vss import VssSandbox
from caas.sandboxes.webhooks import WebhookSender

#: Where the control routes are mounted: where the platform mounts its own.
CONTROL = "/sandbox"


class SandboxServer:
    """The shared sandboxes and the WSGI app serving them (:attr:`wsgi`).

    :param secret_for: ``(tenant, system) -> secret`` for signing webhooks (``None``: unknown tenant).
    :param platform_url: the platform's web server; ``None``: webhooks are not sent.
    :param countries: country code -> the country plugin (for its registration body's sandbox).
    :param settle_after: seconds after capture at which payments settle by themselves; ``None``: never.
    :param factory_step_seconds: the factory moves orders on by itself this often; ``None``: never.
    :param smtp_port: serve the SMTP sandbox on this port too (``0``: a free one; ``None``: no SMTP).
    """

    def __init__(self, secret_for: Callable[[str, str], str | None], platform_url: str | None,
                 countries: Mapping[str, object], *, settle_after: float | None = None,
                 factory_step_seconds: float | None = None, iot_failure_rate: float = 0.0,
                 seed: int | None = None, smtp_port: int | None = None, smtp_host: str = "127.0.0.1"):
        self.webhooks = None
        if platform_url:
            client = httpx.Client(base_url=platform_url.rstrip("/"), timeout=30)
            self.webhooks = WebhookSender(client, secret_for)
        self.payments = PaymentsSandbox(self.webhooks, settle_after=settle_after)
        self.factory = FactorySandbox(self.webhooks, step_seconds=factory_step_seconds)
        self.iot = IotSandbox(failure_rate=iot_failure_rate, seed=seed)
        self.vss = VssSandbox()
        self.push, self.sms = MessagingSandbox("push"), MessagingSandbox("sms")
        self.registration = {code.upper(): country.registration_sandbox()
                             for code, country in countries.items()}
        self.smtp = self._start_smtp(smtp_host, smtp_port) if smtp_port is not None else None
        if factory_step_seconds:
            self.factory.start()
        mounts = {"/payments": FaultInjector(self.payments.wsgi, "payments"),
                  "/iot": FaultInjector(self.iot.wsgi, "iot"),
                  "/vss": FaultInjector(self.vss.wsgi, "vss"),
                  "/factory": FaultInjector(self.factory.wsgi, "factory"),
                  "/push": FaultInjector(self.push.wsgi, "push"),
                  "/sms": FaultInjector(self.sms.wsgi, "sms"),
                  CONTROL: self._control()}
        for code, app in self.registration.items():
            mounts[f"/registration/{code}"] = FaultInjector(app, "registration")
        self.wsgi = DispatcherMiddleware(_not_found, mounts)

    @staticmethod
    def _start_smtp(host: str, port: int):
        from aiosmtpd.controller import Controller

        from caas.sandboxes.smtp import Mailbox, _free_port
        # aiosmtpd logs every session at INFO: thousands of lines for a benchmark's emails.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        mailbox = Mailbox()
        controller = Controller(mailbox, hostname=host, port=port or _free_port())
        controller.start()
        return controller

    @property
    def smtp_address(self) -> tuple[str, int] | None:
        return (self.smtp.hostname, self.smtp.port) if self.smtp else None

    def close(self) -> None:
        if self.factory.step_seconds:
            self.factory.stop()
        if self.smtp is not None:
            self.smtp.stop()
        if self.webhooks is not None:
            self.webhooks.client.close()

    # -- control routes -------------------------------------------------------------------

    def _control(self) -> Flask:
        app = Flask(__name__)
        app.register_error_handler(HTTPException, lambda exc: (
            jsonify(error={"code": exc.name.lower().replace(" ", "_"),
                           "message": exc.description}), exc.code))

        def body() -> dict:
            data = request.get_json(silent=True)
            if not isinstance(data, dict):
                raise BadRequest("the body must be a JSON object")
            return data

        def systems() -> list[str]:
            return ["payments", "iot", "vss", "factory", "push", "sms"] + [
                f"registration/{code}" for code in sorted(self.registration)]

        @app.get("/health")
        def health():
            return {"status": "ok", "systems": systems(), "smtp": self.smtp_address,
                    "webhooks": self.webhooks is not None}

        @app.route("/<any(" + ",".join(faults.SYSTEMS) + "):system>/mode", methods=["GET", "PUT"])
        def mode(system):
            if request.method == "PUT":
                data = body()
                try:
                    times = data.get("times")
                    chosen = faults.Mode(mode=data["mode"],
                                         failure_rate=float(data.get("failure_rate", 1.0)),
                                         latency_ms=int(data.get("latency_ms", 0)),
                                         operations=data.get("operations"),
                                         times=None if times is None else int(times))
                except (KeyError, TypeError, ValueError) as exc:
                    raise BadRequest(f"mode, failure_rate?, latency_ms?, operations?, times?: {exc}")
                allowed = faults.modes_for(system, remote=True)
                if chosen.mode not in allowed:
                    raise BadRequest(f"mode is one of {', '.join(allowed)}")
                faults.set_mode(system, chosen)
            return faults.mode_of(system).to_dict()

        @app.get("/payments/by-key/<path:key>")
        def by_key(key):
            found = self.payments.by_key(request.args.get("tenant", ""), key)
            if found is None:
                raise NotFound("the gateway never acted on this key")
            return found

        @app.get("/payments/ledger")
        def ledger():
            return {"entries": self.payments.ledger(request.args.get("tenant"))}

        @app.post("/payments/<payment_id>/settle")
        def settle(payment_id):
            try:
                return self.payments.settle(payment_id, body().get("outcome"), wait=True)
            except KeyError:
                raise NotFound(f"no payment {payment_id}")
            except ValueError as exc:
                return jsonify(error={"code": "conflict", "message": str(exc)}), 409

        @app.put("/iot/failure-rate")
        def failure_rate():
            data = body()
            try:
                self.iot.set_failure_rate(float(data["failure_rate"]), data.get("seed"))
            except (KeyError, TypeError, ValueError) as exc:
                raise BadRequest(f"failure_rate (0..1), seed?: {exc}")
            return {"failure_rate": self.iot.failure_rate}

        @app.route("/iot/vehicles/<vin>", methods=["GET", "PUT"])
        def iot_vehicle(vin):
            if request.method == "PUT":
                try:
                    self.iot.set_behaviour(vin, body().get("behaviour"))
                except ValueError as exc:
                    raise BadRequest(str(exc))
            return {**self.iot.vehicle(vin), "behaviour": self.iot.behaviour(vin)}

        @app.get("/iot/commands")
        def iot_commands():
            return {"commands": self.iot.commands(request.args.get("vin"))}

        @app.get("/iot/stats")
        def iot_stats():
            commands = self.iot.commands()
            return {"commands": len(commands),
                    "by_status": dict(Counter(command["status"] for command in commands)),
                    "failure_rate": self.iot.failure_rate}

        @app.put("/vss/vehicles/<vin>")
        def vss_vehicle(vin):
            data = body()
            try:
                return self.vss.set_vehicle(vin, data.get("maintenance"), data.get("history"))
            except ValueError as exc:
                raise BadRequest(str(exc))

        @app.get("/factory/orders")
        def factory_orders():
            return {"orders": self.factory.orders(request.args.get("tenant"))}

        @app.post("/factory/orders/<order_id>/advance")
        def factory_advance(order_id):
            try:
                return self.factory.advance(order_id, body().get("to"), wait=True)
            except KeyError:
                raise NotFound(f"no factory order {order_id}")
            except ValueError as exc:
                return jsonify(error={"code": "conflict", "message": str(exc)}), 409

        @app.get("/webhooks")
        def webhooks():
            deliveries = list(self.webhooks.deliveries) if self.webhooks else []
            return {"deliveries": deliveries}

        @app.get("/<any(push,sms):system>")
        def messages(system):
            return {"messages": getattr(self, system).messages(request.args.get("to"))}

        @app.get("/mail")
        def mail():
            if self.smtp is None:
                raise NotFound("no SMTP sandbox is served")
            return {"messages": self.smtp.handler.messages(request.args.get("to"))}

        @app.get("/mail/stats")
        def mail_stats():
            if self.smtp is None:
                raise NotFound("no SMTP sandbox is served")
            return {"messages": len(self.smtp.handler.messages())}

        return app


def _not_found(environ, start_response):
    body = b'{"error": {"code": "not_found", "message": "no sandbox at this path"}}'
    start_response("404 Not Found", [("Content-Type", "application/json"),
                                     ("Content-Length", str(len(body)))])
    return [body]


def platform_environment(base_url: str, countries, smtp: tuple[str, int] | None = None) -> dict:
    """The ``CAAS_*`` settings that point a platform process at a server at ``base_url``."""
    base = base_url.rstrip("/")
    env = {"CAAS_PAYMENTS_URL": f"{base}/payments", "CAAS_IOT_URL": f"{base}/iot",
           "CAAS_VSS_URL": f"{base}/vss", "CAAS_FACTORY_URL": f"{base}/factory",
           "CAAS_PUSH_URL": f"{base}/push", "CAAS_SMS_URL": f"{base}/sms",
           "CAAS_REGISTRATION_URLS": ",".join(f"{code}={base}/registration/{code}"
                                              for code in sorted(countries))}
    if smtp:
        env.update(CAAS_SMTP_HOST=smtp[0], CAAS_SMTP_PORT=str(smtp[1]))
    return env


class _Handler(WSGIRequestHandler):
    # Keep-alive: the platform's httpx clients reuse their connections.
    protocol_version = "HTTP/1.1"

    def log_request(self, code="-", size="-"):
        pass  # one line per request would cost more than the request


def serve(sandboxes: SandboxServer, host: str, port: int,
          ready: Callable[[str], None] | None = None) -> None:
    """Serve until SIGINT or SIGTERM, one thread per connection."""
    server = make_server(host, port, sandboxes.wsgi, threaded=True, request_handler=_Handler)
    server.daemon_threads = True
    stop = threading.Event()

    def shutdown(*_):
        if not stop.is_set():
            stop.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    previous = signal.signal(signal.SIGTERM, shutdown)
    try:
        if ready:
            ready(f"http://{host}:{server.server_port}")
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
        sandboxes.close()
        sys.stdout.flush()

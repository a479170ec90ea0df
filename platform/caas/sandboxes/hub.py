"""The external systems' simulators, in process: the embedded default and the tests.

Each sandbox is a small WSGI app; the platform's clients reach it over real HTTP
semantics through httpx's WSGI transport, behind the client-side faults that
``PUT /sandbox/{system}/mode`` drives. Sandboxes call the platform back the same
way, with signed webhooks. Their state lives in this process: run one process
(``make run``) when using them, or point the ``CAAS_*_URL`` settings at shared ones.
"""
from __future__ import annotations

import threading

import httpx

from caas.sandboxes.factory import FactorySandbox
from caas.sandboxes.faults import FaultTransport
from caas.sandboxes.iot import IotSandbox
from caas.sandboxes.messaging import MessagingSandbox
from caas.sandboxes.payment_requests import request_operation
from caas.sandboxes.payments import PaymentsSandbox
from caas.sandboxes.telemetry import TelemetrySandbox
from caas.sandboxes.vss import VssSandbox
from caas.sandboxes.webhooks import WebhookSender


class Sandboxes:
    def __init__(self, app):
        platform = app.extensions["caas"]
        config = app.config
        callback = httpx.Client(transport=httpx.WSGITransport(app=app),
                                base_url="http://caas.internal", timeout=30)
        self.webhooks = WebhookSender(callback, platform.webhook_secret)
        self.payments = PaymentsSandbox(self.webhooks,
                                        settle_after=config["CAAS_SANDBOX_SETTLE_SECONDS"])
        self.factory = FactorySandbox(self.webhooks,
                                      step_seconds=config["CAAS_SANDBOX_FACTORY_STEP_SECONDS"])
        self.iot = IotSandbox()
        self.vss = VssSandbox()
        self.push = MessagingSandbox("push")
        self.sms = MessagingSandbox("sms")
        self.telemetry = TelemetrySandbox(self.webhooks)
        self._registration: dict[str, object] = {}
        self._lock = threading.Lock()
        self._factory_started = False

    def factory_in_use(self) -> None:
        """Start the factory's own schedule the first time an order is placed."""
        if not self._factory_started and self.factory.step_seconds:
            with self._lock:
                if not self._factory_started:
                    self.factory.start()
                    self._factory_started = True

    def registration(self, country) -> object:
        """The registration body of ``country``, from its plugin, built once."""
        with self._lock:
            if country.code not in self._registration:
                self._registration[country.code] = country.registration_sandbox()
            return self._registration[country.code]

    def transport(self, system: str, country=None) -> httpx.BaseTransport:
        apps = {"payments": lambda: self.payments.wsgi, "factory": lambda: self.factory.wsgi,
                "iot": lambda: self.iot.wsgi, "vss": lambda: self.vss.wsgi,
                "push": lambda: self.push.wsgi, "sms": lambda: self.sms.wsgi,
                "registration": lambda: self.registration(country)}
        operation_of = request_operation if system == "payments" else None
        return FaultTransport(httpx.WSGITransport(app=apps[system]()), system, operation_of)

    def close(self) -> None:
        if self._factory_started:
            self.factory.stop()
        self.webhooks.client.close()

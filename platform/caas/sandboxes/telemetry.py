"""The vehicles' telemetry feed, simulated: each vehicle set here reports its daily usage.

The car maker's IoT API has no usage feed, so usage reaches the platform as a signed
report per vehicle, metric and local day (``/api/v1/webhooks/{tenant}/telemetry``).
Here the operator gives a vehicle a daily quantity; when the tenant's billing clock
moves forward the vehicle reports each day that passed, before the months it closed
are billed. The fault modes ``down`` and ``failing`` (``PUT /sandbox/telemetry/mode``)
keep the vehicles silent, always or for a share of the days.
"""
from __future__ import annotations

import threading
from datetime import date, timedelta

from caas.sandboxes import faults
from caas.sandboxes.webhooks import WebhookSender

SYSTEM = "telemetry"


class TelemetrySandbox:
    def __init__(self, webhooks: WebhookSender):
        self.webhooks = webhooks
        self._vehicles: dict[str, dict] = {}
        self._lock = threading.Lock()

    def set_vehicle(self, vin: str, tenant: str, metric: str, daily_quantity: str) -> dict:
        with self._lock:
            self._vehicles[vin] = {"vin": vin, "tenant": tenant, "metric": metric,
                                   "daily_quantity": daily_quantity}
            return dict(self._vehicles[vin])

    def vehicle(self, vin: str) -> dict | None:
        with self._lock:
            found = self._vehicles.get(vin)
            return dict(found) if found else None

    def report(self, vin: str, day: date, quantity: str | None = None,
               metric: str | None = None) -> dict:
        """Send the vehicle's reading of ``day`` now and wait for the platform's answer.

        :raises KeyError: a vehicle the sandbox does not play.
        """
        vehicle = self.vehicle(vin)
        if vehicle is None:
            raise KeyError(vin)
        payload = {"event_id": self.webhooks.event_id(), "vin": vin,
                   "metric": metric or vehicle["metric"], "day": day.isoformat(),
                   "quantity": quantity if quantity is not None else vehicle["daily_quantity"]}
        status = self.webhooks.send(vehicle["tenant"], SYSTEM, payload, wait=True)
        return {"status": status, "report": payload}

    def days_passed(self, tenant: str, since: date, until: date) -> int:
        """Report every day from ``since`` up to (not including) ``until`` for the tenant's
        vehicles; returns how many reports were sent."""
        with self._lock:
            vins = [vin for vin, vehicle in self._vehicles.items() if vehicle["tenant"] == tenant]
        sent = 0
        day = since
        while day < until:
            for vin in vins:
                if not faults.mode_of(SYSTEM).should_fail():  # down or failing: silent
                    self.report(vin, day)
                    sent += 1
            day += timedelta(days=1)
        return sent

"""The premium-connectivity month the demo walks after a sale, until its data is on the
invoice."""
from __future__ import annotations

from caas.entrypoints.tooling.demo_sale import SaleWalk
from caas.entrypoints.tooling.demo_text import DemoFailed, line_text, money, quantity, when


class UsageWalk(SaleWalk):
    """A sale, then the premium-connectivity month of its vehicle until the invoice."""

    OPTION = "premium_connectivity"

    def __init__(self, *args, daily_quantity: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.daily_quantity = daily_quantity

    def _walk(self) -> dict:
        sold = super()._walk()
        vin = sold["vehicle"]["vin"]
        self.echo("")
        offer = next((item for item in self._call(
            "Connectivity offer", "customer", "GET", f"/api/v1/vehicles/{vin}/catalog")
            if item["code"] == self.OPTION), None)
        if offer is None or not offer.get("usage_price"):
            raise DemoFailed("Connectivity offer", None, f"tenant {self.tenant} does not price "
                             f"{self.OPTION}'s data: set usage_price with PUT "
                             f"/api/v1/catalog/options/{self.OPTION} (admin) or run `caas "
                             f"tenants starter {self.tenant}`")
        unit = offer["usage"]["unit"]
        self._step("Connectivity offer", f"{offer['code']}: {money(offer['price'])} a month, "
                   f"{quantity(offer['included'], unit)} included, then "
                   f"{money(offer['usage_price'])} per {unit}")
        bought = self._call("Subscription", "customer", "POST",
                            f"/api/v1/vehicles/{vin}/services", idempotent=True,
                            json={"option": self.OPTION, "card_token": "tok_ok"})
        self._poll("Subscription", lambda: self._call(
            "Subscription", "customer", "GET", f"/api/v1/services/{bought['id']}")["status"]
            == "active", "the vehicle to confirm the option")
        self._step("Subscription", f"service {bought['id']} active over the air; free trial "
                                   "first, then billed monthly")
        self._call("Telemetry", "operator", "PUT", f"/sandbox/telemetry/vehicles/{vin}",
                   json={"tenant": self.tenant, "metric": offer["usage"]["metric"],
                         "daily_quantity": self.daily_quantity})
        self._step("Telemetry", f"the vehicle reports "
                                f"{quantity(self.daily_quantity, unit)} of "
                                f"{offer['usage']['metric']} a day")
        clock = self._call("Billing clock", "operator", "POST",
                           f"/sandbox/clock/{self.tenant}/advance", json={"days": 45})
        self._step("Billing clock", f"45 days on: {when(clock['now'])}, past the trial and a "
                                    f"month end; {clock['telemetry_reports']} daily reports sent")
        invoice = self._poll("Invoice", self._usage_invoice, "the month's invoice")
        lines = [f"{line['kind']:<12} {line_text(line)}" for line in invoice["lines"]]
        self._step("Invoice", f"{invoice['number']} for {invoice['period']}: "
                              f"{money(invoice['total'])}, {invoice['status']}", *lines)
        return {**sold, "invoice": invoice}

    def _usage_invoice(self) -> dict | None:
        invoices = self._call("Invoice", "customer", "GET", "/api/v1/invoices")
        return next((invoice for invoice in invoices if invoice["status"] != "open" and any(
            line["kind"] == "usage" for line in invoice["lines"])), None)

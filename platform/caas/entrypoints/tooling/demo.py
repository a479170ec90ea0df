"""``caas demo sale``: one vehicle sale, from the dealership to an app-linked vehicle, over HTTP;
``caas demo usage``: then a premium-connectivity month whose data reaches the invoice.

Everything goes through the REST contract and the ``/sandbox`` control routes, as any client
would: an employee registers the sale and takes the payments, the operator drives the factory
sandbox and reads the sandbox mailbox, and the customer signs in with the emailed credentials
and links the mobile app. :func:`walk_sale` takes an ``httpx.Client`` whose base URL is the
platform (in the tests, one bound to the app with ``httpx.WSGITransport``). :func:`walk_usage`
goes on: the customer subscribes to premium connectivity, the telemetry sandbox plays the
vehicle's daily data, the operator moves the tenant's billing clock past the free trial and
a month end, and the customer reads the invoice with its usage line.
"""
from __future__ import annotations

import random
import time
import tomllib
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Callable

import click
import httpx

from caas.entrypoints.tooling.demo_customers import new_customer

#: The order's statuses along a sale that goes well, in order.
LIFECYCLE = ("created", "reserved", "factory_ordered", "manufacturing", "vehicle_ready",
             "pending_final_payment", "registering", "registered", "in_transit", "at_dealership",
             "delivered", "operational")


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str


class DemoFailed(Exception):
    """A step went wrong: which one, the HTTP status (``None`` if there was no answer) and why."""

    def __init__(self, step: str, status: int | None, message: str):
        super().__init__(f"{step}: {message}")
        self.step, self.status, self.message = step, status, message
        self.number: int | None = None  # of the step, once known

    def __str__(self) -> str:
        answer = f"HTTP {self.status}" if self.status is not None else "no answer"
        number = f" {self.number}" if self.number else ""
        return f"step{number} ({self.step}) failed, {answer}: {self.message}"


# --- demo accounts from the tenant files -----------------------------------------------------


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    country: str | None
    employee: Credentials | None
    operator: Credentials | None
    #: The file's ``[demo_customer]`` (phone, locale, address; name and tax_id for a country
    #: whose customers :mod:`caas.entrypoints.tooling.demo_customers` does not make up), if any.
    customer: dict | None = None


def demo_tenant(folder: Path, slug: str) -> DemoTenant:
    """The country and demo accounts of ``slug`` in ``folder`` (``tenants/``), where known."""
    country = employee = operator = customer = None
    platform_file = folder / "platform.toml"
    if platform_file.is_file():
        operators = tomllib.loads(platform_file.read_text(encoding="utf-8")).get("operators", [])
        if operators:
            operator = Credentials(operators[0]["email"], operators[0]["password"])
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else ():
        if path.name == "platform.toml":
            continue
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if data.get("slug") != slug:
            continue
        country = data.get("country")
        customer = data.get("demo_customer")
        for user in data.get("users", []):
            if user.get("role") == "employee" and "password" in user:
                employee = Credentials(user["email"], user["password"])
                break
    return DemoTenant(slug, country, employee, operator, customer)


# --- the walk ------------------------------------------------------------------------------


def http_client(url: str, timeout: float) -> httpx.Client:
    """The client ``caas demo`` talks to the platform with."""
    return httpx.Client(base_url=url, timeout=timeout)


def walk_sale(client: httpx.Client, *, tenant: str, employee: Credentials,
              operator: Credentials, country: str | None = None, model: str | None = None,
              plan: str | None = None, options: list[str] | None = None,
              customer: dict | None = None, echo: Callable[[str], None] = click.echo,
              wait: Callable[[float], None] = time.sleep,
              mail_timeout: float = 10.0, status_timeout: float = 60.0,
              rng: random.Random | None = None) -> dict:
    """Walk one sale to an app-linked vehicle, printing each step; raise :class:`DemoFailed`.

    ``wait(seconds)`` is called between polls (the mailbox, an order on its way to a status);
    ``country`` defaults to the tenant's, looked up with the operator's token. The customer
    is a new person (:func:`caas.entrypoints.tooling.demo_customers.new_customer`, drawing from ``rng``) with
    the contact details of ``customer`` (a tenant file's ``[demo_customer]``) or the
    country's. Returns the final order, the customer (name, tax id, email and password),
    and the linked vehicle.
    """
    return _SaleWalk(client, tenant, employee, operator, country, model, plan, options, echo,
                     wait, mail_timeout, status_timeout, customer, rng).run()


def walk_usage(client: httpx.Client, *, daily_quantity: str = "0.800", **walk) -> dict:
    """:func:`walk_sale`, then a premium-connectivity month with ``daily_quantity`` GB a day
    reaching the invoice; returns the sale's result with the ``invoice``."""
    arguments = dict(echo=click.echo, wait=time.sleep, mail_timeout=10.0, status_timeout=60.0,
                     country=None, model=None, plan=None, options=None, customer=None, rng=None)
    arguments.update(walk)
    return _UsageWalk(client, arguments.pop("tenant"), arguments.pop("employee"),
                      arguments.pop("operator"), daily_quantity=daily_quantity,
                      **arguments).run()


class _SaleWalk:
    def __init__(self, client, tenant, employee, operator, country, model, plan, options, echo,
                 wait, mail_timeout, status_timeout, customer=None, rng=None):
        self.client, self.tenant = client, tenant
        self.employee, self.operator = employee, operator
        self.country, self.model, self.plan = country, model, plan
        self.options, self.customer, self.rng = options, customer, rng
        self.echo, self.wait = echo, wait
        self.mail_timeout, self.status_timeout = mail_timeout, status_timeout
        self.number = 0
        self.tokens: dict[str, str] = {}
        self.order_id: int | None = None

    # -- the steps ----------------------------------------------------------------------

    def run(self) -> dict:
        try:
            return self._walk()
        except DemoFailed as failed:
            failed.number = self.number + 1
            raise

    def _walk(self) -> dict:
        self.echo(f"Walking a sale on {self.client.base_url} (tenant {self.tenant})\n")
        self.tokens["employee"] = self._sign_in("Employee sign-in", self.employee, self.tenant)
        if self.country is None:
            self.country = self._tenant_country()
        model, plan, options = self._catalog()

        customer = dict(self._new_customer(), email=f"demo-{uuid.uuid4().hex[:8]}@example.test")
        sale = self._call("Sale", "employee", "POST", "/api/v1/sales", json={
            "customer": customer, "model": model["code"], "plan": plan["code"],
            "options": options}, idempotent=True)
        order = sale["order"]
        self.order_id = order["id"]
        picked = ", ".join(o["name"] for o in model.get("options", []) if o["code"] in options)
        self._step("Sale",
                   f"order {order['id']} ({order['reference']}): {model['name']}"
                   f"{' + ' + picked if picked else ''}, plan {plan['name']}",
                   f"price {_money(order['price'])}, reservation {_money(order['reservation'])}, "
                   f"due at delivery {_money(order['final_amount'])}",
                   f"customer {customer['name']} <{customer['email']}>, tax id "
                   f"{customer['tax_id']} "
                   f"({'new account' if sale['customer']['created'] else 'existing account'})",
                   status=order["status"])

        order = self._call("Reservation payment", "employee", "POST",
                           f"/api/v1/orders/{self.order_id}/reservation-payment",
                           json={"card_token": "tok_ok"}, idempotent=True)
        if not order.get("factory_order_id"):  # the factory was down: the order is queued
            order = self._until("Reservation payment", lambda o: bool(o.get("factory_order_id")),
                                "the factory order to be placed")
        self._step("Reservation payment",
                   f"{_money(order['reservation'])} charged to tok_ok; factory order "
                   f"{order['factory_order_id']}, estimated {order.get('estimated_date') or '?'}",
                   status=order["status"])

        self.tokens["operator"] = self.tokens.get("operator") or self._sign_in(
            "Operator sign-in", self.operator, None)
        self._factory(order["factory_order_id"], "IN_PROGRESS", "manufacturing")
        order = self._factory(order["factory_order_id"], "READY", "pending_final_payment")

        order = self._call("Final payment", "employee", "POST",
                           f"/api/v1/orders/{self.order_id}/final-payment",
                           json={"card_token": "tok_ok"}, idempotent=True)
        if not _reached(order["status"], "in_transit"):  # registration still running
            order = self._until("Final payment", lambda o: _reached(o["status"], "in_transit"),
                                "the vehicle to be registered")
        self._step("Final payment",
                   f"{_money(order['final_amount'])} charged to tok_ok; registered, "
                   f"plate {order['plate']}",
                   status=order["status"])

        delivery = f"/api/v1/orders/{self.order_id}/delivery"
        order = self._call("Delivery", "employee", "POST", delivery, json={"outcome": "delivered"})
        self._step("Delivery", f"delivered, VIN {order['vin']}", status=order["status"])

        password, subject = self._credentials(customer["email"])
        self._step("Credentials email", f"{subject!r} in the sandbox mailbox",
                   f"password {password}", status=self._status())
        self.tokens["customer"] = self._sign_in(
            "Customer sign-in", Credentials(customer["email"], password), self.tenant)

        vehicle = self._call("App link", "customer", "POST",
                             f"/api/v1/vehicles/{order['vin']}/link")
        order = self._order("customer")
        self._step("App link", f"the mobile app is linked to VIN {vehicle['vin']}, "
                               f"plate {vehicle['plate']}",
                   status=order["status"])

        self._history(order)
        return {"order": order, "vehicle": vehicle,
                "customer": {"name": customer["name"], "tax_id": customer["tax_id"],
                             "email": customer["email"], "password": password}}

    def _new_customer(self) -> dict:
        try:
            return new_customer(self.country, self.customer, self.rng)
        except LookupError as unknown:
            raise DemoFailed("Sale", None, str(unknown)) from None

    def _tenant_country(self) -> str:
        self.tokens["operator"] = self._sign_in("Operator sign-in", self.operator, None)
        page, tenants = 1, []
        while True:
            answer = self._call("Tenant lookup", "operator", "GET", "/api/v1/platform/tenants",
                                params={"page": page, "page_size": 100})
            tenants += answer
            if len(answer) < 100:
                break
            page += 1
        for tenant in tenants:
            if tenant["slug"] == self.tenant:
                return tenant["country"]
        raise DemoFailed("Tenant lookup", None, f"no tenant {self.tenant!r} on this platform")

    def _catalog(self) -> tuple[dict, dict, list[str]]:
        models = self._call("Catalog", "employee", "GET", "/api/v1/models",
                            params={"page_size": 100})
        plans = self._call("Catalog", "employee", "GET", "/api/v1/plans", params={"page_size": 100})
        if not models or not plans:
            raise DemoFailed("Catalog", None, f"tenant {self.tenant} has no vehicle models or no "
                                              "plans: run `caas seed` (or add them as its admin)")
        # By default the entry-level model and plan: the cheapest, the smallest reservation.
        model = _pick(models, self.model, "model",
                      key=lambda model: Decimal(model["base_price"]["amount"]))
        plan = _pick(plans, self.plan, "plan",
                     key=lambda plan: Decimal(plan["reservation"]["amount"]))
        if self.options is None:
            options = [model["options"][0]["code"]] if model.get("options") else []
        else:
            options = list(self.options)
        return model, plan, options

    def _factory(self, factory_order_id: str, to: str, expected: str) -> dict:
        """Advance the factory sandbox to ``to`` unless the order is there already."""
        title = f"Factory: {to}"
        order = self._order()
        if _reached(order["status"], expected):
            self._step(title, "the factory got there on its own schedule", status=order["status"])
            return order
        response = self._request(title, "operator", "POST",
                                 f"/sandbox/factory/orders/{factory_order_id}/advance",
                                 json={"to": to})
        if response.status_code == 409:
            # The factory moved on its own meanwhile; its webhook may still be on its way.
            order = self._until(title, lambda o: _reached(o["status"], expected),
                                f"the order to be {expected}", failure=response)
            self._step(title, f"{factory_order_id} was already there", status=order["status"])
            return order
        self._check(title, response)
        order = self._until(title, lambda o: _reached(o["status"], expected),
                            f"the order to be {expected}")
        detail = f"{factory_order_id} advanced; the factory's signed webhook updated the order"
        self._step(title, detail, *([f"VIN {order['vin']}"] if to == "READY" else []),
                   status=order["status"])
        return order

    def _credentials(self, email: str) -> tuple[str, str]:
        """The customer's password, from the credentials email (the one naming their address)."""
        deadline = time.monotonic() + self.mail_timeout
        while True:
            mails = self._call("Credentials email", "operator", "GET", "/sandbox/mail",
                               params={"to": email})["messages"]
            for message in mails:
                if email.lower() in message["body"].lower():
                    return _password_in(message["body"]), message.get("subject", "")
            if time.monotonic() >= deadline:
                raise DemoFailed("Credentials email", None,
                                 f"no credentials email for {email} after {self.mail_timeout:g} s "
                                 "(is the worker running?)")
            self.wait(0.5)

    def _history(self, order: dict) -> None:
        self.echo(f"\nOrder {order['id']} ({order['reference']}) is {order['status']}. History:")
        for step in order.get("history", []):
            actor = step.get("actor") or {}
            who = actor.get("email") or (f"#{actor['id']}" if actor.get("id") else "")
            self.echo(f"  {step.get('from') or '':<22} → {step['to']:<22} "
                      f"{actor.get('role', ''):<9} {who:<32} {_when(step.get('at'))}")

    def _poll(self, title: str, read: Callable[[], object], what: str):
        """Call ``read`` until it returns something (failing after the timeout)."""
        deadline = time.monotonic() + self.status_timeout
        while not (found := read()):
            if time.monotonic() >= deadline:
                raise DemoFailed(title, None, f"gave up waiting for {what}")
            self.wait(0.5)
        return found

    # -- HTTP ---------------------------------------------------------------------------

    def _sign_in(self, title: str, who: Credentials, tenant: str | None) -> str:
        headers = {"X-Tenant": tenant} if tenant else {}
        answer = self._check(title, self._send(title, "POST", "/api/v1/auth/token", headers=headers,
                                               json={"email": who.email, "password": who.password}))
        self._step(title, f"{who.email} ({answer.get('role', '?')})", status=self._status())
        return answer["access_token"]

    def _order(self, as_: str = "employee") -> dict:
        return self._call("Order", as_, "GET", f"/api/v1/orders/{self.order_id}")

    def _status(self) -> str | None:
        """The order's status now (``None`` before the sale)."""
        return self._order()["status"] if self.order_id is not None else None

    def _until(self, title: str, done: Callable[[dict], bool], what: str,
               failure: httpx.Response | None = None) -> dict:
        """Re-read the order until ``done`` (failing on a cancelled order or after the timeout)."""
        deadline = time.monotonic() + self.status_timeout
        while True:
            order = self._order()
            if done(order):
                return order
            if order["status"] == "cancelled" or time.monotonic() >= deadline:
                if failure is not None:
                    self._check(title, failure)
                raise DemoFailed(title, None, f"gave up waiting for {what}: the order is "
                                              f"{order['status']}")
            self.wait(0.5)

    def _call(self, title: str, as_: str, method: str, path: str, *, idempotent: bool = False,
              **kwargs):
        return self._check(title, self._request(title, as_, method, path, idempotent=idempotent,
                                                **kwargs))

    def _request(self, title: str, as_: str, method: str, path: str, *,
                 idempotent: bool = False, **kwargs) -> httpx.Response:
        """A call as ``as_`` (employee, operator or customer); the operator's carries no tenant."""
        headers = {"Authorization": f"Bearer {self.tokens[as_]}"}
        if as_ != "operator":
            headers["X-Tenant"] = self.tenant
        if idempotent:
            headers["Idempotency-Key"] = f"demo-{uuid.uuid4().hex}"
        return self._send(title, method, path, headers=headers, **kwargs)

    def _send(self, title: str, method: str, path: str, **kwargs) -> httpx.Response:
        try:
            return self.client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise DemoFailed(title, None, f"cannot reach {self.client.base_url}: {exc} "
                                          "(is the platform running? `make run`)") from None

    @staticmethod
    def _check(title: str, response: httpx.Response):
        if response.is_success:
            return response.json()
        raise DemoFailed(title, response.status_code, _error_message(response))

    def _step(self, title: str, *details: str, status: str | None = None) -> None:
        self.number += 1
        lines = list(details) + ([f"→ order status: {status}"] if status else [])
        first = lines.pop(0) if lines else ""
        self.echo(f"{self.number:>2}. {title:<32} {first}".rstrip())
        for line in lines:
            self.echo(f"{'':<36}{line}")


class _UsageWalk(_SaleWalk):
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
                             f"/api/v1/catalog/options/{self.OPTION} (admin) or `caas seed`")
        unit = offer["usage"]["unit"]
        self._step("Connectivity offer", f"{offer['code']}: {_money(offer['price'])} a month, "
                   f"{_quantity(offer['included'], unit)} included, then "
                   f"{_money(offer['usage_price'])} per {unit}")
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
                                f"{_quantity(self.daily_quantity, unit)} of "
                                f"{offer['usage']['metric']} a day")
        clock = self._call("Billing clock", "operator", "POST",
                           f"/sandbox/clock/{self.tenant}/advance", json={"days": 45})
        self._step("Billing clock", f"45 days on: {_when(clock['now'])}, past the trial and a "
                                    f"month end; {clock['telemetry_reports']} daily reports sent")
        invoice = self._poll("Invoice", self._usage_invoice, "the month's invoice")
        lines = [f"{line['kind']:<12} {_line_text(line)}" for line in invoice["lines"]]
        self._step("Invoice", f"{invoice['number']} for {invoice['period']}: "
                              f"{_money(invoice['total'])}, {invoice['status']}", *lines)
        return {**sold, "invoice": invoice}

    def _usage_invoice(self) -> dict | None:
        invoices = self._call("Invoice", "customer", "GET", "/api/v1/invoices")
        return next((invoice for invoice in invoices if invoice["status"] != "open" and any(
            line["kind"] == "usage" for line in invoice["lines"])), None)


def _line_text(line: dict) -> str:
    if line["kind"] == "usage":
        unit = line["unit"]
        return (f"{_quantity(line['quantity'], unit)} used, "
                f"{_quantity(line['included'], unit)} included, "
                f"{_quantity(line['billed'], unit)} × {_money(line['unit_price'])} = "
                f"{_money(line['total'])}")
    return f"{line['days']} of {line['days_in_period']} days = {_money(line['total'])}"


# --- helpers --------------------------------------------------------------------------------


def _pick(items: list[dict], code: str | None, what: str, key: Callable[[dict], Decimal]) -> dict:
    if code is None:
        return min(items, key=key)
    for item in items:
        if item["code"] == code:
            return item
    raise DemoFailed("Catalog", None, f"no {what} {code!r} (there are: "
                                      f"{', '.join(item['code'] for item in items)})")


def _reached(status: str, target: str) -> bool:
    if status not in LIFECYCLE:  # cancelled
        return False
    return LIFECYCLE.index(status) >= LIFECYCLE.index(target)


def _when(at: str | None) -> str:
    """An ISO timestamp to the second."""
    if not at:
        return ""
    try:
        return datetime.fromisoformat(at).isoformat(sep=" ", timespec="seconds")
    except ValueError:
        return at


# The demo speaks English: its lines, and the amounts and quantities in them, whatever the
# language the API answers its callers in (names of models and options are the tenant's).

def _quantity(value: str, unit: str) -> str:
    """A quantity as the demo writes it: "0.8 GB", "10 GB"."""
    from caas.quantities import format_quantity

    return format_quantity(value, unit, "en")


def _money(value: dict | None) -> str:
    """An amount as the demo writes it: "€1,000.00"."""
    if not value:
        return "?"
    from babel.numbers import format_currency

    return format_currency(Decimal(value["amount"]), value["currency"], locale="en")


def _password_in(body: str) -> str:
    """The generated password: the last word of the sign-in line (the one with "@" and ":")."""
    for line in body.splitlines():
        if "@" in line and ":" in line:
            return line.rsplit(" ", 1)[-1].strip()
    raise DemoFailed("Credentials email", None, "the credentials email has no sign-in line")


def _error_message(response: httpx.Response) -> str:
    """The contract's error body as one line: the message, then any field errors."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        text = response.text.strip().splitlines()
        return f"{response.reason_phrase}{': ' + text[0][:200] if text else ''}"
    message = str(body.get("message") or body.get("status") or response.reason_phrase)
    fields = "; ".join(f"{name}: {text}" for name, text in _flatten(body.get("errors") or {}))
    extra = {k: v for k, v in body.items() if k not in ("code", "status", "message", "errors")}
    details = ", ".join(f"{key} {value}" for key, value in extra.items())
    return " ".join(part for part in (message, f"({details})" if details else "", fields) if part)


def _flatten(errors, prefix: str = ""):
    """``(field path, message)`` pairs, without the request location flask-smorest puts first."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            if not prefix and key in ("json", "query", "headers", "form"):
                yield from _flatten(value, "")
            else:
                yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(errors, list) and all(isinstance(item, str) for item in errors):
        yield prefix or "error", " ".join(errors)
    else:
        yield prefix or "error", str(errors)

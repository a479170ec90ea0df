"""The sale the demo walks, step by step over HTTP, from the dealership to an app-linked
vehicle."""
from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Callable

import httpx

from caas.entrypoints.tooling.demo_accounts import Credentials
from caas.entrypoints.tooling.demo_customers import new_customer
from caas.entrypoints.tooling.demo_text import DemoFailed, error_message, money, password_in, when


#: The order's statuses along a sale that goes well, in order.
LIFECYCLE = ("created", "reserved", "factory_ordered", "manufacturing", "vehicle_ready",
             "pending_final_payment", "registering", "registered", "in_transit", "at_dealership",
             "delivered", "operational")


class SaleWalk:
    """One sale, walked step by step over the REST contract; :meth:`run` prints the steps."""

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

        made_up = self._new_customer()
        customer = dict(made_up, email=made_up.get("email")
                        or f"demo-{uuid.uuid4().hex[:8]}@example.test")
        sale = self._call("Sale", "employee", "POST", "/api/v1/sales", json={
            "customer": customer, "model": model["code"], "plan": plan["code"],
            "options": options}, idempotent=True)
        order = sale["order"]
        self.order_id = order["id"]
        picked = ", ".join(o["name"] for o in model.get("options", []) if o["code"] in options)
        self._step("Sale",
                   f"order {order['id']} ({order['reference']}): {model['name']}"
                   f"{' + ' + picked if picked else ''}, plan {plan['name']}",
                   f"price {money(order['price'])}, reservation {money(order['reservation'])}, "
                   f"due at delivery {money(order['final_amount'])}",
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
                   f"{money(order['reservation'])} charged to tok_ok; factory order "
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
                   f"{money(order['final_amount'])} charged to tok_ok; registered, "
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
        page, seen = 1, {}
        while True:
            answer = self._call("Tenant lookup", "operator", "GET", "/api/v1/platform/tenants",
                                params={"page": page, "page_size": 100})
            new = {tenant["slug"]: tenant for tenant in answer if tenant["slug"] not in seen}
            seen.update(new)
            # A platform that answers the whole list whatever the page repeats itself.
            if self.tenant in seen or len(answer) < 100 or not new:
                break
            page += 1
        if self.tenant in seen:
            return seen[self.tenant]["country"]
        raise DemoFailed("Tenant lookup", None, f"no tenant {self.tenant!r} on this platform")

    def _catalog(self) -> tuple[dict, dict, list[str]]:
        models = self._call("Catalog", "employee", "GET", "/api/v1/models",
                            params={"page_size": 100})
        plans = self._call("Catalog", "employee", "GET", "/api/v1/plans", params={"page_size": 100})
        if not models or not plans:
            raise DemoFailed("Catalog", None, f"tenant {self.tenant} has no vehicle models or no "
                                              f"plans: run `caas tenants starter {self.tenant} "
                                              "--demo` (or add them as its admin)")
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
                    return password_in(message["body"]), message.get("subject", "")
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
                      f"{actor.get('role', ''):<9} {who:<32} {when(step.get('at'))}")

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
        raise DemoFailed(title, response.status_code, error_message(response))

    def _step(self, title: str, *details: str, status: str | None = None) -> None:
        self.number += 1
        lines = list(details) + ([f"→ order status: {status}"] if status else [])
        first = lines.pop(0) if lines else ""
        self.echo(f"{self.number:>2}. {title:<32} {first}".rstrip())
        for line in lines:
            self.echo(f"{'':<36}{line}")


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

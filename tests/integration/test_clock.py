"""One clock: business times come from the tenant's clock, infrastructure from the real time.

The static tests read the source: only ``caas.clock`` reads the time, and only the
functions named below read the real time. The others move a tenant's test clock and
check what the API says.
"""
from __future__ import annotations

import ast
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.support.journey import customer_login, sell

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(ROOT / "platform" / "caas").rglob("*.py"),
                  *(path for path in (ROOT / "plugins").rglob("*.py") if "tests" not in path.parts)])
#: Reading the time directly: only ``caas/clock.py`` may.
FORBIDDEN = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
             ("date", "today"), ("time", "time")}
#: Who may read the real time (``wall_now``/``wall_time``), and why: nothing here is a
#: business time. Modules named with a trailing ``*`` may anywhere in them.
REAL_TIME = {
    # The external systems' simulators: their own clocks, like the systems they stand for.
    "caas.sandboxes.*": "an external system's own clock",
    "caas.clock.TenantClock.now": "a tenant's time is the real time plus its offset",
    "caas.service_layer.clock.advance": "the offset is measured from the real time",
    "caas.service_layer.auth._claim": "sign-in throttling",
    "caas.service_layer.password_reset._counted": "password-reset throttling, as sign-in's",
    "caas.crypto.tokens.issue": "token lifetimes", "caas.crypto.tokens.read": "token lifetimes",
    "caas.crypto.device_tokens.issue": "device token lifetimes",
    "caas.entrypoints.web.pages.start_session": "web session lifetimes",
    "caas.entrypoints.web.pages.keep_alive": "web session lifetimes",
    "caas.service_layer.tenant_health.health": "how far a test clock is ahead of the real time",
    "caas.crypto.signing.sign": "webhook signatures",
    "caas.crypto.signing.verify": "webhook signatures",
    # Schedules and leases of work in progress (retries, sweeps), like the outbox's.
    "caas.service_layer.service_purchase.purchase": "a purchase's next step",
    "caas.service_layer.service_purchase._authorized.held": "the activation's first attempt",
    "caas.service_layer.service_purchase._authorization_unknown": "when to look the key up",
    "caas.service_layer.service_purchase._unresolved_purchases": "purchases due a lookup",
    "caas.service_layer.service_purchase._lookup_grace_over": "when a lost authorization may be "
                                                        "called never made",
    "caas.service_layer.activation.run_attempt": "an attempt's lease and the command's validity",
    "caas.service_layer.activation._retry_or_give_up": "the next attempt's backoff",
    "caas.service_layer.activation.sweep": "activations whose lease ran out",
}
ISO_INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(?P<offset>Z|[+-]\d\d:\d\d)?$")


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[1:] if parts[0] == "platform" else parts)


def _calls(path: Path, module: str | None = None):
    """``(qualified function, callee)`` of every call in the file."""
    found, module = [], module or _module(path)

    class Visitor(ast.NodeVisitor):
        def __init__(self):
            self.stack = []

        def scope(self, node):
            self.stack.append(node.name)
            self.generic_visit(node)
            self.stack.pop()
        visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = scope

        def visit_Call(self, node):
            where = ".".join([module, *self.stack])
            callee = node.func
            if isinstance(callee, ast.Attribute) and isinstance(callee.value, ast.Name):
                found.append((where, (callee.value.id, callee.attr)))
            elif isinstance(callee, ast.Name):
                found.append((where, callee.id))
            self.generic_visit(node)

    Visitor().visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def test_only_the_clock_module_reads_the_time():
    offenders = [f"{where}: {'.'.join(callee)}()" for path in SOURCES
                 if _module(path) != "caas.clock"
                 for where, callee in _calls(path) if callee in FORBIDDEN]
    assert offenders == [], "read the time through caas.clock: " + ", ".join(offenders)


def test_only_infrastructure_reads_the_real_time():
    def allowed(where: str) -> bool:
        return where in REAL_TIME or any(
            name.endswith("*") and where.startswith(name[:-1]) for name in REAL_TIME)
    offenders = [where for path in SOURCES for where, callee in _calls(path)
                 if callee in ("wall_now", "wall_time") and not allowed(where)]
    assert offenders == [], ("business time comes from the tenant's clock (uow.now()); "
                             "real time only where tests/integration/test_clock.py allows it: "
                             + ", ".join(offenders))


def test_the_reading_of_the_source_sees_what_the_rules_forbid(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("import time\nfrom datetime import datetime\n\n"
                      "class Order:\n    def stamp(self):\n"
                      "        return datetime.now(), time.time(), wall_now()\n")
    assert _calls(sneaky, "caas.sneaky") == [
        ("caas.sneaky.Order.stamp", ("datetime", "now")),
        ("caas.sneaky.Order.stamp", ("time", "time")),
        ("caas.sneaky.Order.stamp", "wall_now")]


# --- the tenant's clock, through the API --------------------------------------------------

def _instants(value, path="$"):
    """Every ``(path, string)`` in a JSON value that is written like a date and time."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _instants(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _instants(item, f"{path}[{index}]")
    elif isinstance(value, str) and ISO_INSTANT.match(value):
        yield path, value


def _aware(*answers) -> list[datetime]:
    """The instants of the answers, each required to carry its UTC offset."""
    found = []
    for answer in answers:
        for path, text in _instants(answer):
            assert ISO_INSTANT.match(text).group("offset"), f"{path} = {text} has no time zone"
            found.append(datetime.fromisoformat(text.replace("Z", "+00:00")))
    return found


@pytest.fixture
def ahead(shop, operator):
    """The shop's clock, moved 100 days ahead of the real time; returns its time then."""
    answer = operator.post(f"/sandbox/clock/{shop.slug}/advance", json={"days": 100})
    assert answer.status_code == 200, answer.json
    return datetime.fromisoformat(operator.get(f"/sandbox/clock/{shop.slug}").json["now"])


def test_a_sale_its_payments_and_its_audit_are_stamped_with_the_tenants_time(shop, ahead):
    order = sell(shop)["order"]
    answer = shop.employee.post(f"/api/v1/orders/{order['id']}/reservation-payment",
                                json={"card_token": "tok_ok"})
    assert answer.status_code == 200, answer.json
    audit = shop.admin.get("/api/v1/audit?action=order.&page_size=50").json
    instants = _aware(answer.json, audit)
    assert instants and min(instants) >= ahead - timedelta(minutes=1), instants


def test_a_boost_expires_thirty_tenant_days_after_its_activation(owned, ahead, drain):
    buyer, vin = owned
    bought = buyer.post(f"/api/v1/vehicles/{vin}/services",
                        json={"option": "performance_boost", "card_token": "tok_ok"})
    assert bought.status_code == 202, bought.json
    drain()
    service = buyer.get(f"/api/v1/services/{bought.json['id']}").json
    _aware(service)
    created, activated, expires = (datetime.fromisoformat(service[key]) for key in
                                   ("created_at", "activated_at", "expires_at"))
    assert ahead - timedelta(minutes=1) <= created <= activated
    assert expires - activated == timedelta(days=30) and expires > created


def test_the_withdrawal_period_counts_tenant_days(shop, owned, operator, client, mailbox, drain):
    buyer, vin = owned
    bought = buyer.post(f"/api/v1/vehicles/{vin}/services",
                        json={"option": "heated_seats", "card_token": "tok_ok"})
    drain()
    assert operator.post(f"/sandbox/clock/{shop.slug}/advance",
                         json={"days": 57}).status_code == 200
    email = buyer.get("/api/v1/me").json["email"]
    refused = customer_login(client, mailbox, shop, email).post(
        f"/api/v1/services/{bought.json['id']}/withdrawal")
    assert refused.status_code == 409 and refused.json["reason"] == "window_over"


def test_every_instant_of_the_customers_record_has_a_time_zone(shop, owned, ahead, drain):
    buyer, vin = owned
    buyer.post(f"/api/v1/vehicles/{vin}/services",
               json={"option": "heated_seats", "card_token": "tok_ok"})
    drain()
    _aware(buyer.get("/api/v1/me/expediente").json, buyer.get("/api/v1/notifications").json,
           buyer.get(f"/api/v1/vehicles/{vin}/services").json,
           shop.employee.get("/api/v1/support/tickets").json,
           shop.admin.get("/api/v1/billing/runs").json)

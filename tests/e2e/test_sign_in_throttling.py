"""Sign-in throttling: guessing is slowed per account and per client address, yet nobody's
failures keep a person out of a device they signed in from (OWASP's authentication guidance).

The wall clock is frozen and moved by hand, so delays are exact and no test sleeps.
"""
from __future__ import annotations

import base64
import itertools
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import jwt
import pytest
import time_machine

from caas.entrypoints.worker import broker as broker_module
from caas.service_layer.users import create_operator, provision_user
from caas.tenancy import tenant_context
from tests.support.api import ADMIN_PASSWORD, OPERATOR_PASSWORD
from tests.support.platform import build_app

TOKEN = "/api/v1/auth/token"
#: Small enough to reach in a test; the delays start after 3 failures at 1 s (the defaults).
LIMITS = {"CAAS_LOGIN_ADDRESS_MAX_FAILURES": 6, "CAAS_LOGIN_MAX_DELAY_SECONDS": 8}


def sign_in(client, email, password, tenant=None, address="192.0.2.1", device=None,
            forwarded=None):
    headers = {"X-Tenant": tenant} if tenant else {}
    if device:
        headers["X-Device-Token"] = device
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    return client.post(TOKEN, json={"email": email, "password": password}, headers=headers,
                       environ_base={"REMOTE_ADDR": address})


def statuses(responses) -> list[int]:
    return [response.status_code for response in responses]


def assert_throttled(response, retry_after: int | None = None) -> None:
    assert response.status_code == 429, response.json
    assert response.json["code"] == 429 and response.json["status"] == "Too Many Requests"
    assert response.json["message"]
    assert "access_token" not in response.json and "device_token" not in response.json
    if retry_after is not None:
        assert response.headers["Retry-After"] == str(retry_after)


@pytest.fixture
def clock():
    """The wall clock, frozen; ``clock.shift(seconds)`` moves it on."""
    with time_machine.travel(datetime.now(timezone.utc), tick=False) as traveller:
        yield traveller


@pytest.fixture
def limits(app, monkeypatch):
    for key, value in LIMITS.items():
        monkeypatch.setitem(app.config, key, value)


@pytest.fixture
def second_process(app, tmp_path):
    """Builds another platform process over the same databases, as another web worker."""
    def build(**overrides):
        other = build_app(tmp_path, CAAS_DATABASE_URL=app.config["CAAS_DATABASE_URL"],
                          CAAS_TENANT_DATABASE_URL=app.config["CAAS_TENANT_DATABASE_URL"],
                          **{**LIMITS, **overrides})
        # Building an app binds this process's job broker to it: give it back.
        broker_module.setup(app)
        return other
    return build


def new_operator(platform) -> str:
    email = f"op-{uuid.uuid4().hex[:8]}@caas.test"
    create_operator(platform, email, OPERATOR_PASSWORD)
    return email


# --- per account: delays, never a lockout --------------------------------------------


def test_an_account_waits_longer_after_each_failure_and_its_password_is_not_checked_meanwhile(
        tenant, client, clock, limits):
    email, slug = f"employee@{tenant.slug}.test", tenant.slug
    addresses = (f"203.0.113.{n}" for n in itertools.count(1))  # guesses from many machines

    def guess():
        return sign_in(client, email, "wrong-password", slug, address=next(addresses))

    def owner():
        return sign_in(client, email, ADMIN_PASSWORD, slug, address="198.51.100.1")

    assert statuses(guess() for _ in range(3)) == [401] * 3
    # Within the delay even the right password is refused: guessing gains nothing.
    assert_throttled(owner(), retry_after=1)
    for delay in (1, 2, 4, 8):
        clock.shift(delay)
        assert guess().status_code == 401
        assert_throttled(owner(), retry_after=min(2 * delay, 8))  # at most the maximum
    clock.shift(7)
    assert_throttled(guess(), retry_after=1)
    # Refused attempts count for nothing, not even against their address (its limit is 6).
    assert statuses(owner() for _ in range(6)) == [429] * 6
    # Once the wait is over the owner gets in, and their account's count starts again.
    clock.shift(1)
    assert owner().status_code == 200
    assert statuses(guess() for _ in range(3)) == [401] * 3
    assert_throttled(owner(), retry_after=1)


def test_an_accounts_failures_are_forgotten_a_day_after_the_last(tenant, client, clock):
    email, slug = f"employee@{tenant.slug}.test", tenant.slug
    assert statuses(sign_in(client, email, "wrong-password", slug) for _ in range(3)) == [401] * 3
    clock.shift(86400 - 1)
    assert sign_in(client, email, "wrong-password", slug).status_code == 401
    assert_throttled(sign_in(client, email, ADMIN_PASSWORD, slug), retry_after=2)
    clock.shift(86400)
    assert statuses(sign_in(client, email, "wrong-password", slug) for _ in range(3)) == [401] * 3
    assert_throttled(sign_in(client, email, ADMIN_PASSWORD, slug), retry_after=1)


def test_a_targeted_run_does_not_keep_the_owner_out_of_a_known_device(tenant, client, clock,
                                                                      limits):
    owner, slug, home = f"employee@{tenant.slug}.test", tenant.slug, "198.51.100.7"
    phone = sign_in(client, owner, ADMIN_PASSWORD, slug, address=home).json["device_token"]
    # The attacker guesses from many addresses; the account makes each guess wait.
    guesses = [sign_in(client, owner, f"guess-{n}", slug, address=f"203.0.113.{n}")
               for n in range(1, 6)]
    assert statuses(guesses) == [401, 401, 401, 429, 429]
    # The owner's phone signs in at once with the right password...
    signed_in = sign_in(client, owner, ADMIN_PASSWORD, slug, address=home, device=phone)
    assert signed_in.status_code == 200 and signed_in.json["role"] == "employee"
    renewed = signed_in.json["device_token"]
    assert sign_in(client, owner, ADMIN_PASSWORD, slug, address=home,
                   device=renewed).status_code == 200
    # ...while without its device token the owner waits like anyone, and the phone's
    # sign-in gave the attacker no fresh guesses.
    assert_throttled(sign_in(client, owner, ADMIN_PASSWORD, slug, address=home), retry_after=1)
    assert_throttled(sign_in(client, owner, "guess-6", slug, address="203.0.113.6"))
    # A wrong password from the phone is still wrong.
    assert sign_in(client, owner, "guess-7", slug, address=home, device=phone).status_code == 401


def test_failures_with_a_device_token_count_against_that_device_only(tenant, client, clock,
                                                                      limits):
    owner, slug = f"employee@{tenant.slug}.test", tenant.slug
    laptop = sign_in(client, owner, ADMIN_PASSWORD, slug).json["device_token"]
    tablet = sign_in(client, owner, ADMIN_PASSWORD, slug).json["device_token"]
    assert laptop != tablet
    failures = [sign_in(client, owner, "wrong-password", slug, device=laptop) for _ in range(3)]
    assert statuses(failures) == [401] * 3
    assert_throttled(sign_in(client, owner, ADMIN_PASSWORD, slug, device=laptop), retry_after=1)
    # Neither the account nor the owner's other device waits for the laptop's failures.
    assert sign_in(client, owner, ADMIN_PASSWORD, slug, device=tablet).status_code == 200
    assert sign_in(client, owner, ADMIN_PASSWORD, slug).status_code == 200
    # Nor did they count against the address: six stuffing attempts still get an answer.
    stuffing = [sign_in(client, f"victim{n}@x.test", "Summer2024!", slug) for n in range(6)]
    assert statuses(stuffing) == [401] * 6


def test_a_forged_expired_or_other_accounts_device_token_gives_no_bypass(
        app, make_tenant, client, clock, monkeypatch):
    first, second = make_tenant("ES"), make_tenant("ES")
    owner = f"employee@{first.slug}.test"
    # The same email with an account in the second tenant, and an operator.
    with tenant_context(second.tenant):
        provision_user(app.extensions["caas"].for_tenant(second.tenant), email=owner, role="employee",
                       name="Namesake", password=ADMIN_PASSWORD)
    operator = new_operator(app.extensions["caas"])
    monkeypatch.setitem(app.config, "CAAS_DEVICE_TOKEN_TTL_SECONDS", 60)
    own = sign_in(client, owner, ADMIN_PASSWORD, first.slug).json
    colleague = sign_in(client, f"admin@{first.slug}.test", ADMIN_PASSWORD, first.slug).json
    namesake = sign_in(client, owner, ADMIN_PASSWORD, second.slug).json
    operators = sign_in(client, operator, OPERATOR_PASSWORD).json
    header, payload, signature = own["device_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = jwt.encode(claims, "another-secret-that-is-long-enough-for-hs256", algorithm="HS256")
    as_admin = base64.urlsafe_b64encode(json.dumps(
        {**claims, "sub": str(jwt.decode(colleague["device_token"], options={
            "verify_signature": False})["sub"])}).encode()).decode().rstrip("=")
    tampered = f"{header}.{as_admin}.{signature}"

    monkeypatch.setitem(app.config, "CAAS_LOGIN_DELAY_SECONDS", 600)
    attack = [sign_in(client, owner, f"guess-{n}", first.slug, address="203.0.113.9")
              for n in range(3)]
    assert statuses(attack) == [401] * 3
    for token in (forged, tampered, colleague["device_token"], namesake["device_token"],
                  operators["device_token"], own["access_token"], "not-a-token", "x" * 5000):
        assert_throttled(sign_in(client, owner, ADMIN_PASSWORD, first.slug, device=token),
                         retry_after=600)
    assert sign_in(client, owner, ADMIN_PASSWORD, first.slug,
                   device=own["device_token"]).status_code == 200
    clock.shift(61)
    assert_throttled(sign_in(client, owner, ADMIN_PASSWORD, first.slug,
                             device=own["device_token"]), retry_after=539)


# --- per address: a high limit, counted apart ------------------------------------------


def test_credential_stuffing_from_one_address_is_slowed_while_the_office_signs_in(
        tenant, client, clock, limits):
    office, slug = "198.51.100.20", tenant.slug
    employee, admin = f"employee@{slug}.test", f"admin@{slug}.test"
    # A morning at the office: genuine sign-ins are not failures and count for nothing.
    morning = [sign_in(client, person, ADMIN_PASSWORD, slug, address=office)
               for person in (employee, admin) * 4]
    assert statuses(morning) == [200] * 8
    desk = morning[0].json["device_token"]
    # A machine in the office tries leaked passwords on many accounts.
    stuffing = [sign_in(client, f"victim{n}@x.test", "Summer2024!", slug, address=office)
                for n in range(10)]
    assert statuses(stuffing) == [401] * 6 + [429] * 4
    assert_throttled(stuffing[-1], retry_after=900)
    # The employee at a desk that signed in before still gets in; the address waits for
    # anyone else, and other addresses do not.
    assert sign_in(client, employee, ADMIN_PASSWORD, slug, address=office,
                   device=desk).status_code == 200
    assert_throttled(sign_in(client, admin, ADMIN_PASSWORD, slug, address=office))
    assert sign_in(client, admin, ADMIN_PASSWORD, slug, address="198.51.100.21").status_code == 200
    clock.shift(900)
    assert sign_in(client, "victim-late@x.test", "Summer2024!", slug,
                   address=office).status_code == 401


def test_a_good_sign_in_makes_no_room_for_more_guesses(tenant, client, clock, limits):
    address, slug = "198.51.100.30", tenant.slug
    for n in range(6):
        # An attacker interleaving their own good sign-in between guesses gains nothing.
        assert sign_in(client, f"victim{n}@x.test", "Summer2024!", slug,
                       address=address).status_code == 401
        assert sign_in(client, f"admin@{slug}.test", ADMIN_PASSWORD, slug,
                       address=address).status_code == (200 if n < 5 else 429)
    assert_throttled(sign_in(client, "victim9@x.test", "Summer2024!", slug, address=address))


def test_an_ipv6_client_is_counted_by_its_64_prefix(tenant, client, clock, limits):
    guesses = [sign_in(client, f"victim{n}@x.test", "Summer2024!", tenant.slug,
                       address=f"2001:db8:7:7::{n:x}") for n in range(1, 8)]
    assert statuses(guesses) == [401] * 6 + [429]
    assert sign_in(client, f"admin@{tenant.slug}.test", ADMIN_PASSWORD, tenant.slug,
                   address="2001:db8:7:8::1").status_code == 200


# --- proxies ---------------------------------------------------------------------------


def test_x_forwarded_for_is_ignored_without_trusted_proxies(tenant, client, clock, limits):
    slug = tenant.slug
    # Each attempt claims another client; all come from one address, which is what counts.
    guesses = [sign_in(client, f"victim{n}@x.test", "Summer2024!", slug, address="192.0.2.50",
                       forwarded=f"203.0.113.{n}") for n in range(6)]
    assert statuses(guesses) == [401] * 6
    assert_throttled(sign_in(client, f"admin@{slug}.test", ADMIN_PASSWORD, slug,
                             address="192.0.2.50", forwarded="203.0.113.200"))


def test_behind_a_trusted_proxy_the_client_is_the_address_it_forwards(tenant, clock,
                                                                      second_process):
    proxied = second_process(CAAS_TRUSTED_PROXIES=1).test_client()
    slug, proxy = tenant.slug, "10.0.0.1"
    # The client wrote the left entry itself; the proxy appended the address it saw.
    guesses = [sign_in(proxied, f"victim{n}@x.test", "Summer2024!", slug, address=proxy,
                       forwarded=f"192.0.2.{n}, 203.0.113.7") for n in range(6)]
    assert statuses(guesses) == [401] * 6
    assert_throttled(sign_in(proxied, f"admin@{slug}.test", ADMIN_PASSWORD, slug,
                             address=proxy, forwarded="203.0.113.7"))
    assert sign_in(proxied, f"admin@{slug}.test", ADMIN_PASSWORD, slug, address=proxy,
                   forwarded="203.0.113.8").status_code == 200
    # A header that names no address is one client, "unknown"; never a server error.
    assert sign_in(proxied, f"admin@{slug}.test", ADMIN_PASSWORD, slug, address=proxy,
                   forwarded="not-an-address").status_code == 200


# --- every process, both planes ---------------------------------------------------------


def test_counters_are_shared_by_processes(app, tenant, clock, limits, second_process):
    processes = [app.test_client(), second_process().test_client()]
    slug, owner = tenant.slug, f"employee@{tenant.slug}.test"
    # A targeted run spread over two web processes is one run.
    attempts = [sign_in(processes[n % 2], owner, f"guess-{n}", slug, address=f"203.0.113.{n}")
                for n in range(4)]
    assert statuses(attempts) == [401, 401, 401, 429]
    # So is stuffing from one address.
    stuffing = [sign_in(processes[n % 2], f"victim{n}@x.test", "Summer2024!", slug,
                        address="198.51.100.40") for n in range(7)]
    assert statuses(stuffing) == [401] * 6 + [429]
    # And so are an operator's failures, counted in the control plane.
    operator = new_operator(app.extensions["caas"])
    attempts = [sign_in(processes[n % 2], operator, f"guess-{n}", address=f"203.0.113.{110 + n}")
                for n in range(4)]
    assert statuses(attempts) == [401, 401, 401, 429]


def test_operators_have_the_same_protection(app, client, clock, limits):
    operator = new_operator(app.extensions["caas"])
    console = sign_in(client, operator, OPERATOR_PASSWORD, address="198.51.100.50").json
    guesses = [sign_in(client, operator, f"guess-{n}", address=f"203.0.113.{120 + n}")
               for n in range(4)]
    assert statuses(guesses) == [401, 401, 401, 429]
    assert_throttled(sign_in(client, operator, OPERATOR_PASSWORD, address="198.51.100.50"))
    signed_in = sign_in(client, operator, OPERATOR_PASSWORD, address="198.51.100.50",
                        device=console["device_token"])
    assert signed_in.status_code == 200 and signed_in.json["role"] == "operator"
    stuffing = [sign_in(client, f"op-victim{n}@caas.test", "Summer2024!",
                        address="198.51.100.51") for n in range(7)]
    assert statuses(stuffing) == [401] * 6 + [429]


def test_concurrent_attempts_never_slip_past_an_allowance(app, tenant, clock, limits):
    def attempt(email, address):
        return app.test_client().post(TOKEN, headers={"X-Tenant": tenant.slug},
                                      json={"email": email, "password": "wrong-one-1"},
                                      environ_base={"REMOTE_ADDR": address})

    with ThreadPoolExecutor(max_workers=6) as pool:
        on_one_account = list(pool.map(lambda n: attempt("racer@x.test", f"203.0.113.{n}"),
                                       range(6)))
        from_one_address = list(pool.map(lambda n: attempt(f"racer{n}@x.test", "198.51.100.60"),
                                         range(9)))
    # Exactly the allowance had its password checked, whichever attempts won the race.
    assert sorted(statuses(on_one_account)) == [401] * 3 + [429] * 3
    assert_throttled(attempt("racer@x.test", "203.0.113.99"), retry_after=1)
    assert sorted(statuses(from_one_address)) == [401] * 6 + [429] * 3


def test_the_token_response_and_its_device_header_are_documented(client):
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/auth/token"]["post"]
    assert "X-Device-Token" in [parameter["name"] for parameter in operation["parameters"]]
    assert "429" in operation["responses"]
    assert "device_token" in spec["components"]["schemas"]["Token"]["properties"]

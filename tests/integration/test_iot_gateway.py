"""The IoT API's sandbox and the platform's client for it, spoken to over HTTP only."""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import httpx
import pybreaker
import pytest

from caas.adapters.http.iot import IotClient
from caas.service_layer.gateways import (CommandFailed, CommandTimedOut, IotRejected,
                                        IotUnavailable)
from caas.sandboxes import faults
from caas.sandboxes.iot import COMMAND_SCHEMA, ECU_REJECTED, EXPIRED, IotSandbox, validate_command
from tests.support.http_doubles import Counting, TimesOut, raw_client, system_down

BASE_URL = "http://iot.sandbox"
VIN = "VSSZZZ1AZRA000001"
OTHER_VIN = "VSSZZZ1AZRA000002"


class FakeTime:
    """A monotonic clock that only moves when slept on."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def sandbox():
    return IotSandbox(seed=7)


def client_for(app, **kwargs) -> IotClient:
    return IotClient(BASE_URL, transport=httpx.WSGITransport(app=app), **kwargs)


@pytest.fixture
def iot(sandbox):
    client = client_for(sandbox.wsgi)
    yield client
    client.close()


@pytest.fixture
def raw(sandbox):
    """A bare HTTP client, to see the API's answers as they are."""
    with raw_client(BASE_URL, sandbox.wsgi) as client:
        yield client


@pytest.fixture
def iot_down():
    with system_down("iot"):
        yield


@pytest.fixture
def fake_time():
    return FakeTime()


def run(client: IotClient, fake: FakeTime, command_id: str, settings: dict | None = None,
        vin: str = VIN, timeout_seconds: float = 1.0):
    return client.run(vin, command_id, settings or {"heated_seats": True},
                      timeout_seconds=timeout_seconds, sleep=fake.sleep, clock=fake.clock)


# -- behaviours --

def test_ok_command_is_accepted_pending_then_succeeds(sandbox, iot):
    sent = iot.send(VIN, "cmd-1", {"heated_seats": True, "seat.level": 3})

    assert (sent.id, sent.vin, sent.status, sent.error, sent.completed_at) == (
        "cmd-1", VIN, "pending", None, None)
    assert sent.created_at.tzinfo is not None
    done = iot.result("cmd-1")
    assert (done.status, done.error) == ("succeeded", None)
    assert done.created_at == sent.created_at <= done.completed_at
    assert iot.result("cmd-1") == done
    [stored] = sandbox.commands(VIN)
    assert stored["settings"] == {"heated_seats": True, "seat.level": 3}
    assert stored["type"] == "configure" and stored["status"] == "succeeded"


def test_run_returns_the_succeeded_command_without_sleeping(iot, fake_time):
    command = run(iot, fake_time, "cmd-1")

    assert command.status == "succeeded" and command.id == "cmd-1"
    assert fake_time.sleeps == []


def test_fail_vehicle_reports_an_ecu_error(sandbox, iot, fake_time):
    sandbox.set_behaviour(VIN, "fail")

    with pytest.raises(CommandFailed) as failed:
        run(iot, fake_time, "cmd-1")

    assert failed.value.error == ECU_REJECTED == "ECU rejected configuration"
    assert failed.value.command.status == "failed" and failed.value.command.completed_at
    assert iot.result("cmd-1").error == ECU_REJECTED
    status = iot.vehicle_status(VIN)
    assert status.configuration == {} and status.last_error == ECU_REJECTED and status.online


def test_timeout_vehicle_never_answers_and_run_gives_up_at_the_deadline(sandbox, fake_time):
    sandbox.set_behaviour(VIN, "timeout")
    counted = Counting(sandbox.wsgi)
    client = client_for(counted, poll_interval=0.125)
    started = fake_time.now

    with pytest.raises(CommandTimedOut) as timed_out:
        run(client, fake_time, "cmd-1", timeout_seconds=0.5)

    assert timed_out.value.command.status == "pending"
    assert fake_time.now - started == 0.5
    assert fake_time.sleeps == [0.125] * 4  # polled every poll_interval
    assert counted.calls == 1 + 1 + 4  # send, an immediate read, then one read after each sleep
    assert client.result("cmd-1").status == "pending"
    assert sandbox.vehicle(VIN)["configuration"] == {}
    client.close()


def test_run_never_sleeps_past_the_deadline(sandbox, fake_time):
    sandbox.set_behaviour(VIN, "timeout")
    client = client_for(sandbox.wsgi, poll_interval=0.4)

    with pytest.raises(CommandTimedOut):
        run(client, fake_time, "cmd-1", timeout_seconds=1.0)

    assert fake_time.sleeps == [pytest.approx(0.4), pytest.approx(0.4), pytest.approx(0.2)]
    client.close()


def test_pending_vehicle_waits_for_complete(sandbox, iot, fake_time):
    sandbox.set_behaviour(VIN, "pending")
    with pytest.raises(CommandTimedOut):
        run(iot, fake_time, "cmd-1", {"navigation": "premium"})

    completed = sandbox.complete("cmd-1", "succeeded")

    assert completed["status"] == "succeeded" and completed["completed_at"]
    assert iot.result("cmd-1").status == "succeeded"
    assert iot.vehicle_status(VIN).configuration == {"navigation": "premium"}
    with pytest.raises(ValueError):
        sandbox.complete("cmd-1", "failed")
    with pytest.raises(KeyError):
        sandbox.complete("cmd-nope", "succeeded")


def test_complete_can_fail_a_pending_command_with_its_error(sandbox, iot, fake_time):
    sandbox.set_behaviour(VIN, "pending")
    iot.send(VIN, "cmd-1", {"a": 1})
    iot.send(VIN, "cmd-2", {"b": 2})

    sandbox.complete("cmd-1", "failed", "modem reset during update")
    sandbox.complete("cmd-2", "failed")

    assert iot.result("cmd-1").error == "modem reset during update"
    assert iot.result("cmd-2").error == ECU_REJECTED
    with pytest.raises(ValueError):
        sandbox.complete("cmd-1", "done")
    # A run resumed with the same id finds the command failed at once.
    with pytest.raises(CommandFailed):
        run(iot, fake_time, "cmd-1", {"a": 1})
    assert fake_time.sleeps == []


def test_run_resolves_a_pending_command_completed_while_polling(sandbox, iot):
    sandbox.set_behaviour(VIN, "pending")
    fake = FakeTime()

    def sleep(seconds):
        fake.sleep(seconds)
        if len(fake.sleeps) == 3:
            sandbox.complete("cmd-1", "succeeded")

    command = iot.run(VIN, "cmd-1", {"a": True}, timeout_seconds=5, sleep=sleep, clock=fake.clock)

    assert command.status == "succeeded" and len(fake.sleeps) == 3


def test_offline_vehicle_refuses_new_commands_as_unavailable(sandbox, iot):
    iot.send(VIN, "cmd-1", {"a": True})
    sandbox.set_behaviour(VIN, "offline")

    with pytest.raises(IotUnavailable) as refused:
        iot.send(VIN, "cmd-2", {"a": False})

    assert refused.value.code == "vehicle_offline"
    assert [command["command_id"] for command in sandbox.commands()] == ["cmd-1"]
    status = iot.vehicle_status(VIN)
    assert status.online is False and status.configuration == {"a": True}
    # The command it already has is still its own.
    assert iot.send(VIN, "cmd-1", {"a": True}).status == "succeeded"
    sandbox.set_behaviour(VIN, "ok")
    assert iot.send(VIN, "cmd-2", {"a": False}).status == "pending"
    assert iot.vehicle_status(VIN).configuration == {"a": False}


def test_behaviour_applies_to_the_commands_accepted_under_it(sandbox, iot):
    sandbox.set_behaviour(VIN, "fail")
    iot.send(VIN, "cmd-1", {"a": 1})
    sandbox.set_behaviour(VIN, "ok")

    assert iot.result("cmd-1").status == "failed"
    assert iot.send(VIN, "cmd-2", {"a": 2}) and iot.result("cmd-2").status == "succeeded"
    assert sandbox.behaviour(VIN) == "ok" and sandbox.behaviour(OTHER_VIN) == "ok"
    with pytest.raises(ValueError):
        sandbox.set_behaviour(VIN, "broken")


# -- idempotency and validation --

def test_same_command_id_returns_the_existing_command(sandbox, iot, raw):
    first = iot.send(VIN, "cmd-1", {"heated_seats": True, "level": 2})
    again = iot.send(VIN, "cmd-1", {"level": 2, "heated_seats": True})

    assert again.id == first.id and again.created_at == first.created_at
    assert len(sandbox.commands()) == 1
    body = {"command_id": "cmd-1", "type": "configure", "settings": {"heated_seats": True, "level": 2}}
    replay = raw.post(f"/v1/vehicles/{VIN}/commands", json=body)
    assert replay.status_code == 200 and replay.json()["command_id"] == "cmd-1"
    fresh = raw.post(f"/v1/vehicles/{VIN}/commands", json={**body, "command_id": "cmd-2"})
    assert fresh.status_code == 202
    assert fresh.json() | {"created_at": ""} == {"command_id": "cmd-2", "vin": VIN, "status": "pending",
                                                 "error": None, "created_at": "",
                                                 "completed_at": None}
    assert len(sandbox.commands()) == 2


@pytest.mark.parametrize(("vin", "settings"), [
    (VIN, {"heated_seats": False}),
    (VIN, {"heated_seats": 1}),  # true and 1 are different settings
    (OTHER_VIN, {"heated_seats": True}),
])
def test_reusing_a_command_id_for_another_command_is_refused(sandbox, iot, vin, settings):
    iot.send(VIN, "cmd-1", {"heated_seats": True})

    with pytest.raises(IotRejected) as conflict:
        iot.send(vin, "cmd-1", settings)

    assert (conflict.value.status, conflict.value.code) == (409, "command_conflict")
    assert len(sandbox.commands()) == 1


def test_invalid_settings_are_rejected_and_never_retried(sandbox):
    counted = Counting(sandbox.wsgi)
    client = client_for(counted, breaker=pybreaker.CircuitBreaker(fail_max=1, reset_timeout=60))

    with pytest.raises(IotRejected) as rejected:
        client.run(VIN, "cmd-1", {"Heated Seats": True, "ok": [1]}, timeout_seconds=1)

    assert (rejected.value.status, rejected.value.code) == (422, "invalid_command")
    assert len(rejected.value.messages) == 2
    assert any("Heated Seats" in message for message in rejected.value.messages)
    assert any(message.startswith("settings.ok") for message in rejected.value.messages)
    assert counted.calls == 1 and sandbox.commands() == []
    client.close()


VALID = {"command_id": "act_42-A", "type": "configure",
         "settings": {"heated_seats": True, "climate.max_temp": 28.5, "level": 3, "mode": "eco"},
         "valid_until": "2030-01-31T12:00:00Z"}


INVALID = [
    ({"command_id": ""}, "command_id"),
    ({"command_id": "x" * 65}, "command_id"),
    ({"command_id": "has space"}, "command_id"),
    ({"command_id": 42}, "command_id"),
    ({"type": "reboot"}, "type"),
    ({"settings": {}}, "settings"),
    ({"settings": {f"k{n}": n for n in range(21)}}, "settings"),
    ({"settings": {"Upper": 1}}, "Upper"),
    ({"settings": {"k" * 65: 1}}, "settings"),
    ({"settings": {"dash-key": 1}}, "dash-key"),
    ({"settings": {"nested": {"a": 1}}}, "settings.nested"),
    ({"settings": {"nothing": None}}, "settings.nothing"),
    ({"settings": ["a"]}, "settings"),
    ({"valid_until": "2030-01-31T12:00:00"}, "valid_until"),  # no zone
    ({"valid_until": "2030-01-31T13:00:00+01:00"}, "valid_until"),  # not UTC
    ({"valid_until": "2030-01-31"}, "valid_until"),
    ({"valid_until": None}, "valid_until"),
    ({"priority": "high"}, "priority"),
]


@pytest.mark.parametrize(("changes", "fragment"), INVALID)
def test_validate_command_names_what_is_wrong(changes, fragment):
    errors = validate_command({**VALID, **changes})

    assert len(errors) == 1 and fragment in errors[0], errors


def test_validate_command_accepts_the_documented_shapes():
    assert validate_command(VALID) == []
    assert validate_command({**VALID, "valid_until": "2030-01-31T12:00:00.250+00:00"}) == []
    minimal = {key: VALID[key] for key in ("command_id", "type")} | {"settings": {"a": False}}
    assert validate_command(minimal) == []
    assert validate_command({**VALID, "settings": {f"k.{n}": n for n in range(20)}}) == []
    assert validate_command([]) == ["the body must be a JSON object"]
    assert {message.split(":")[0] for message in validate_command({})} == {"command_id", "type",
                                                                         "settings"}
    assert validate_command({**VALID, "settings": {"x": float("nan")}}) == [
        "settings.x: must be a finite number"]


def test_the_schema_documents_the_same_rules():
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(
        COMMAND_SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    validator.check_schema(COMMAND_SCHEMA)
    # Dates are left out: the schema cannot say "UTC only", and checks formats only when it can.
    bodies = [VALID, {key: value for key, value in VALID.items() if key != "type"}]
    bodies += [{**VALID, **changes} for changes, _ in INVALID if "valid_until" not in changes]
    for body in bodies:
        assert validator.is_valid(body) == (validate_command(body) == []), body


def test_malformed_bodies_are_refused(raw, sandbox):
    not_json = raw.post(f"/v1/vehicles/{VIN}/commands", content=b"{",
                        headers={"Content-Type": "application/json"})
    empty = raw.post(f"/v1/vehicles/{VIN}/commands")

    assert not_json.status_code == 400 and not_json.json()["error"]["code"] == "invalid_json"
    assert empty.status_code == 422
    assert empty.json()["error"]["messages"] == ["the body must be a JSON object"]
    assert sandbox.commands() == []


def test_unknown_command_is_rejected(iot, raw):
    with pytest.raises(IotRejected) as unknown:
        iot.result("cmd-nope")

    assert (unknown.value.status, unknown.value.code) == (404, "not_found")
    assert raw.get("/v1/nothing").json()["error"]["code"] == "not_found"


# -- vehicle status --

def test_status_reflects_the_applied_configuration(iot):
    iot.send(VIN, "cmd-1", {"heated_seats": True, "navigation": "premium"})
    iot.send(VIN, "cmd-2", {"heated_seats": False, "autopilot.level": 2})

    status = iot.vehicle_status(VIN)  # reading the status collects both answers, in order

    assert status.vin == VIN and status.online is True
    assert status.configuration == {"heated_seats": False, "navigation": "premium", "autopilot.level": 2}
    assert status.last_error is None and status.last_seen.tzinfo is not None
    assert re.fullmatch(r"\d+\.\d+\.\d+", status.firmware)
    assert [iot.result(f"cmd-{n}").status for n in (1, 2)] == ["succeeded", "succeeded"]


def test_commands_apply_in_the_order_they_were_sent(iot):
    iot.send(VIN, "cmd-1", {"heated_seats": True})
    iot.send(VIN, "cmd-2", {"heated_seats": False})

    assert iot.result("cmd-2").status == "succeeded"  # read first, applied last

    assert iot.vehicle_status(VIN).configuration == {"heated_seats": False}
    assert iot.result("cmd-1").completed_at <= iot.result("cmd-2").completed_at


def test_an_unknown_vin_is_a_fresh_online_vehicle(sandbox, iot):
    status = iot.vehicle_status(OTHER_VIN)

    assert (status.online, status.configuration, status.last_error) == (True, {}, None)
    assert sandbox.vehicle(OTHER_VIN)["firmware"] == IotSandbox().vehicle(OTHER_VIN)["firmware"]
    assert sandbox.commands(OTHER_VIN) == []


def test_last_error_is_cleared_by_a_later_success(sandbox, iot):
    sandbox.set_behaviour(VIN, "fail")
    iot.send(VIN, "cmd-1", {"a": True})
    assert iot.vehicle_status(VIN).last_error == ECU_REJECTED
    sandbox.set_behaviour(VIN, "ok")
    iot.send(VIN, "cmd-2", {"a": True})

    assert iot.vehicle_status(VIN).last_error is None


# -- valid_until --

def test_a_pending_command_expires_after_valid_until(sandbox, iot):
    sandbox.set_behaviour(VIN, "pending")
    past = datetime.now(timezone.utc) - timedelta(seconds=1)
    iot.send(VIN, "cmd-1", {"a": True}, valid_until=past)
    iot.send(VIN, "cmd-2", {"a": True}, valid_until=datetime.now(timezone.utc) + timedelta(hours=1))

    expired = iot.result("cmd-1")

    assert (expired.status, expired.error) == ("failed", EXPIRED)
    with pytest.raises(ValueError):
        sandbox.complete("cmd-1", "succeeded")
    assert iot.result("cmd-2").status == "pending"
    assert sandbox.commands(VIN)[0]["valid_until"].endswith("Z")


def test_an_ok_vehicle_applies_a_command_before_valid_until_is_checked(sandbox, iot):
    iot.send(VIN, "cmd-1", {"a": True}, valid_until=datetime.now(timezone.utc) - timedelta(seconds=1))

    assert iot.result("cmd-1").status == "succeeded"
    with pytest.raises(ValueError):
        iot.send(VIN, "cmd-2", {"a": True}, valid_until=datetime(2030, 1, 1))  # naive


# -- the failure rate --

def test_failure_rate_one_fails_ok_vehicles_and_zero_never(sandbox, iot):
    sandbox.set_failure_rate(1.0)
    for number in range(50):
        iot.send(VIN, f"always-{number}", {"a": number})
    sandbox.set_failure_rate(0.0)
    for number in range(200):
        iot.send(OTHER_VIN, f"never-{number}", {"a": number})

    assert {iot.result(f"always-{n}").status for n in range(50)} == {"failed"}
    assert {iot.result(f"never-{n}").status for n in range(200)} == {"succeeded"}
    assert iot.result("always-0").error
    with pytest.raises(ValueError):
        sandbox.set_failure_rate(1.5)


def failures(rate: float, seed: int, count: int = 1000) -> list[int]:
    sandbox = IotSandbox(failure_rate=rate, seed=seed)
    client = client_for(sandbox.wsgi)
    for number in range(count):
        client.send(f"VIN{number % 10}", f"c{number}", {"feature": True})
    failed = [number for number in range(count) if client.result(f"c{number}").status == "failed"]
    client.close()
    return failed


def test_a_seeded_failure_rate_is_about_right_and_reproducible():
    failed = failures(0.3, seed=2024)

    assert 250 <= len(failed) <= 350
    # The draws follow the commands' order: the same seed fails the same commands again.
    assert failures(0.3, seed=2024, count=200) == [number for number in failed if number < 200]


def test_set_failure_rate_can_reseed(sandbox, iot):
    sandbox.set_failure_rate(0.5, seed=1)
    first = [iot.send(VIN, f"a{n}", {"x": n}) and iot.result(f"a{n}").status for n in range(30)]
    sandbox.set_failure_rate(0.5, seed=1)
    second = [iot.send(VIN, f"b{n}", {"x": n}) and iot.result(f"b{n}").status for n in range(30)]

    assert first == second and len(set(first)) == 2
    assert sandbox.failure_rate == 0.5


def test_failure_rate_spares_vehicles_with_another_behaviour(sandbox, iot):
    sandbox.set_failure_rate(1.0)
    sandbox.set_behaviour(VIN, "pending")
    iot.send(VIN, "cmd-1", {"a": True})

    assert iot.result("cmd-1").status == "pending"


# -- outages and the circuit breaker --

def test_iot_down_is_unavailable(sandbox, iot_down):
    client = client_for(faults.FaultInjector(sandbox.wsgi, "iot"))

    with pytest.raises(IotUnavailable, match="503"):
        client.send(VIN, "cmd-1", {"a": True})
    with pytest.raises(IotUnavailable):
        client.vehicle_status(VIN)

    assert sandbox.commands() == []
    client.close()


def test_iot_timeout_is_unavailable():
    client = IotClient(BASE_URL, transport=TimesOut())

    with pytest.raises(IotUnavailable, match="timed out"):
        client.result("cmd-1")
    client.close()


def test_garbled_answers_are_unavailable():
    def garbled(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>proxy</html>")

    client = IotClient(BASE_URL, transport=httpx.MockTransport(garbled))

    with pytest.raises(IotUnavailable, match="unreadable"):
        client.send(VIN, "cmd-1", {"a": True})
    client.close()


def test_breaker_opens_after_outages_then_fails_fast(sandbox, iot_down):
    counted = Counting(faults.FaultInjector(sandbox.wsgi, "iot"))
    breaker = pybreaker.CircuitBreaker(fail_max=2, reset_timeout=60)
    client = client_for(counted, breaker=breaker)

    for number in range(2):
        with pytest.raises(IotUnavailable):
            client.send(VIN, f"cmd-{number}", {"a": True})
    assert breaker.current_state == pybreaker.STATE_OPEN
    faults.set_mode("iot", faults.Mode())  # back up, but the circuit stays open a while
    with pytest.raises(IotUnavailable, match="IoT API circuit open"):
        client.send(VIN, "cmd-9", {"a": True})

    assert counted.calls == 2
    assert sandbox.commands() == []
    client.close()


def test_refusals_failures_and_offline_vehicles_never_open_the_breaker(sandbox, fake_time):
    counted = Counting(sandbox.wsgi)
    breaker = pybreaker.CircuitBreaker(fail_max=2, reset_timeout=60)
    client = client_for(counted, breaker=breaker)
    sandbox.set_behaviour(VIN, "fail")
    sandbox.set_behaviour(OTHER_VIN, "offline")

    for number in range(3):
        with pytest.raises(IotRejected):
            client.send(VIN, f"bad-{number}", {})
        with pytest.raises(CommandFailed):
            run(client, fake_time, f"cmd-{number}")
        with pytest.raises(IotUnavailable, match="not connected"):
            client.send(OTHER_VIN, f"off-{number}", {"a": True})

    assert breaker.current_state == pybreaker.STATE_CLOSED and breaker.fail_counter == 0
    assert counted.calls == 12


# -- speed --

def test_thousands_of_commands_a_second_in_process(iot):
    started = time.perf_counter()
    for number in range(2000):
        iot.send(f"VIN{number % 50:014d}", f"bench-{number}", {"feature.on": True})
        assert iot.result(f"bench-{number}").status == "succeeded"
    elapsed = time.perf_counter() - started

    assert elapsed < 5, f"2,000 send+result pairs took {elapsed:.2f} s"

"""The vehicle service system's sandbox and the platform's client for it, over HTTP only."""
from __future__ import annotations

from datetime import date, timedelta

import httpx
import pybreaker
import pytest

from caas.adapters.http.vss import VssClient
from caas.service_layer.gateways import Maintenance, VssError, VssUnavailable
from caas.sandboxes import faults
from caas.sandboxes.vss import VssSandbox
from tests.support.http_doubles import Counting, TimesOut

BASE_URL = "http://vss.sandbox"
VIN = "VSSZZZ1AZRA000001"
TODAY = date.today()
SERVICES = [
    {"date": "2024-02-10", "workshop": "Taller Oficial Norte", "kind": "annual service", "mileage_km": 15200},
    {"date": TODAY - timedelta(days=40), "workshop": "Garage du Centre", "kind": "brake service",
     "mileage_km": 29800},
]


@pytest.fixture
def sandbox():
    return VssSandbox()


def client_for(app, **kwargs) -> VssClient:
    return VssClient(BASE_URL, transport=httpx.WSGITransport(app=app), **kwargs)


@pytest.fixture
def vss(sandbox):
    client = client_for(sandbox.wsgi)
    yield client
    client.close()


@pytest.fixture
def vss_down():
    faults.set_mode("vss", faults.Mode("down"))
    try:
        yield
    finally:
        faults.set_mode("vss", faults.Mode())


def test_current_vehicle_with_its_history(sandbox, vss):
    sandbox.set_vehicle(VIN, "current", SERVICES)

    record = vss.maintenance(VIN)

    assert isinstance(record, Maintenance)
    assert (record.vin, record.status, record.overdue) == (VIN, "current", False)
    assert record.last_service == TODAY - timedelta(days=40)
    assert record.next_due == record.last_service + timedelta(days=365)
    assert record.completion_percentage == 100
    # Newest first, dates as the API spells them.
    assert record.history == [
        {"date": (TODAY - timedelta(days=40)).isoformat(), "workshop": "Garage du Centre",
         "kind": "brake service", "mileage_km": 29800},
        {"date": "2024-02-10", "workshop": "Taller Oficial Norte", "kind": "annual service",
         "mileage_km": 15200}]


def test_overdue_vehicle(sandbox, vss):
    sandbox.set_vehicle(VIN, "overdue", SERVICES[:1])

    record = vss.maintenance(VIN)

    assert record.overdue and record.status == "overdue"
    assert record.last_service == date(2024, 2, 10)
    assert record.next_due == date(2025, 2, 9) < TODAY
    assert record.completion_percentage == 50  # one done, one missing


def test_dates_agree_with_the_status_whatever_the_history(sandbox, vss):
    sandbox.set_vehicle(VIN, "current", SERVICES[:1])  # a year and more ago, yet current
    sandbox.set_vehicle("VIN-RECALL", "overdue", SERVICES[1:])  # serviced lately, yet overdue
    sandbox.set_vehicle("VIN-NEW", "overdue", [])

    assert vss.maintenance(VIN).next_due == TODAY + timedelta(days=30)
    assert vss.maintenance("VIN-RECALL").next_due == TODAY - timedelta(days=1)
    new = vss.maintenance("VIN-NEW")
    assert (new.last_service, new.history, new.completion_percentage) == (None, [], 0)
    assert new.next_due < TODAY


def test_an_unknown_vin_is_current_with_a_history_derived_from_it(vss):
    record = vss.maintenance(VIN)

    assert record.status == "current" and not record.overdue
    assert record.completion_percentage == 100
    assert 1 <= len(record.history) <= 2
    assert TODAY - timedelta(days=365) < record.last_service < TODAY < record.next_due
    assert record.last_service.isoformat() == record.history[0]["date"]
    for service in record.history:
        assert set(service) == {"date", "workshop", "kind", "mileage_km"}
        assert service["workshop"] and service["kind"] and service["mileage_km"] > 0
    # Deterministic: another sandbox tells the same story for the VIN; other VINs other stories.
    other = client_for(VssSandbox().wsgi)
    assert other.maintenance(VIN) == record
    stories = {tuple(map(str, other.maintenance(f"VIN{n:014d}").history)) for n in range(10)}
    assert len(stories) > 5
    other.close()


def test_overdue_without_history_gets_an_old_generated_one(sandbox, vss):
    sandbox.set_vehicle(VIN, "overdue")

    record = vss.maintenance(VIN)

    assert record.overdue and record.history
    assert record.last_service < TODAY - timedelta(days=365) and record.next_due < TODAY
    assert 0 < record.completion_percentage < 100
    sandbox.set_vehicle(VIN, "current")
    assert vss.maintenance(VIN) == Maintenance.from_json(VssSandbox().vehicle(VIN))


def test_set_vehicle_checks_what_it_is_told(sandbox):
    with pytest.raises(ValueError):
        sandbox.set_vehicle(VIN, "late")
    with pytest.raises(ValueError):
        sandbox.set_vehicle(VIN, "current", [{"date": "2024-01-01", "workshop": "W"}])
    with pytest.raises(ValueError):
        sandbox.set_vehicle(VIN, "current", [{**SERVICES[0], "date": "yesterday"}])
    with pytest.raises(ValueError):
        sandbox.set_vehicle(VIN, "current", [{**SERVICES[0], "mileage_km": -1}])
    assert sandbox.vehicle(VIN)["status"] == "current"


def test_answers_as_documented(sandbox):
    sandbox.set_vehicle(VIN, "overdue", SERVICES)
    with httpx.Client(base_url=BASE_URL, transport=httpx.WSGITransport(app=sandbox.wsgi)) as raw:
        answer = raw.get(f"/v1/vehicles/{VIN}/maintenance")
        missing = raw.get("/v1/vehicles")

    assert answer.status_code == 200
    assert set(answer.json()) == {"vin", "status", "last_service", "next_due",
                                  "completion_percentage", "history"}
    assert answer.json() == sandbox.vehicle(VIN)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_a_refusal_is_an_error_but_not_an_outage(sandbox):
    counted = Counting(sandbox.wsgi)
    breaker = pybreaker.CircuitBreaker(fail_max=1, reset_timeout=60)
    client = VssClient(BASE_URL + "/nothing", transport=httpx.WSGITransport(app=counted), breaker=breaker)

    with pytest.raises(VssError) as refused:
        client.maintenance(VIN)

    assert not isinstance(refused.value, VssUnavailable) and refused.value.code == "not_found"
    assert breaker.current_state == pybreaker.STATE_CLOSED and counted.calls == 1
    client.close()


def test_vss_down_is_unavailable(sandbox, vss_down):
    client = client_for(faults.FaultInjector(sandbox.wsgi, "vss"))

    with pytest.raises(VssUnavailable, match="503"):
        client.maintenance(VIN)
    client.close()


def test_vss_timeout_is_unavailable():
    client = VssClient(BASE_URL, transport=TimesOut(httpx.ConnectTimeout))

    with pytest.raises(VssUnavailable, match="timed out"):
        client.maintenance(VIN)
    client.close()


def test_garbled_answers_are_unavailable():
    client = VssClient(BASE_URL, transport=httpx.MockTransport(lambda request: httpx.Response(200, json=[])))

    with pytest.raises(VssUnavailable, match="unreadable"):
        client.maintenance(VIN)
    client.close()


def test_breaker_opens_after_outages_then_fails_fast(sandbox, vss_down):
    counted = Counting(faults.FaultInjector(sandbox.wsgi, "vss"))
    breaker = pybreaker.CircuitBreaker(fail_max=2, reset_timeout=60)
    client = client_for(counted, breaker=breaker)

    for _ in range(2):
        with pytest.raises(VssUnavailable):
            client.maintenance(VIN)
    assert breaker.current_state == pybreaker.STATE_OPEN
    faults.set_mode("vss", faults.Mode())  # back up, but the circuit stays open a while
    with pytest.raises(VssUnavailable, match="VSS circuit open"):
        client.maintenance(VIN)

    assert counted.calls == 2
    client.close()


def test_answers_keep_the_breaker_closed(sandbox):
    counted = Counting(sandbox.wsgi)
    breaker = pybreaker.CircuitBreaker(fail_max=2, reset_timeout=60)
    client = client_for(counted, breaker=breaker)
    sandbox.set_vehicle(VIN, "overdue")

    for _ in range(3):
        assert client.maintenance(VIN).overdue

    assert breaker.current_state == pybreaker.STATE_CLOSED and breaker.fail_counter == 0
    assert counted.calls == 3
    client.close()

"""The standalone sandbox server (``caas sandboxes serve``) answers the platform's ``/sandbox``
control routes at the same paths, and has no other control surface."""
import httpx
import pytest
from werkzeug.test import Client

from caas.adapters.http.vss import VssClient
from caas.sandboxes import faults
from caas.sandboxes.server import SandboxServer
from caas.service_layer.gateways import VssUnavailable


@pytest.fixture
def server():
    served = SandboxServer(lambda tenant, system: None, None, {})
    yield served
    served.close()
    for system in faults.SYSTEMS:
        faults.set_mode(system, faults.Mode())


def test_the_control_routes_are_the_platforms_sandbox_paths(server):
    http = Client(server.wsgi)
    health = http.get("/sandbox/health")
    assert health.status_code == 200 and "payments" in health.json["systems"]
    ledger = http.get("/sandbox/payments/ledger", query_string={"tenant": "t1"})
    assert ledger.json == {"entries": []}
    assert http.get("/sandbox/factory/orders").json == {"orders": []}
    assert http.get("/_control/health").status_code == 404


def test_a_mode_set_through_the_control_routes_reaches_the_served_system(server):
    http = Client(server.wsgi)
    assert http.put("/sandbox/vss/mode", json={"mode": "down"}).json["mode"] == "down"
    assert http.get("/sandbox/vss/mode").json["mode"] == "down"
    vss = VssClient("http://sandboxes/vss", transport=_wsgi(server))
    with pytest.raises(VssUnavailable):
        vss.maintenance("VIN0000000000001")
    http.put("/sandbox/vss/mode", json={"mode": "up"})
    assert vss.maintenance("VIN0000000000001").vin == "VIN0000000000001"


def test_the_served_sandbox_takes_the_vehicles_the_control_routes_describe(server):
    http = Client(server.wsgi)
    assert http.put("/sandbox/vss/vehicles/VIN0000000000002",
                    json={"maintenance": "overdue"}).status_code == 200
    vss = VssClient("http://sandboxes/vss", transport=_wsgi(server))
    assert vss.maintenance("VIN0000000000002").overdue


def _wsgi(server):
    return httpx.WSGITransport(app=server.wsgi)

"""The customer's purchase record: what it holds, who may read it, and when the VSS is down."""
from tests.support.api import Api
from tests.support.journey import MODEL, linked_vehicle


def _record(api, path="/api/v1/me/expediente"):
    response = api.get(path)
    assert response.status_code == 200, response.json
    return response.json


def test_the_record_gathers_vehicles_orders_documents_maintenance_services_and_notices(
        shop, owned, drain):
    buyer, vin = owned
    bought = buyer.post(f"/api/v1/vehicles/{vin}/services",
                        json={"option": "heated_seats", "card_token": "tok_ok"})
    assert bought.status_code == 202
    drain()
    record = _record(buyer)
    me = buyer.get("/api/v1/me").json
    assert record["customer"]["id"] == me["id"] and record["customer"]["phone"].startswith("+34")
    [vehicle] = record["vehicles"]
    assert vehicle["vin"] == vin and vehicle["plate"] and vehicle["status"] == "delivered"
    assert vehicle["linked"] is True
    [order] = record["orders"]
    assert order["vin"] == vin and order["status"] == "operational"
    assert [step["to"] for step in order["history"]][-1] == "operational"
    [contract] = record["documents"]
    assert contract["kind"] == "contract" and contract["order_id"] == order["id"]
    assert contract["title"] == f"Contrato de compraventa {order['reference']}"
    [maintenance] = record["maintenance"]
    assert maintenance["vin"] == vin and maintenance["stale"] is False
    assert maintenance["available"] is True and maintenance["history"]
    [service] = record["services"]
    assert service["option"] == "heated_seats" and service["status"] == "active"
    assert [step["to"] for step in service["history"]][:3] == ["paying", "activating", "active"]
    assert record["invoices"] == []
    channels = {(n["event"], n["channel"]) for n in record["notifications"]}
    assert {("credentials_generated", "email"), ("ota_success", "vehicle_display"),
            ("vehicle_ready", "sms"), ("order_status_update", "push")} <= channels
    assert {n["language"] for n in record["notifications"]} == {"es-ES"}
    assert record["notifications_total"] == len(record["notifications"])
    # The contract is a stored file, in the customer's language, served to its owner.
    download = buyer.get(contract["url"])
    assert download.status_code == 200 and download.mimetype == "text/plain"
    text = download.get_data(as_text=True)
    assert order["reference"] in text and "Precio: 30.500,00\xa0€" in text
    assert "attachment" in download.headers["Content-Disposition"]


def test_the_record_lists_the_customers_invoices_and_nobody_elses(
        shop, owned, operator, client, mailbox, drain):
    buyer, vin = owned
    other, other_vin = linked_vehicle(shop, operator, client, mailbox, drain)
    for api, car in ((buyer, vin), (other, other_vin)):
        assert api.post(f"/api/v1/vehicles/{car}/services", json={
            "option": "heated_seats", "card_token": "tok_ok"}).status_code == 202
    drain()
    # One-time options are invoiced once the gateway settles their payment.
    for entry in operator.get(f"/sandbox/payments/ledger?tenant={shop.slug}").json["entries"]:
        if entry["type"] == "capture":
            assert operator.post(f"/sandbox/payments/{entry['payment_id']}/settle",
                                 json={"outcome": "settled"}).status_code == 200
    me = buyer.get("/api/v1/me").json["id"]
    [invoice] = _record(buyer)["invoices"]
    assert invoice["customer_id"] == me and invoice["total"]["amount"] == "249.00"
    assert _record(buyer)["invoices"] == buyer.get("/api/v1/invoices").json
    assert _record(shop.employee, f"/api/v1/customers/{me}/expediente")["invoices"] == [invoice]
    [theirs] = _record(other)["invoices"]
    assert theirs["id"] != invoice["id"] and theirs["customer_id"] != me


def test_staff_read_any_customers_record_and_customers_only_their_own(
        shop, owned, operator, client, mailbox, drain, make_tenant):
    buyer, vin = owned
    other, other_vin = linked_vehicle(shop, operator, client, mailbox, drain)
    me, them = (api.get("/api/v1/me").json["id"] for api in (buyer, other))
    mine = _record(buyer)
    staff_view = _record(shop.employee, f"/api/v1/customers/{me}/expediente")
    assert staff_view["customer"] == mine["customer"]
    assert [o["id"] for o in staff_view["orders"]] == [o["id"] for o in mine["orders"]]
    assert _record(shop.admin, f"/api/v1/customers/{them}/expediente")["vehicles"][0][
        "vin"] == other_vin
    # A customer reaches only their own record, and only their own documents.
    assert buyer.get(f"/api/v1/customers/{them}/expediente").status_code == 403
    theirs = _record(other)
    assert {v["vin"] for v in theirs["vehicles"]} == {other_vin}
    assert not {n["id"] for n in theirs["notifications"]} & {n["id"] for n in mine["notifications"]}
    [their_contract] = theirs["documents"]
    assert buyer.get(their_contract["url"]).status_code == 404
    assert shop.employee.get(their_contract["url"]).status_code == 200
    # Staff ask for customers only; unknown ids are 404, staff ids too.
    assert shop.employee.get("/api/v1/customers/999999/expediente").status_code == 404
    staff_id = shop.employee.get("/api/v1/me").json["id"]
    assert shop.admin.get(f"/api/v1/customers/{staff_id}/expediente").status_code == 404
    assert shop.employee.get("/api/v1/me/expediente").status_code == 403
    # Nobody reads another tenant's: a foreign token is refused, and ids do not cross over.
    elsewhere = make_tenant("FR")
    foreign = Api(client, elsewhere.admin.token, shop.slug)
    assert foreign.get(f"/api/v1/customers/{me}/expediente").status_code == 401
    assert foreign.get(mine["documents"][0]["url"]).status_code == 401
    response = elsewhere.admin.get(f"/api/v1/customers/{me}/expediente")
    assert response.status_code == 404 or response.json["customer"]["email"] != mine[
        "customer"]["email"]


def test_maintenance_is_served_stale_and_marked_when_the_vss_is_down(shop, owned, operator,
                                                                     app):
    buyer, vin = owned
    app.extensions["caas_sandboxes"].vss.set_vehicle(vin, "overdue", [
        {"date": "2024-05-02", "workshop": "Taller Norte", "kind": "annual service",
         "mileage_km": 12000}])
    fresh = _record(buyer)["maintenance"][0]
    assert fresh["stale"] is False and fresh["status"] == "overdue"
    operator.put("/sandbox/vss/mode", json={"mode": "down"})
    try:
        record = _record(buyer)
        [stale] = record["maintenance"]
        assert stale["stale"] is True and stale["available"] is True
        assert stale["history"] == fresh["history"] and stale["status"] == "overdue"
        assert stale["fetched_at"] == fresh["fetched_at"] and "sandbox is down" in stale["error"]
        # The rest of the record does not depend on the VSS.
        assert record["orders"] and record["vehicles"]
    finally:
        operator.put("/sandbox/vss/mode", json={"mode": "up"})
    assert _record(buyer)["maintenance"][0]["stale"] is False


def test_a_vehicle_the_vss_never_answered_for_is_marked_unavailable(shop, owned, operator):
    buyer, vin = owned
    operator.put("/sandbox/vss/mode", json={"mode": "down"})
    try:
        [maintenance] = _record(buyer)["maintenance"]
    finally:
        operator.put("/sandbox/vss/mode", json={"mode": "up"})
    assert maintenance == {**maintenance, "vin": vin, "available": False, "stale": True,
                           "history": [], "fetched_at": None}


def test_admins_add_model_manuals_that_only_buyers_of_the_model_download(
        shop, owned, operator, client, mailbox, drain):
    buyer, _ = owned
    manual = b"%PDF-1.4 owner's manual of the Urbano EV"
    added = shop.admin.post(f"/api/v1/models/{MODEL}/manual?title=Manual%20Urbano%20EV"
                            "&filename=urbano-manual.pdf", data=manual,
                            content_type="application/pdf")
    assert added.status_code == 201, added.json
    assert added.json["size"] == len(manual) and added.json["kind"] == "manual"
    documents = {d["kind"]: d for d in _record(buyer)["documents"]}
    assert documents["manual"]["title"] == "Manual Urbano EV"
    download = buyer.get(documents["manual"]["url"])
    assert download.status_code == 200 and download.data == manual
    assert download.mimetype == "application/pdf"
    # Refusals change nothing.
    assert shop.admin.post(f"/api/v1/models/{MODEL}/manual?title=x&filename=x.exe",
                           data=b"MZ", content_type="application/octet-stream").status_code == 415
    assert shop.admin.post(f"/api/v1/models/{MODEL}/manual?title=x&filename=x.pdf", data=b"",
                           content_type="application/pdf").status_code == 422
    assert shop.admin.post("/api/v1/models/nope/manual?title=x&filename=x.pdf", data=b"x",
                           content_type="application/pdf").status_code == 404
    assert shop.employee.post(f"/api/v1/models/{MODEL}/manual?title=x&filename=x.pdf",
                              data=b"x", content_type="application/pdf").status_code == 403
    assert len([d for d in _record(buyer)["documents"] if d["kind"] == "manual"]) == 1
    # A customer of another model does not get it.
    shop.admin.post("/api/v1/models", json={"code": "clasico", "name": "Clásico",
                                            "base_price": "20000.00"})
    other, _ = linked_vehicle(shop, operator, client, mailbox, drain, model="clasico")
    assert {d["kind"] for d in _record(other)["documents"]} == {"contract"}
    assert other.get(documents["manual"]["url"]).status_code == 404

"""Support tickets through the REST API."""
from tests.support.journey import pay, sell

TICKETS = "/api/v1/support/tickets"


def open_ticket(shop, operator) -> dict:
    """A ticket opened by the payments webhook: the reservation's settlement failed."""
    sold = sell(shop)["order"]
    assert pay(shop, sold["id"], token="tok_settle_fail").status_code == 200
    [payment] = [entry["payment_id"] for entry in operator.get(
        f"/sandbox/payments/ledger?tenant={shop.slug}").json["entries"]
        if entry["reference"] == sold["reference"]]
    assert operator.post(f"/sandbox/payments/{payment}/settle",
                         json={"outcome": "failed"}).status_code == 200
    [ticket] = [t for t in shop.employee.get(TICKETS, query_string={"page_size": 100}).json
                if t["order_id"] == sold["id"]]
    return ticket


def detail(shop, ticket_id: int) -> dict:
    response = shop.employee.get(f"{TICKETS}/{ticket_id}")
    assert response.status_code == 200, response.json
    return response.json

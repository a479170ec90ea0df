"""The pages' SQL is bounded: a page lists 5 orders or 60 with as many statements (no query
per row, the N+1 that makes a page slow only once a dealership has data).

The pages are those of :data:`PAGES` and every page a reader reaches by following links
from where they land (one address per route), so a new page is counted as soon as
something links to it."""
from __future__ import annotations

import html
import re
import threading
from collections import deque
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.support.api import ADMIN_PASSWORD, password_in
from tests.support.crawl import MAX_PAGES, NOT_FOLLOWED, flask_routes
from tests.support.journey import advance, order, pay, sell
from tests.support.web import sign_in

FEW, MANY = 5, 60
#: Pages counted even if no link leads to them: (who reads it, its path under the tenant's;
#: ``{order}`` is one of the customer's orders).
PAGES = [
    ("customer", "vehicles"),
    ("employee", "orders"),
    ("admin", "admin"),
]


@contextmanager
def statements():
    """The SQL statements this thread runs meanwhile, on every engine (the control
    database's and the tenants'): the test client serves the request in it, while the
    worker's threads, sending the sales' emails, are not counted."""
    ran: list[str] = []
    thread = threading.get_ident()

    def record(conn, cursor, statement, *args):
        if threading.get_ident() == thread:
            ran.append(statement)
    sa.event.listen(Engine, "before_cursor_execute", record)
    try:
        yield ran
    finally:
        sa.event.remove(Engine, "before_cursor_execute", record)


def _count(client, address: str) -> tuple[int, list[str]]:
    assert client.get(address).status_code == 200, address  # warm: caches filled once
    with statements() as ran:
        response = client.get(address)
    assert response.status_code == 200, address
    return len(ran), ran


def _sales(shop, operator, email: str, count: int) -> list[dict]:
    """``count`` orders of the customer ``email``, in turn left unpaid, reserved (ordered
    from the factory) and built (waiting for the final payment, with a VIN): the states a
    queue groups, and rows that have payments and vehicles to read."""
    made = []
    for number in range(count):
        sold = sell(shop, email=email)["order"]
        if number % 3:
            assert pay(shop, sold["id"]).status_code == 200
        if number % 3 == 2:
            advance(operator, order(shop, sold["id"])["factory_order_id"], "READY")
        made.append(sold)
    return made


@pytest.fixture
def readers(app, shop, operator, mailbox, drain):
    """The shop with ``FEW`` orders of one customer, and that customer's and an employee's
    signed-in clients; ``readers.sell(n)`` sells them ``n`` more."""
    email = "many-orders@example.test"
    orders = _sales(shop, operator, email, FEW)
    drain()
    [message] = [m for m in mailbox.messages(email) if email in m["body"]]
    clients = {"customer": app.test_client(), "employee": app.test_client(),
               "admin": app.test_client()}
    assert sign_in(clients["customer"], shop.slug, email, password_in(message)).status_code == 303
    for staff in ("employee", "admin"):
        assert sign_in(clients[staff], shop.slug, f"{staff}@{shop.slug}.test",
                       ADMIN_PASSWORD).status_code == 303
    shop.clients, shop.orders = clients, orders
    shop.sell = lambda n: orders.extend(_sales(shop, operator, email, n))
    return shop


def _reachable(app, client, slug: str) -> list[str]:
    """The addresses of the pages ``client``'s reader reaches from where they land,
    following links (as a browser without JavaScript would), one address per route."""
    route, within = flask_routes(app), f"/t/{slug}/"
    seen, found, waiting = set(), [], deque([within])
    while waiting and len(found) < MAX_PAGES:
        address = waiting.popleft()
        key = route(address) or address
        if key in seen:
            continue
        seen.add(key)
        response = client.get(address, follow_redirects=True)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        shown = response.request.full_path.rstrip("?")
        seen.add(route(shown) or shown)
        found.append(shown)
        waiting += [link.partition("#")[0] for link in map(html.unescape, re.findall(
            r'<a [^>]*href="([^"]+)"', response.get_data(as_text=True)))
            if link.startswith(within) and not NOT_FOLLOWED.search(link.partition("?")[0])]
    return found


def test_no_page_runs_more_statements_with_more_orders(app, readers):
    listed = {(reader, f"/t/{readers.slug}/" + path.format(order=readers.orders[0]["id"]))
              for reader, path in PAGES}
    pages = sorted(listed | {(reader, address) for reader, client in readers.clients.items()
                             for address in _reachable(app, client, readers.slug)})
    assert listed < set(pages), pages  # links lead further than the listed pages

    def counts():
        return {(reader, address): _count(readers.clients[reader], address)
                for reader, address in pages}
    few = counts()
    # The counting sees the pages' queries (a page with none, the password form, is fine).
    assert all(few[page][0] for page in listed), few
    readers.sell(MANY - FEW)
    many = counts()
    grown = {page: (few[page][0], many[page][0]) for page in pages
             if many[page][0] > few[page][0]}
    assert not grown, "statements per page with {} and {} orders: {}\n{}".format(
        FEW, MANY, grown, "\n".join(f"{page}:\n  " + "\n  ".join(many[page][1])
                                    for page in grown))

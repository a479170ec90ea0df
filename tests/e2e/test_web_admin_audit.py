"""The admin console's audit log through the Flask test client, as a browser without
JavaScript: the API's entries, newest first, filtered by actor, action, entity and time, a
page at a time; what each entry changed; unreadable filters refused inline; admins alone;
and the console's way to the support tickets."""
from __future__ import annotations

import re

import pytest

from caas.i18n import LazyText
from tests.support.api import ADMIN_PASSWORD, password_in
from tests.support.journey import sell
from tests.support.web import signed_in_client, texts

#: Months billed (nobody to bill in them): one audited run each, a page and one more.
MONTHS = [f"{2018 + index // 12}-{index % 12 + 1:02d}" for index in range(21)]


def es(msgid: str, **values) -> str:
    return LazyText(msgid, **values).render("es-ES")


def signed_in(app, shop, email: str, password: str = ADMIN_PASSWORD):
    return signed_in_client(app, shop.slug, email, password)


@pytest.fixture
def audited(app, shop, mailbox, drain):
    """The shop, after its admin billed :data:`MONTHS` through the API and its employee
    sold to a customer (whose credentials are kept); with the admin's browser."""
    shop.runs = [shop.admin.post("/api/v1/billing/runs", json={"period": month}).json["id"]
                 for month in MONTHS]
    shop.buyer = sell(shop)["customer"]
    drain()
    [message] = [m for m in mailbox.messages(shop.buyer["email"])
                 if shop.buyer["email"] in m["body"]]
    shop.buyer_password = password_in(message)
    shop.web, shop.page = signed_in(app, shop, f"admin@{shop.slug}.test"), \
        f"/t/{shop.slug}/admin/audit"
    return shop


def entries(shop, query: str = "", status: int = 200) -> list[str]:
    """The entries a page of the log lists: ``action entity id`` each, in order."""
    response = shop.web.get(shop.page + query)
    assert response.status_code == status, response.status_code
    rows = re.findall(r"<code>([^<]+)</code></td>\s*<td>([^<]*)</td>",
                      response.get_data(as_text=True))
    return [f"{action} {entity}".strip() for action, entity in rows]


def api(shop, **filters) -> list[str]:
    found = shop.admin.get("/api/v1/audit", query_string={"page_size": 20, **filters}).json
    return [f"{each['action']} {each['entity']} {each['entity_id'] or ''}".strip()
            for each in found]


def test_the_log_is_filtered_and_paged_newest_first_as_the_api_reads_it(audited):
    shop, runs = audited, audited.runs
    run = [f"billing.run_started billing_run {run_id}" for run_id in reversed(runs)]
    everything = entries(shop)
    assert everything == api(shop) and len(everything) == 20
    assert entries(shop, "?action=billing") == run[:20]
    assert entries(shop, "?action=billing&page=2") == run[20:]
    assert entries(shop, f"?actor=ADMIN@{shop.slug}.test&action=billing.run") == run[:20]
    by_employee = entries(shop, f"?actor=employee@{shop.slug}.test")
    # The sale's: its order, and its customer's account.
    assert [each.split()[0] for each in by_employee] == ["order.created", "user.created"]
    assert by_employee == api(shop, actor_email=f"employee@{shop.slug}.test")
    assert entries(shop, f"?actor=employee@{shop.slug}.test&action=order") == by_employee[:1]
    assert entries(shop, f"?entity=billing_run&entity_id={runs[3]}") == [run[-4]]
    assert entries(shop, "?until=2000-01-01T00:00") == []
    assert entries(shop, "?since=2000-01-01T00:00&action=billing") == run[:20]
    # Links to the other pages keep the filters.
    html = shop.web.get(shop.page + "?action=billing").get_data(as_text=True)
    assert f'href="{shop.page}?page=2&amp;action=billing"' in html


def test_an_entry_shows_what_it_changed(audited):
    shown = texts(audited.web.get(
        f"{audited.page}?entity=billing_run&entity_id={audited.runs[0]}").get_data(as_text=True))
    assert "batches, period, trigger" in shown  # the changed fields, opening the details
    assert 'period: — → "2018-01"' in shown and 'trigger: — → "api"' in shown


@pytest.mark.parametrize("query, field, message", [
    ("?since=2026-12-08T10:00&until=2026-12-08T09:00", "until",
     "Must be later than the start."),
    # An offset is read as given (Madrid is at +01:00 in December): 09:30 there is 08:30Z.
    ("?since=2026-12-08T09:30&until=2026-12-08T08:30%2B00:00", "until",
     "Must be later than the start."),
    ("?since=yesterday", "since", "A date and time, such as 2026-12-08 09:30."),
    ("?actor=" + "a" * 255, "actor", "Longer than maximum length %(max)s."),
])
def test_a_filter_that_cannot_be_read_is_refused_beside_it_and_lists_nothing(
        audited, query, field, message):
    response = audited.web.get(audited.page + query)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and entries(audited, query, 422) == []
    said = es(message, max=254)
    assert re.search(rf'id="{field}-error"[^>]*>{re.escape(said)}', html), html


def test_admins_alone_read_the_log_and_the_console_leads_to_the_support_tickets(app, audited):
    shop = audited
    for web in (signed_in(app, shop, f"employee@{shop.slug}.test"),
                signed_in(app, shop, shop.buyer["email"], shop.buyer_password)):
        assert web.get(shop.page).status_code == 403
    html = shop.web.get(shop.page).get_data(as_text=True)
    console = html[html.index('class="console-menu"'):]
    assert f'href="/t/{shop.slug}/tickets"' in console[:console.index("</nav>")]
    assert shop.web.get(f"/t/{shop.slug}/tickets").status_code == 200

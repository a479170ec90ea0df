"""The admin console's billing pages through the Flask test client, as a browser without
JavaScript: a month-end run started from the console (once, however often the form is sent;
refused inline for a month not over or being billed), followed live and with the API's
results; failed charges with their customers; invoices and credit notes searched and read;
who may see them, and another tenant's invoice as absent as one that never was."""
from __future__ import annotations

import html
import re

from caas.i18n import LazyText
from tests.support.api import ADMIN_PASSWORD
from tests.support.billing import buyer_email, month_over, subscribed
from tests.support.customer_records import invoiced_customer
from tests.support.web import csrf_token, signed_in_client, texts


def es(msgid: str, **values) -> str:
    return LazyText(msgid, **values).render("es-ES")


def signed_in(app, shop, email: str, password: str = ADMIN_PASSWORD):
    return signed_in_client(app, shop.slug, email, password)


def admin(app, shop):
    return signed_in(app, shop, f"admin@{shop.slug}.test")


def page(web, address: str, status: int = 200) -> str:
    response = web.get(address)
    assert response.status_code == status, (address, response.status_code)
    return response.get_data(as_text=True)


def run_form(web, base: str) -> dict:
    """The run form's fields as the billing page draws them (its one-time key included)."""
    drawn = page(web, base)
    once = re.search(r'<input[^>]*name="once"[^>]*value="([0-9a-f]{32})"', drawn)[1]
    period = re.search(r'<input[^>]*name="period"[^>]*value="([^"]*)"', drawn)[1]
    return {"csrf_token": csrf_token(drawn), "once": once, "period": period}


def progress_address(shown: str) -> str:
    return html.unescape(re.search(r'hx-get="([^"]+/progress[^"]*)"', shown)[1])


def test_a_run_started_from_the_console_bills_once_and_shows_the_apis_results(
        app, make_tenant, operator, client, mailbox, drain, billing_drain, worker):
    shop, buyer, vin, service_id = subscribed(make_tenant, operator, client, mailbox, drain)
    month_over(app, shop)
    web, base = admin(app, shop), f"/t/{shop.slug}/admin/billing"
    worker.pause()  # the run's batch waits until the page has seen it running
    form = run_form(web, base)
    assert form["period"] == "2028-02"  # the last month the tenant's clock has closed
    # A double click: one run, and both answers lead to it.
    first, second = web.post(f"{base}/runs", data=form), web.post(f"{base}/runs", data=form)
    assert first.status_code == second.status_code == 303
    assert second.location == first.location
    [run] = shop.admin.get("/api/v1/billing/runs").json
    assert (run["period"], run["trigger"], run["status"]) == ("2028-02", "web", "running")
    assert first.location.endswith(f"/admin/billing/runs/{run['id']}?started=1")
    # Another start of the month while it is billed is refused beside the month.
    refused = web.post(f"{base}/runs", data=run_form(web, base))
    assert refused.status_code == 409
    assert es("A run of %(period)s is in progress; start it again once that one has "
              "finished.", period="2028-02") in texts(refused.get_data(as_text=True))
    through_api = shop.admin.post("/api/v1/billing/runs", json={"period": "2028-02"})
    assert (through_api.status_code, through_api.json["reason"]) == (409, "run_in_progress")
    assert len(shop.admin.get("/api/v1/billing/runs").json) == 1
    # The run's page follows it: its live part is unchanged (204) until the batch is billed.
    shown = page(web, first.location)
    assert es("The run has started: its customers are billed in the background.") in texts(shown)
    live = progress_address(shown)
    assert web.get(live).status_code == 204
    worker.resume()
    billing_drain()
    fragment = web.get(live)
    assert fragment.status_code == 200 and "hx-get" not in fragment.get_data(as_text=True)
    done = shop.admin.get(f"/api/v1/billing/runs/{run['id']}").json
    assert done["status"] == "finished" and done["by_status"] == {"paid": 1}
    results = texts(page(web, f"{base}/runs/{run['id']}"))
    assert f"{es('Status')}: {es('Finished')}" in results
    assert "13,72 €" in results and es("No charge of this run failed.") in results
    # The audit log has the run as the admin's, as the API records it.
    [entry] = shop.admin.get("/api/v1/audit?action=billing.run_started").json
    assert entry["actor_email"] == f"admin@{shop.slug}.test"
    assert entry["after"] == {"period": "2028-02", "trigger": "web", "batches": 1}
    # The billing page lists it, linked.
    assert f'href="/t/{shop.slug}/admin/billing/runs/{run["id"]}"' in page(web, base)


def test_a_month_not_over_or_not_a_month_is_refused_inline_and_nothing_starts(
        app, make_tenant):
    shop = make_tenant("ES")
    web, base = admin(app, shop), f"/t/{shop.slug}/admin/billing"
    future = web.post(f"{base}/runs", data={**run_form(web, base), "period": "2099-01"})
    assert future.status_code == 409
    assert 'aria-invalid="true"' in future.get_data(as_text=True)
    wrong = web.post(f"{base}/runs", data={**run_form(web, base), "period": "2028-13"})
    assert wrong.status_code == 422
    assert es("A month written YYYY-MM.") in texts(wrong.get_data(as_text=True))
    assert shop.admin.get("/api/v1/billing/runs").json == []


def test_failed_charges_are_listed_with_their_customers_and_invoices(
        app, make_tenant, operator, client, mailbox, drain, billing_drain):
    shop, buyer, vin, service_id = subscribed(make_tenant, operator, client, mailbox, drain,
                                               token="tok_charge_decline")
    month_over(app, shop)
    web, base = admin(app, shop), f"/t/{shop.slug}/admin/billing"
    started = web.post(f"{base}/runs", data=run_form(web, base))
    billing_drain()
    [invoice] = buyer.get("/api/v1/invoices").json
    shown = page(web, started.location)
    failed = shown[shown.index('id="failed-charges-heading"'):]
    assert buyer_email(buyer) in failed and invoice["customer_name"] in failed
    assert f'href="/t/{shop.slug}/admin/billing/invoices/{invoice["id"]}">{invoice["number"]}<' \
        in failed
    assert "13,72 €" in texts(failed) and es("payment failed") in texts(failed)
    run = shop.admin.get("/api/v1/billing/runs").json[0]
    assert [each["number"] for each in run["failures"]] == [invoice["number"]]
    assert f"{es('Failed')} 1" in " ".join(texts(shown))


def test_invoices_and_credit_notes_are_searched_and_read_by_admins_alone(
        app, make_tenant, operator, client, mailbox, drain):
    customer = invoiced_customer(make_tenant, operator, client, mailbox, drain)
    shop = customer.shop
    found = {each["kind"]: each for each in customer.api.get("/api/v1/invoices").json}
    invoice, note = found["invoice"], found["credit_note"]
    web, base = admin(app, shop), f"/t/{shop.slug}/admin/billing/invoices"

    def numbers(query: str = "", status: int = 200) -> list[str]:
        return re.findall(r'/admin/billing/invoices/\d+">([^<]+)<', page(web, base + query,
                                                                          status))
    assert numbers() == [note["number"], invoice["number"]]
    assert numbers(f"?q={invoice['number']}") == [invoice["number"]]
    assert numbers(f"?q={customer.email.upper()[:8]}") == [note["number"], invoice["number"]]
    assert numbers("?kind=credit_note") == [note["number"]]
    assert numbers(f"?status={invoice['status']}&kind=invoice") == [invoice["number"]]
    assert numbers("?q=nobody-at-all") == []
    assert numbers("?status=no-such", 422) == []
    # An invoice's page: its lines, totals and credit note, and its document.
    shown = page(web, f"{base}/{invoice['id']}")
    assert note["number"] in shown and invoice["customer_name"] in shown
    assert es("What is billed") in texts(shown)
    document = web.get(f"{base}/{invoice['id']}/document")
    assert document.status_code == 200 and invoice["number"] in document.get_data(as_text=True)
    assert invoice["number"] in page(web, f"{base}/{note['id']}")
    # Another tenant's admin: that invoice is not there; nor is any page for the others.
    elsewhere = make_tenant("ES")
    page(admin(app, elsewhere), f"/t/{elsewhere.slug}/admin/billing/invoices/{invoice['id']}",
         404)
    reader = {"employee": signed_in(app, shop, f"employee@{shop.slug}.test"),
              "customer": signed_in(app, shop, customer.email, customer.password)}
    for web in reader.values():
        for address in (base, f"{base}/{invoice['id']}", f"{base}/{invoice['id']}/document",
                        f"/t/{shop.slug}/admin/billing", f"/t/{shop.slug}/admin/billing/runs/1"):
            assert web.get(address).status_code == 403, address
        assert web.post(f"/t/{shop.slug}/admin/billing/runs", data={
            "csrf_token": csrf_token(web.get(f"/t/{shop.slug}/", follow_redirects=True)
                                     .get_data(as_text=True)), "period": "2020-01"}
            ).status_code == 403
    assert shop.admin.get("/api/v1/billing/runs").json == []


def test_the_billing_page_reads_as_many_runs_with_as_many_statements(app, make_tenant):
    from tests.e2e.test_page_queries import statements
    shop = make_tenant("ES")
    web, base = admin(app, shop), f"/t/{shop.slug}/admin/billing"

    def counted() -> int:
        page(web, base)  # warm: caches filled once
        with statements() as ran:
            page(web, base)
        return len(ran)

    def bill(*months):
        for month in months:
            assert shop.admin.post("/api/v1/billing/runs",
                                   json={"period": month}).status_code == 202
    bill("2020-01")
    one = counted()
    bill(*(f"2020-{month:02d}" for month in range(2, 11)))
    assert counted() == one

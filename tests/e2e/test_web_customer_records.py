"""The customer's records on the Web Platform, as a browser without JavaScript reads them:
invoices and credit notes with their documents, documents, maintenance (stale while the VSS
is down), notifications, and the notification settings; each only the customer's own."""
from __future__ import annotations

import pytest

from caas.i18n import LazyText, translation
from tests.support.api import ADMIN_PASSWORD
from tests.support.customer_records import delivered_customer, invoiced_customer
from tests.support.journey import MODEL
from tests.support.web import send_form, sign_in, texts

HOSTILE = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
PAGES = ("invoices", "documents", "maintenance", "notifications", "notifications/preferences")


def _signed_in(app, customer):
    """A browser of its own (no JavaScript), signed in as ``customer``."""
    web = app.test_client()
    assert sign_in(web, customer.shop.slug, customer.email, customer.password).status_code == 303
    return web


def _html(web, address, status=200):
    response = web.get(address)
    assert response.status_code == status, (address, response.status_code)
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


@pytest.fixture
def invoiced(make_tenant, operator, client, mailbox, drain):
    return invoiced_customer(make_tenant, operator, client, mailbox, drain)


def _invoices(customer):
    found = {each["kind"]: each for each in customer.api.get("/api/v1/invoices").json}
    return found["invoice"], found["credit_note"]


# --- invoices -----------------------------------------------------------------------------------

def test_invoices_and_credit_notes_are_listed_with_amounts_in_the_customers_locale(
        app, invoiced):
    invoice, note = _invoices(invoiced)
    web, base = _signed_in(app, invoiced), f"/t/{invoiced.shop.slug}"
    html = _html(web, f"{base}/invoices")
    shown = texts(html)
    assert "Mis facturas" in shown  # the menu and the heading, in Spanish
    assert invoice["number"] in shown and note["number"] in shown
    assert "249,00 €" in shown and "-249,00 €" in shown
    assert translation("Credit note", "es") in shown and translation("Invoice", "es") in shown
    # Newest first: the credit note, then what it credits.
    assert html.index(note["number"]) < html.index(f">{invoice['number']}</a></td>")
    assert f'href="{base}/invoices/{invoice["id"]}"' in html
    assert f'href="{base}/invoices/{note["id"]}/document"' in html


def test_a_credit_note_says_what_it_credits_and_its_document_is_the_apis(app, invoiced):
    invoice, note = _invoices(invoiced)
    web, base = _signed_in(app, invoiced), f"/t/{invoiced.shop.slug}"
    html = _html(web, f"{base}/invoices/{note['id']}")
    assert f"{translation('Credit note', 'es')} {note['number']}" in texts(html)
    assert f'<a href="{base}/invoices/{invoice["id"]}">{invoice["number"]}</a>' in html
    assert "-249,00 €" in texts(html)
    # Its line says what is credited, as its document does.
    credited = translation("%(option)s, credited", "es").replace("%(option)s", "")
    [line] = [text for text in texts(html) if text.endswith(credited)]
    document = web.get(f"{base}/invoices/{note['id']}/document")
    assert document.status_code == 200 and document.mimetype == "text/html"
    assert document.get_data() == invoiced.api.get(
        f"/api/v1/invoices/{note['id']}/document").get_data()
    assert line in texts(document.get_data(as_text=True))
    # Its own stylesheet only: no script may run in it, and no other site may frame it.
    policy = document.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "style-src 'sha256-" in policy
    assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert document.headers["Cache-Control"] == "no-store"


def test_another_customers_invoice_and_its_document_are_not_found(
        app, invoiced, operator, client, mailbox, drain):
    invoice, note = _invoices(invoiced)
    other = delivered_customer(invoiced.shop, operator, client, mailbox, drain)
    web, base = _signed_in(app, other), f"/t/{invoiced.shop.slug}"
    assert "CN/" not in _html(web, f"{base}/invoices")
    for record in (invoice, note):
        _html(web, f"{base}/invoices/{record['id']}", 404)
        _html(web, f"{base}/invoices/{record['id']}/document", 404)
    _html(web, f"{base}/invoices/99999999/document", 404)


# --- documents ----------------------------------------------------------------------------------

def test_documents_are_the_contract_and_the_models_manual_each_opened_under_the_session(
        app, shop, operator, client, mailbox, drain):
    manual = b"%PDF-1.4 owner's manual"
    assert shop.admin.post(f"/api/v1/models/{MODEL}/manual?title=Manual&filename=urbano.pdf",
                           data=manual, content_type="application/pdf").status_code == 201
    buyer = delivered_customer(shop, operator, client, mailbox, drain)
    web, base = _signed_in(app, buyer), f"/t/{shop.slug}"
    html = _html(web, f"{base}/documents")
    listed = {each["kind"]: each for each in buyer.api.get("/api/v1/me/expediente")
              .json["documents"]}
    assert set(listed) == {"contract", "manual"}
    assert listed["contract"]["title"] in texts(html) and "Manual" in texts(html)
    opened = web.get(f"{base}/documents/{listed['contract']['id']}")
    assert opened.status_code == 200 and opened.mimetype == "text/plain"
    assert opened.headers["Content-Disposition"].startswith("inline")
    assert opened.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert listed["contract"]["title"] in opened.get_data(as_text=True)
    pdf = web.get(f"{base}/documents/{listed['manual']['id']}")
    assert pdf.data == manual and pdf.mimetype == "application/pdf"
    # Another customer of the same model has the manual, and only their own contract.
    other = delivered_customer(shop, operator, client, mailbox, drain)
    theirs = _signed_in(app, other)
    _html(theirs, f"{base}/documents/{listed['contract']['id']}", 404)
    assert theirs.get(f"{base}/documents/{listed['manual']['id']}").status_code == 200
    assert listed["contract"]["title"] not in texts(_html(theirs, f"{base}/documents"))
    # Signed out, nothing: the sign-in page.
    assert client.get(f"{base}/documents/{listed['manual']['id']}").status_code == 302


def test_an_uploaded_html_manual_is_downloaded_not_shown(app, shop, operator, client, mailbox,
                                                         drain):
    assert shop.admin.post(f"/api/v1/models/{MODEL}/manual?title=Web&filename=m.html",
                           data=b"<p>manual</p>", content_type="text/html").status_code == 201
    buyer = delivered_customer(shop, operator, client, mailbox, drain)
    [manual] = [each for each in buyer.api.get("/api/v1/me/expediente").json["documents"]
                if each["kind"] == "manual"]
    response = _signed_in(app, buyer).get(f"/t/{shop.slug}/documents/{manual['id']}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="m.html"'


# --- maintenance --------------------------------------------------------------------------------

def test_maintenance_history_then_the_last_known_one_marked_stale_when_the_vss_is_down(
        app, shop, operator, client, mailbox, drain):
    buyer = delivered_customer(shop, operator, client, mailbox, drain)
    app.extensions["caas_sandboxes"].vss.set_vehicle(buyer.vin, "overdue", [
        {"date": "2024-05-02", "workshop": "Taller Norte", "kind": "annual service",
         "mileage_km": 12000}])
    web, page = _signed_in(app, buyer), f"/t/{shop.slug}/maintenance"
    fresh = texts(_html(web, page))
    assert "Taller Norte" in fresh and "12.000 km" in fresh and "2 may 2024" in fresh
    assert f"Urbano EV · {buyer.api.get('/api/v1/me/expediente').json['vehicles'][0]['plate']}" \
        in fresh
    assert translation("Overdue", "es") in fresh
    assert 'class="stale"' not in _html(web, page)
    operator.put("/sandbox/vss/mode", json={"mode": "down"})
    try:
        stale = _html(web, page)
    finally:
        operator.put("/sandbox/vss/mode", json={"mode": "up"})
    assert 'role="status" class="stale"' in stale
    assert "Taller Norte" in texts(stale) and "12.000 km" in texts(stale)
    [fetched] = [each for each in texts(stale) if each.startswith(LazyText(
        "The vehicle service system is not answering: this is its last known history, "
        "fetched on %(moment)s.", moment="").render("es-ES").rstrip("."))]
    assert any(char.isdigit() for char in fetched)


def test_a_vehicle_the_vss_never_answered_for_says_so(app, shop, operator, client, mailbox,
                                                       drain):
    buyer = delivered_customer(shop, operator, client, mailbox, drain)
    operator.put("/sandbox/vss/mode", json={"mode": "down"})
    try:
        html = _html(_signed_in(app, buyer), f"/t/{shop.slug}/maintenance")
    finally:
        operator.put("/sandbox/vss/mode", json={"mode": "up"})
    assert LazyText("The vehicle service system is not answering and has no history of this "
                    "vehicle to show yet. Try again later.").render("es-ES") in texts(html)


def test_hostile_names_titles_and_workshops_are_shown_escaped(
        app, make_tenant, operator, client, mailbox, drain):
    buyer = invoiced_customer(make_tenant, operator, client, mailbox, drain, name=HOSTILE)
    shop = buyer.shop
    assert shop.admin.post(f"/api/v1/models/{MODEL}/manual?title=%3Cscript%3Ealert(1)"
                           "%3C/script%3E&filename=m.pdf", data=b"%PDF",
                           content_type="application/pdf").status_code == 201
    app.extensions["caas_sandboxes"].vss.set_vehicle(buyer.vin, "current", [
        {"date": "2024-05-02", "workshop": HOSTILE, "kind": HOSTILE, "mileage_km": 1}])
    invoice, _ = _invoices(buyer)
    web = _signed_in(app, buyer)
    for page in (*PAGES, f"invoices/{invoice['id']}", f"invoices/{invoice['id']}/document"):
        html = web.get(f"/t/{shop.slug}/{page}").get_data(as_text=True)
        assert HOSTILE not in html and ESCAPED in html, page


# --- notifications ------------------------------------------------------------------------------

def test_notifications_newest_first_in_the_customers_language(app, invoiced):
    sent = invoiced.api.get("/api/v1/notifications").json
    html = _html(_signed_in(app, invoiced), f"/t/{invoiced.shop.slug}/notifications")
    shown = texts(html)
    assert translation("Your account", "es") in shown  # the credentials email
    assert translation("Withdrawal", "es") in shown
    subjects = [each["subject"] for each in sent if each["subject"]]
    assert subjects and all(subject in shown for subject in subjects)
    positions = [html.index(subject) for subject in dict.fromkeys(subjects)]
    assert positions == sorted(positions)  # as the API: newest first


def test_notifications_are_read_a_page_at_a_time(app, invoiced, monkeypatch):
    from caas.entrypoints.web.customer import records
    monkeypatch.setattr(records, "PER_PAGE", 2)
    web, page = _signed_in(app, invoiced), f"/t/{invoiced.shop.slug}/notifications"
    first = _html(web, page)
    assert f'href="{page}?page=2" rel="next"' in first and 'rel="prev"' not in first
    second = _html(web, f"{page}?page=2")
    assert f'href="{page}?page=1" rel="prev"' in second
    assert _html(web, f"{page}?page=oops") == first
    _html(web, f"{page}?page=999", 404)


def test_another_customers_notifications_are_not_shown(app, invoiced, operator, client,
                                                       mailbox, drain):
    other = delivered_customer(invoiced.shop, operator, client, mailbox, drain)
    html = _html(_signed_in(app, other), f"/t/{invoiced.shop.slug}/notifications")
    assert translation("Withdrawal", "es") not in texts(html)


# --- preferences --------------------------------------------------------------------------------

def _preferences(customer):
    return customer.api.get("/api/v1/me/notification-preferences").json


def test_preferences_are_saved_with_a_confirmation_and_read_by_the_api(
        app, shop, operator, client, mailbox, drain):
    buyer = delivered_customer(shop, operator, client, mailbox, drain)
    web, page = _signed_in(app, buyer), f"/t/{shop.slug}/notifications/preferences"
    assert _html(web, page).count("checked") == 3  # every optional channel, at first
    saved = send_form(web, page, push="y", quiet_start="22:00", quiet_end="07:00")
    assert saved.status_code == 303 and saved.location.endswith("/notifications/preferences"
                                                                "?saved=1")
    assert _preferences(buyer) == {"email": True, "push": True, "sms": False,
                                   "vehicle_display": False,
                                   "quiet_hours": {"start": "22:00", "end": "07:00"}}
    confirmed = _html(web, saved.location)
    assert translation("Your notification settings have been saved.", "es") in texts(confirmed)
    assert 'value="22:00"' in confirmed and 'value="07:00"' in confirmed
    cleared = send_form(web, page, push="y", sms="y", vehicle_display="y", quiet_start="",
                        quiet_end="")
    assert cleared.status_code == 303
    assert _preferences(buyer)["quiet_hours"] is None and _preferences(buyer)["sms"] is True


@pytest.mark.parametrize("start, end, message", [
    ("22:00", "22:00", "Start and end are the same."),
    ("25:61", "07:00", "Enter a time such as 22:00."),
    ("22:00", "", "Give both a start and an end, or neither."),
])
def test_bad_quiet_hours_are_shown_inline_and_change_nothing(
        app, shop, operator, client, mailbox, drain, start, end, message):
    buyer = delivered_customer(shop, operator, client, mailbox, drain)
    before = _preferences(buyer)
    web, page = _signed_in(app, buyer), f"/t/{shop.slug}/notifications/preferences"
    refused = send_form(web, page, quiet_start=start, quiet_end=end)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and 'class="field-error"' in html
    assert 'role="alert"' in html  # and the summary at the top
    assert translation(message, "es") in html
    assert _preferences(buyer) == before


# --- who may see them ---------------------------------------------------------------------------

def test_staff_are_refused_the_customers_pages_and_strangers_sent_to_sign_in(client, tenant):
    base = f"/t/{tenant.slug}"
    for page in PAGES:
        assert client.get(f"{base}/{page}").headers["Location"] == f"{base}/sign-in"
    sign_in(client, tenant.slug, f"employee@{tenant.slug}.test", ADMIN_PASSWORD)
    for page in (*PAGES, "invoices/1", "invoices/1/document", "documents/1"):
        assert client.get(f"{base}/{page}").status_code == 403, page
    assert send_form(client, f"{base}/orders", f"{base}/notifications/preferences",
                     quiet_start="22:00", quiet_end="07:00").status_code == 403


def test_the_pages_are_in_the_menu_and_in_the_customers_language(
        app, make_tenant, operator, client, mailbox, drain):
    buyer = invoiced_customer(make_tenant, operator, client, mailbox, drain, country="DE")
    web, base = _signed_in(app, buyer), f"/t/{buyer.shop.slug}"
    menu = _html(web, f"{base}/invoices")
    for page in PAGES:
        assert f'href="{base}/{page}"' in menu
    for page in PAGES:
        html = _html(web, f"{base}/{page}")
        assert '<html lang="de-DE">' in html
    assert "249,00 €" in texts(_html(web, f"{base}/invoices"))
    assert translation("Credit note", "de") in texts(_html(web, f"{base}/invoices"))

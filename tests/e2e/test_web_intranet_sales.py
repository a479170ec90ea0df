"""The Intranet's work queue and sale registration through the Flask test client, as a browser
without JavaScript: the orders waiting for staff grouped and counted, filtered, a page at a
time; a sale registered with the country's rules said beside each field, and once only."""
from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from caas.entrypoints.web.intranet import work_queue
from caas.i18n import LazyText
from caas.sandboxes import faults
from tests.support.api import ADMIN_PASSWORD
from tests.support.crawl import english_left
from tests.support.journey import (MODEL, OPTION, PLAN, customer, pay, sell, to_in_transit,
                                   to_vehicle_ready)
from tests.support.languages import country_speaking, translated_languages
from tests.support.web import csrf_token, send_form, sign_in, texts

HOSTILE = "<script>alert(1)</script>"


def _staff(client, shop, role: str = "employee") -> str:
    assert sign_in(client, shop.slug, f"{role}@{shop.slug}.test", ADMIN_PASSWORD).status_code \
        == 303
    return f"/t/{shop.slug}"


def _count(html: str, label: str) -> int:
    """The count a filter link shows beside its label."""
    found = re.search(rf">{re.escape(label)} <strong>(\d+)</strong></a>", html)
    assert found, f"no filter {label!r}"
    return int(found[1])


def _es(text: str) -> str:
    return LazyText(text).render("es-ES")


def _references(html: str) -> list[str]:
    return re.findall(r">(ORD-[0-9A-F]+)</a></td>", html)


# --- the work queue -----------------------------------------------------------------------------

def test_the_queue_counts_and_lists_the_orders_waiting_for_staff_newest_first(
        client, shop, operator, app, monkeypatch):
    unpaid = sell(shop)["order"]
    ready = to_vehicle_ready(shop, operator)
    delivering = to_in_transit(shop, operator)
    monkeypatch.setitem(app.config, "CAAS_REGISTRATION_ESCALATE_SECONDS", 0)
    stuck = to_vehicle_ready(shop, operator)
    faults.set_mode("registration", faults.Mode("down"))
    # The authority stays down (the background retries must not register it meanwhile).
    assert pay(shop, stuck["id"], "final").json["registration_escalated_at"]
    reserved = sell(shop)["order"]
    assert pay(shop, reserved["id"]).status_code == 200  # waits for the factory, not for staff

    base = _staff(client, shop)
    page = client.get(f"{base}/orders")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _count(html, _es("Needs action")) == 4
    assert _count(html, _es("Reservation unpaid")) == 1
    assert _count(html, _es("Vehicle ready for final payment")) == 1
    assert _count(html, _es("Delivery due")) == 1
    assert _count(html, _es("Registration delayed")) == 1
    assert _count(html, _es("All orders")) == 5
    assert _references(html) == [stuck["reference"], delivering["reference"],
                                 ready["reference"], unpaid["reference"]]
    # Each row: the order's page, the customer, the model, the status in words, its age.
    row = re.search(rf'<tr>\s*<td><a href="{base}/orders/{unpaid["id"]}">'
                    rf'{unpaid["reference"]}</a></td>(.*?)</tr>', html, re.S)[1]
    assert "Ana García" in row and MODEL in row and _es("Reservation unpaid") in row
    assert "<time datetime=" in row


def test_a_registration_taking_longer_than_the_escalation_time_is_delayed(
        client, shop, operator, app, monkeypatch):
    ready = to_vehicle_ready(shop, operator)
    faults.set_mode("registration", faults.Mode("down"))
    # The authority stays down (the background retries must not register it meanwhile).
    assert pay(shop, ready["id"], "final").json["registration_escalated_at"] is None
    base = _staff(client, shop)
    html = client.get(f"{base}/orders").get_data(as_text=True)
    assert _count(html, _es("Registration delayed")) == 0 and _references(html) == []
    # Its registration has now taken longer than the time staff are told after.
    monkeypatch.setitem(app.config, "CAAS_REGISTRATION_ESCALATE_SECONDS", 0)
    late = client.get(f"{base}/orders?group=registration_delayed").get_data(as_text=True)
    assert _count(late, _es("Registration delayed")) == 1
    assert _references(late) == [ready["reference"]]


@pytest.mark.parametrize("group, status, label", [
    ("reservation_unpaid", None, "Reservation unpaid"),
    ("final_payment_due", None, "Vehicle ready for final payment"),
    ("delivery_due", "in_transit", "In transit"),
])
def test_the_queue_is_filtered_by_group_and_status_with_links(client, shop, operator, group,
                                                             status, label):
    orders = {"reservation_unpaid": sell(shop)["order"],
              "final_payment_due": to_vehicle_ready(shop, operator),
              "delivery_due": to_in_transit(shop, operator)}
    base = _staff(client, shop)
    html = client.get(f"{base}/orders").get_data(as_text=True)
    address = f"{base}/orders?group={group}" + (f"&amp;status={status}" if status else "")
    if status:  # the status filter is offered on its group's page
        html = client.get(f"{base}/orders?group={group}").get_data(as_text=True)
    assert f'href="{address}"' in html
    filtered = client.get(address.replace("&amp;", "&")).get_data(as_text=True)
    assert _references(filtered) == [orders[group]["reference"]]
    assert f'aria-current="page">{_es(label)} <strong>1</strong>' in filtered


def test_the_queue_comes_a_page_at_a_time(client, shop, monkeypatch):
    monkeypatch.setattr(work_queue, "LISTED", 2)
    sold = [sell(shop)["order"]["reference"] for _ in range(5)]
    base = _staff(client, shop)
    first = client.get(f"{base}/orders?group=reservation_unpaid").get_data(as_text=True)
    assert _references(first) == sold[::-1][:2]
    assert _es("Page %(number)s of %(pages)s") % {"number": 1, "pages": 3} in texts(first)
    next_page = re.search(r'href="([^"]+)" rel="next"', first)[1].replace("&amp;", "&")
    second = client.get(next_page).get_data(as_text=True)
    assert _references(second) == sold[::-1][2:4]
    assert 'rel="prev"' in second
    third = client.get(f"{base}/orders?group=reservation_unpaid&page=3").get_data(as_text=True)
    assert _references(third) == [sold[0]] and 'rel="next"' not in third
    assert client.get(f"{base}/orders?group=reservation_unpaid&page=4").status_code == 404


@pytest.mark.parametrize("query", ["group=nonsense", "status=nonsense", "page=0", "page=x"])
def test_a_filter_that_does_not_exist_is_a_404(client, shop, query):
    base = _staff(client, shop)
    assert client.get(f"{base}/orders?{query}").status_code == 404


def test_the_counts_come_from_one_query_however_many_orders(client, shop, platform):
    base = _staff(client, shop)
    statements: list[str] = []
    this_thread = threading.get_ident()  # the test client's request; not the worker's jobs

    def record(_conn, _cursor, statement, *_):
        if threading.get_ident() == this_thread:
            statements.append(statement)
    engine = platform.tenant_engines.get(shop.slug)
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        def queries_of_a_page() -> int:
            statements.clear()
            assert client.get(f"{base}/orders").status_code == 200
            return len(statements)
        sell(shop)
        few = queries_of_a_page()
        for _ in range(4):
            sell(shop)
        assert queries_of_a_page() == few
        counting = [each for each in statements if "GROUP BY" in each.upper()]
        assert len(counting) == 1
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def test_customers_are_refused_the_queue_and_the_sale_form(client, shop, mailbox, drain):
    from tests.support.api import password_in
    email = sell(shop)["customer"]["email"]
    drain()
    [message] = [m for m in mailbox.messages(email) if email in m["body"]]
    sign_in(client, shop.slug, email, password_in(message))
    assert client.get(f"/t/{shop.slug}/orders").status_code == 403
    assert client.get(f"/t/{shop.slug}/sales/new").status_code == 403


def test_signed_out_the_queue_and_the_sale_form_send_to_sign_in(client, shop):
    for page in ("orders", "sales/new"):
        assert client.get(f"/t/{shop.slug}/{page}").headers["Location"] == \
            f"/t/{shop.slug}/sign-in"


def test_a_hostile_customer_name_is_shown_escaped_on_the_queue(client, shop):
    sell(shop, name=HOSTILE)
    base = _staff(client, shop)
    html = client.get(f"{base}/orders").get_data(as_text=True)
    assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- registering a sale -------------------------------------------------------------------------

def _error_beside(html: str, field: str) -> str | None:
    found = re.search(rf'<small id="{field}-error" class="field-error">(.*?)</small>', html, re.S)
    return found[1] if found else None


def _sale_fields(country: str = "ES", **overrides) -> dict:
    person = customer(country)
    address = person.pop("address")
    fields = {**person, **{key: address[key] for key in ("street", "postal_code", "city")},
              "model": MODEL, "plan": PLAN, "options": f"{MODEL}:{OPTION}"}
    fields.update(overrides)
    return fields


def test_the_sale_form_offers_models_options_and_plans_at_their_prices(client, shop):
    base = _staff(client, shop)
    html = client.get(f"{base}/sales/new").get_data(as_text=True)
    shown = " ".join(texts(html))
    assert "Urbano EV · 30.000,00 €" in shown
    assert "Red paint · 500,00 €" in shown
    assert "Standard · " + _es("reservation %(amount)s") % {"amount": "1.000,00 €"} in shown
    assert f'href="{base}/sales/new"' in html  # in the staff's menu
    for field in ("name", "email", "phone", "tax_id", "street", "postal_code", "city",
                  "locale"):
        assert f'<label for="{field}">' in html and f'id="{field}"' in html


def test_a_sale_registers_the_order_and_emails_the_customer_their_password(
        client, shop, mailbox, drain):
    base = _staff(client, shop)
    fields = _sale_fields(name="Lucía Pérez")
    sold = send_form(client, f"{base}/sales/new", **fields)
    assert sold.status_code == 303
    assert re.fullmatch(rf"{base}/orders\?sold=\d+&new_customer=1", sold.headers["Location"])
    queue = client.get(sold.headers["Location"]).get_data(as_text=True)
    assert _es("The customer's password has been emailed to them.") in queue
    [order] = shop.employee.get("/api/v1/orders").json
    assert order["model"] == MODEL and order["options"] == [OPTION] and order["plan"] == PLAN
    assert order["price"]["amount"] == "30500.00"
    assert order["reference"] in queue and 'role="status"' in queue
    assert f'href="{base}/orders/{order["id"]}"' in queue
    drain()
    [credentials] = [m for m in mailbox.messages(fields["email"]) if fields["email"] in m["body"]]
    assert credentials


def test_a_sale_to_a_returning_customer_says_their_account_is_unchanged(client, shop):
    base = _staff(client, shop)
    email = sell(shop)["customer"]["email"]
    sold = send_form(client, f"{base}/sales/new", **_sale_fields(email=email))
    assert sold.status_code == 303 and sold.headers["Location"].endswith("&new_customer=0")
    queue = client.get(sold.headers["Location"]).get_data(as_text=True)
    assert _es("The customer already had an account, which stays as it was.") in queue
    assert len(shop.employee.get("/api/v1/orders").json) == 2


@pytest.mark.parametrize("country, field, value, message", [
    ("ES", "tax_id", "12345678A", None),
    ("ES", "phone", "+34 12", "Not a valid phone number."),
    ("ES", "postal_code", "ABC", None),
    ("ES", "email", "not-an-email", "Not a valid email address."),
    ("ES", "name", "", "Missing data for required field."),
    ("CH", "tax_id", "756.1234.5678.90", None),
    ("FR", "tax_id", "732 829 321", None),
    ("DE", "phone", "+49 0", "Not a valid phone number."),
    ("IT", "tax_id", "RCCMNL83S18D969X", None),
])
def test_each_invalid_field_is_said_beside_it_and_nothing_is_created(
        client, make_tenant, country, field, value, message):
    from tests.support.journey import set_up_catalog
    shop = make_tenant(country)
    set_up_catalog(shop)
    base = _staff(client, shop)
    refused = send_form(client, f"{base}/sales/new", **_sale_fields(country, **{field: value}))
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    beside = _error_beside(html, field)
    assert beside, f"no error beside {field}"
    if message:
        assert LazyText(message).render(shop.tenant.default_locale) in beside
    [typed] = re.findall(rf'<input[^>]*id="{field}"[^>]*>', html)
    assert 'aria-invalid="true"' in typed and f'aria-describedby="{field}-error"' in typed
    assert f'value="{value}"' in typed or not value  # what was typed is kept
    assert 'class="error-summary" role="alert"' in html and f'href="#{field}"' in html
    assert shop.employee.get("/api/v1/orders").json == []


def test_the_countrys_verdict_comes_at_once_with_the_forms_own(client, shop):
    base = _staff(client, shop)
    refused = send_form(client, f"{base}/sales/new",
                        **_sale_fields(name="", tax_id="12345678A", plan=""))
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert _es("Missing data for required field.") in _error_beside(html, "name")
    assert "12345678A" in _error_beside(html, "tax_id")
    assert _es("Choose a plan.") in _error_beside(html, "plan")
    assert shop.employee.get("/api/v1/orders").json == []


def test_a_swiss_border_postal_code_asks_for_the_canton_then_sells(client, make_tenant):
    from tests.support.journey import set_up_catalog
    swiss = make_tenant("CH")
    set_up_catalog(swiss)
    base = _staff(client, swiss)
    fields = _sale_fields("CH", postal_code="1290")  # on a border: the plugin asks the canton
    refused = send_form(client, f"{base}/sales/new", **fields)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "1290" in _error_beside(html, "address-canton")
    assert '<label for="address-canton">' in html and 'href="#address-canton"' in html
    assert swiss.employee.get("/api/v1/orders").json == []
    sold = send_form(client, f"{base}/sales/new", **fields, **{"address-canton": "VD"})
    assert sold.status_code == 303
    [order] = swiss.employee.get("/api/v1/orders").json
    assert order["status"] == "created"


def test_the_pickers_are_required_and_an_unoffered_option_refused(client, shop):
    base = _staff(client, shop)
    missing = send_form(client, f"{base}/sales/new", **_sale_fields(model="", plan=""))
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert _es("Choose a model.") in html and _es("Choose a plan.") in html
    assert 'aria-describedby="model-error"' in html
    foreign = send_form(client, f"{base}/sales/new", **_sale_fields(options="other:tow_hitch"))
    assert foreign.status_code == 422
    assert 'id="options-error"' in foreign.get_data(as_text=True)
    assert shop.employee.get("/api/v1/orders").json == []


def test_a_staff_email_is_refused_beside_the_email(client, shop):
    base = _staff(client, shop)
    refused = send_form(client, f"{base}/sales/new",
                        **_sale_fields(email=f"admin@{shop.slug}.test"))
    assert refused.status_code == 409
    assert 'id="email-error"' in refused.get_data(as_text=True)
    assert shop.employee.get("/api/v1/orders").json == []


def test_a_double_submit_registers_one_sale(client, shop):
    base = _staff(client, shop)
    html = client.get(f"{base}/sales/new").get_data(as_text=True)
    key = re.search(r'<input id="once" name="once" type="hidden" value="([0-9a-f]{32})">',
                    html)[1]
    fields = {**_sale_fields(), "csrf_token": csrf_token(html), "once": key}
    first = client.post(f"{base}/sales/new", data=fields)
    second = client.post(f"{base}/sales/new", data=fields)
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert len(shop.employee.get("/api/v1/orders").json) == 1


# --- in every language ----------------------------------------------------------------------

@pytest.mark.parametrize("language", translated_languages())
def test_the_queue_and_the_sale_form_are_in_the_readers_language(client, make_tenant, language):
    from tests.support.journey import set_up_catalog
    country = country_speaking(language)
    if country is None:
        pytest.skip(f"no installed country's tenants read {language}")
    shop = make_tenant(country)
    set_up_catalog(shop)
    sold = sell(shop, country)["order"]
    base = _staff(client, shop)
    pages = {
        "queue": client.get(f"{base}/orders"),
        "group": client.get(f"{base}/orders?group=delivery_due"),
        "every order": client.get(f"{base}/orders?group=all&status=created"),
        "confirmation": client.get(f"{base}/orders?sold={sold['id']}&new_customer=1"),
        "returning": client.get(f"{base}/orders?sold={sold['id']}&new_customer=0"),
        "sale": client.get(f"{base}/sales/new"),
        "refused sale": send_form(client, f"{base}/sales/new",
                                  **_sale_fields(country, tax_id="0", model="", plan="")),
    }
    english = english_left(language)
    for name, response in pages.items():
        shown = texts(response.get_data(as_text=True))
        assert [text for text in shown if english(text)] == [], (language, name)

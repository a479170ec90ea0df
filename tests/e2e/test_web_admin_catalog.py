"""The admin console's catalog through the Flask test client, as a browser without JavaScript:
an option put on sale, priced and taken off (what the API then says, and the audit log), bad
input refused inline and nothing changed, a price move previewed then confirmed once, models
and plans added, manuals uploaded (and bad files refused); employees and customers refused."""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import pytest

from caas.i18n import LazyText
from tests.support.api import ADMIN_PASSWORD
from tests.support.billing import subscribed
from tests.support.journey import set_up_catalog
from tests.support.web import csrf_token, send_form, sign_in, texts

CATALOG = "/admin/catalog"
PAGES = (CATALOG, f"{CATALOG}/compatibility", f"{CATALOG}/models", f"{CATALOG}/plans",
         f"{CATALOG}/options/extended_range/price-move")


def es(msgid: str, **values) -> str:
    return LazyText(msgid, **values).render("es-ES")


def signed_in(client, shop, role="admin") -> str:
    assert sign_in(client, shop.slug, f"{role}@{shop.slug}.test",
                   ADMIN_PASSWORD).status_code == 303
    return f"/t/{shop.slug}"


def api_option(shop, code) -> dict:
    [found] = [item for item in shop.admin.get("/api/v1/catalog/options").json
               if item["code"] == code]
    return found


def audited(shop, action) -> list[dict]:
    return shop.admin.get("/api/v1/audit", query_string={"action": action}).json


def save_option(client, base, code, **fields):
    return send_form(client, f"{base}{CATALOG}", f"{base}{CATALOG}/options/{code}", **fields)


# --- options --------------------------------------------------------------------------------

def test_an_option_is_put_on_sale_priced_and_taken_off_as_the_api_then_says(client, tenant):
    base = signed_in(client, tenant)
    page = client.get(f"{base}{CATALOG}")
    html = page.get_data(as_text=True)
    seats = api_option(tenant, "heated_seats")
    assert page.status_code == 200 and seats["name"] in html  # named, in Spanish
    assert es("How %(option)s is sold", option=seats["name"]) in texts(html)

    sold = save_option(client, base, "heated_seats", enabled="y", price="249.00",
                       billing="one_time")
    assert sold.status_code == 303 and "saved=heated_seats" in sold.location
    shown = client.get(sold.location).get_data(as_text=True)
    assert es("%(option)s is on sale at %(price)s.", option=seats["name"], price="249,00 €") \
        in texts(shown)
    # The form shows the option as it is sold now.
    assert re.search(r'<input[^>]*id="heated_seats-price"[^>]*value="249.00"', shown)
    assert re.search(r'<input[^>]*checked[^>]*id="heated_seats-enabled"', shown)
    on_sale = api_option(tenant, "heated_seats")
    assert on_sale["enabled"] and on_sale["price"]["amount"] == "249.00"
    assert on_sale["billing"] == "one_time"

    assert save_option(client, base, "heated_seats", price="259.00",
                       billing="one_time").status_code == 303  # no "enabled": off
    off = api_option(tenant, "heated_seats")
    assert not off["enabled"] and off["price"]["amount"] == "259.00"
    first, second = reversed(audited(tenant, "catalog.option_set"))
    assert first["after"]["enabled"] is True and second["after"]["enabled"] is False
    assert second["before"]["price"]["amount"] == "249.00"
    assert second["actor_email"] == f"admin@{tenant.slug}.test"


def test_a_usage_price_and_included_quantity_are_set_for_an_option_that_measures_usage(
        client, tenant):
    base = signed_in(client, tenant)
    assert save_option(client, base, "premium_connectivity", enabled="y", price="9.90",
                       billing="monthly", usage_price="1.99", included="10").status_code == 303
    item = api_option(tenant, "premium_connectivity")
    assert item["usage_price"]["amount"] == "1.99" and item["included"] == "10.000"


def test_a_monthly_options_free_trial_is_set_on_the_page_and_through_the_api(client, tenant):
    base = signed_in(client, tenant)
    assert save_option(client, base, "extended_range", enabled="y", price="19.90",
                       billing="monthly", trial_days="21").status_code == 303
    assert api_option(tenant, "extended_range")["trial_days"] == 21
    [entry] = audited(tenant, "catalog.option_set")
    assert entry["after"]["trial_days"] == 21
    assert tenant.admin.put("/api/v1/catalog/options/extended_range", json={
        "enabled": True, "price": "19.90", "billing": "monthly",
        "trial_days": 7}).json["trial_days"] == 7


@pytest.mark.parametrize("fields, field, message, values", [
    ({"price": "12,50"}, "price", "A decimal amount such as 49.90 (at most two decimals).", {}),
    ({"price": "0"}, "price", "Must be above zero.", {}),
    ({"billing": "one_time"}, "billing", "Must be one of %(choices)s.", {"choices": "monthly"}),
    ({"included": "10"}, "included", "Set usage_price too.", {}),
    ({"trial_days": "x"}, "trial_days", "Not a valid integer.", {}),
    ({"trial_days": "400"}, "trial_days",
     "Must be greater than or equal to %(min)s and less than or equal to %(max)s.",
     {"min": 0, "max": 366}),
    ({"usage_price": "1.00", "included": "1,5"}, "included",
     "A decimal quantity such as 1.250, zero or more.", {}),
])
def test_bad_input_is_refused_beside_its_field_in_spanish_and_changes_nothing(
        client, tenant, fields, field, message, values):
    base = signed_in(client, tenant)
    code = "premium_connectivity" if field == "included" else "extended_range"
    before = api_option(tenant, code)
    refused = save_option(client, base, code, **{
        "enabled": "y", "price": "19.90", "billing": "monthly", **fields})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f'id="{code}-{field}-error"' in html
    assert es(message, **values) in html
    assert api_option(tenant, code) == before
    assert audited(tenant, "catalog.option_set") == []


def test_an_unknown_option_is_not_found(client, tenant):
    base = signed_in(client, tenant)
    assert save_option(client, base, "jetpack", enabled="y", price="1.00",
                       billing="monthly").status_code == 404


# --- who may ---------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["employee", "customer"])
def test_the_catalog_console_is_refused_to_employees_and_customers(client, make_tenant, role):
    shop = make_tenant("ES")
    set_up_catalog(shop)
    if role == "customer":
        from caas.service_layer.users import provision_user
        from caas.tenancy import tenant_context
        platform = client.application.extensions["caas"]
        with tenant_context(shop.tenant):
            provision_user(platform.for_tenant(shop.tenant), email=f"customer@{shop.slug}.test",
                           role="customer", name="Ana", password=ADMIN_PASSWORD)
    base = signed_in(client, shop, role)
    for page in PAGES:
        assert client.get(f"{base}{page}").status_code == 403, page
    token = csrf_token(client.get(f"{base}/", follow_redirects=True).get_data(as_text=True))
    for action in (f"{CATALOG}/options/heated_seats", f"{CATALOG}/models", f"{CATALOG}/plans",
                   f"{CATALOG}/models/urbano/manuals",
                   f"{CATALOG}/options/extended_range/price-move"):
        assert client.post(f"{base}{action}", data={
            "csrf_token": token, "enabled": "y", "price": "1.00", "billing": "one_time",
            "code": "x", "name": "X", "base_price": "1.00", "reservation": "1.00",
            "notice_days": "0"}).status_code == 403, action
    assert api_option(shop, "heated_seats")["enabled"] is False
    assert [model["code"] for model in shop.admin.get("/api/v1/models").json] == ["urbano"]


def test_an_admin_of_another_tenant_is_not_signed_in_here(client, make_tenant):
    mine, theirs = make_tenant("ES"), make_tenant("ES")
    signed_in(client, mine)
    page = client.get(f"/t/{theirs.slug}{CATALOG}")
    assert page.status_code == 302 and "/sign-in" in page.location


# --- price moves -----------------------------------------------------------------------------

def test_a_price_move_is_previewed_then_confirmed_once(make_tenant, operator, client, mailbox,
                                                      drain):
    shop, buyer, vin, service_id = subscribed(make_tenant, operator, client, mailbox, drain,
                                               at=datetime(2028, 1, 1, 9, tzinfo=timezone.utc))
    assert shop.admin.put("/api/v1/catalog/options/extended_range", json={
        "enabled": True, "price": "24.90", "billing": "monthly"}).status_code == 200
    base = signed_in(client, shop)
    address = f"{base}{CATALOG}/options/extended_range/price-move"
    preview = client.get(address, query_string={"notice_days": 30})
    html = preview.get_data(as_text=True)
    shown = texts(html)
    assert preview.status_code == 200
    # Told on 1 January with 30 days' notice (to the 31st): from 1 February.
    assert "1 feb 2028" in shown and "24,90 €" in shown
    assert buyer.get("/api/v1/me").json["email"] in shown
    assert shop.admin.get("/api/v1/audit", query_string={
        "action": "subscriptions.price_moved"}).json == []  # a preview changes nothing

    confirm = {"csrf_token": csrf_token(html.split('method="post"')[1]), "notice_days": "30",
               "once": html.split('name="once"')[1].split('value="')[1].split('"')[0]}
    moved = client.post(address, data=confirm)
    assert moved.status_code == 303 and "moved=extended_range" in moved.location
    assert es("Running subscriptions of %(option)s move to the new price from %(day)s: "
              "%(count)s. Their customers are told.",
              option=api_option(shop, "extended_range")["name"], day="1 feb 2028",
              count="1") in texts(client.get(moved.location).get_data(as_text=True))
    again = client.post(address, data=confirm)  # a double click, or Back and send again
    assert again.status_code == 303 and again.location == moved.location
    [entry] = audited(shop, "subscriptions.price_moved")
    assert entry["after"]["subscriptions"] == 1 and entry["after"]["from"] == "2028-02"


def test_a_bad_notice_is_refused_inline_and_an_option_not_sold_monthly_has_no_move(
        client, tenant):
    base = signed_in(client, tenant)
    assert save_option(client, base, "extended_range", enabled="y", price="19.90",
                       billing="monthly").status_code == 303
    address = f"{base}{CATALOG}/options/extended_range/price-move"
    refused = client.get(address, query_string={"notice_days": "-1"})
    assert refused.status_code == 422 and 'id="notice_days-error"' in refused.get_data(
        as_text=True)
    confirmed = client.post(address, data={
        "csrf_token": csrf_token(refused.get_data(as_text=True)), "notice_days": "400",
        "once": "0" * 32})
    assert confirmed.status_code == 422 and es(
        "Must be greater than or equal to %(min)s and less than or equal to %(max)s.",
        min=0, max=366) in confirmed.get_data(as_text=True)
    assert audited(tenant, "subscriptions.price_moved") == []
    assert client.get(f"{base}{CATALOG}/options/heated_seats/price-move").status_code == 404


# --- compatibility ---------------------------------------------------------------------------

def test_the_compatibility_matrix_has_options_in_rows_and_models_in_columns(client, tenant):
    set_up_catalog(tenant)
    base = signed_in(client, tenant)
    page = client.get(f"{base}{CATALOG}/compatibility")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<caption" in html
    assert '<th scope="col">Urbano EV</th>' in html
    assert html.count('<th scope="row">') == len(tenant.admin.get("/api/v1/catalog/options").json)
    assert es("Compatible") in texts(html)


# --- models, plans and manuals ---------------------------------------------------------------

def test_a_model_with_factory_options_and_a_plan_are_added_as_the_api_then_lists(
        client, tenant):
    base = signed_in(client, tenant)
    added = send_form(client, f"{base}{CATALOG}/models", **{
        "code": "grande", "name": "Grande", "base_price": "50000.00",
        "options-0-code": "towbar", "options-0-name": "Towbar", "options-0-price": "800.00"})
    assert added.status_code == 303
    [model] = tenant.admin.get("/api/v1/models").json
    assert model["code"] == "grande" and model["base_price"]["amount"] == "50000.00"
    assert [option["code"] for option in model["options"]] == ["towbar"]
    assert audited(tenant, "model.created")

    plan = send_form(client, f"{base}{CATALOG}/plans", code="premium", name="Premium",
                     reservation="2000.00")
    assert plan.status_code == 303
    assert [p["code"] for p in tenant.admin.get("/api/v1/plans").json] == ["premium"]
    assert "Premium" in texts(client.get(plan.location).get_data(as_text=True))


def test_a_taken_code_or_a_half_filled_factory_option_is_refused_inline(client, tenant):
    set_up_catalog(tenant)
    base = signed_in(client, tenant)
    taken = send_form(client, f"{base}{CATALOG}/models", code="urbano", name="Otro",
                      base_price="1.00")
    assert taken.status_code == 409
    assert es("A model with code '%(code)s' already exists.", code="urbano") in texts(
        taken.get_data(as_text=True))
    half = send_form(client, f"{base}{CATALOG}/models", code="nuevo", name="Nuevo",
                     base_price="1.00", **{"options-0-code": "towbar"})
    assert half.status_code == 422 and 'id="options-0-price-error"' in half.get_data(
        as_text=True)
    bad_plan = send_form(client, f"{base}{CATALOG}/plans", code="x y", name="X",
                         reservation="abc")
    assert bad_plan.status_code == 422 and 'id="reservation-error"' in bad_plan.get_data(
        as_text=True)
    assert [m["code"] for m in tenant.admin.get("/api/v1/models").json] == ["urbano"]
    assert [p["code"] for p in tenant.admin.get("/api/v1/plans").json] == ["standard"]


def upload(client, base, model="urbano", content=b"%PDF-1.4 manual", name="manual.pdf",
           content_type="application/pdf", title="Manual del Urbano"):
    page = client.get(f"{base}{CATALOG}/models").get_data(as_text=True)
    return client.post(f"{base}{CATALOG}/models/{model}/manuals", data={
        "csrf_token": csrf_token(page), "title": title,
        "file": (io.BytesIO(content), name, content_type)},
        content_type="multipart/form-data")


def test_a_manual_is_uploaded_for_a_model_and_bad_files_are_refused_inline(client, tenant,
                                                                           app):
    set_up_catalog(tenant)
    base = signed_in(client, tenant)
    stored = upload(client, base)
    assert stored.status_code == 303
    listed = texts(client.get(stored.location).get_data(as_text=True))
    assert any("Manual del Urbano" in text and "manual.pdf" in text for text in listed)
    [entry] = audited(tenant, "document.manual_added")
    assert entry["after"]["model"] == "urbano"

    image = upload(client, base, content=b"\x89PNG", name="photo.png", content_type="image/png")
    assert image.status_code == 415
    assert 'id="manual-urbano-file-error"' in image.get_data(as_text=True)
    empty = upload(client, base, content=b"")
    assert empty.status_code == 422
    largest = app.config["MAX_CONTENT_LENGTH"]
    large = upload(client, base, content=b"x" * (largest + 1))
    assert large.status_code == 413
    assert 'id="manual-urbano-file-error"' in large.get_data(as_text=True)
    assert len(audited(tenant, "document.manual_added")) == 1
    assert upload(client, base, model="cohete").status_code == 404

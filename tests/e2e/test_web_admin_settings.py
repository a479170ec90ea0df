"""The admin console's settings through the Flask test client, as a browser without
JavaScript: the OTA retry policy, the notification routing matrix (locked cells, resets) and
each plugin's settings from its schema (write-only secrets), through the same use cases as the
API, audited as through it; refusals inline in the admin's language, nothing changed; and
nobody but an admin gets in."""
from __future__ import annotations

import re

import pytest
from marshmallow import Schema, fields, validate

from caas import hookimpl
from caas.i18n import LazyText
from tests.e2e.test_audit import audit
from tests.e2e.test_plugin_settings import SECRET, trial_plugin  # noqa: F401 (a fixture)
from tests.support.api import ADMIN_PASSWORD, password_in
from tests.support.journey import customer, sell
from tests.support.web import csrf_token, send_form, sign_in

SETTINGS = "admin/settings"
EDITABLE = ["order_status_update", "vehicle_ready", "ota_success", "ota_failed",
            "payment_confirmation", "maintenance_due", "withdrawal", "subscription"]


def es(msgid: str, **values) -> str:
    return LazyText(msgid, **values).render("es-ES")


def admin_signed_in(client, shop) -> str:
    assert sign_in(client, shop.slug, f"admin@{shop.slug}.test", ADMIN_PASSWORD).status_code == 303
    return f"/t/{shop.slug}/{SETTINGS}"


def routes(shop) -> dict[str, dict]:
    response = shop.admin.get("/api/v1/settings/notifications")
    assert response.status_code == 200
    return {row["event"]: row for row in response.json}


def grid(**changed) -> dict:
    """The routing form as sent: every editable row ticked as now, except ``changed``."""
    current = {event: channels for event, channels in {
        "order_status_update": ["email", "push"], "vehicle_ready": ["email", "push", "sms"],
        "ota_success": ["email", "push", "vehicle_display"], "ota_failed": ["email", "push"],
        "payment_confirmation": ["email", "push"],
        "maintenance_due": ["email", "push", "sms", "vehicle_display"],
        "withdrawal": ["email", "push"], "subscription": ["email", "push"]}.items()}
    current.update(changed)
    return {"events": list(current), **current}


def tag(html: str, id_: str) -> str:
    """The element with id ``id_``'s opening tag."""
    return re.search(rf'<[^>]*\bid="{re.escape(id_)}"[^>]*>', html)[0]


def send_grid(client, page, **fields):
    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(page, data={"csrf_token": token, **fields})


# --- the landing page and the OTA policy ----------------------------------------------------

def test_the_landing_page_links_every_part(client, tenant):
    base = admin_signed_in(client, tenant)
    html = client.get(base).get_data(as_text=True)
    for part in ("ota", "notifications"):
        assert f'href="{base}/{part}"' in html
    assert es("No installed plugin takes settings for this tenant.") in html
    # The admin console's menu leads here.
    assert f'href="{base}"' in client.get(f"{base}/ota").get_data(as_text=True)


def test_the_ota_policy_is_changed_in_the_admins_language(client, tenant):
    page = f"{admin_signed_in(client, tenant)}/ota"
    before = tenant.admin.get("/api/v1/settings/ota").json
    shown = client.get(page).get_data(as_text=True)
    assert f'value="{before["max_attempts"]}"' in shown
    done = send_form(client, page, max_attempts="7", command_timeout_seconds="2,5",
                     backoff_seconds="0,75")
    assert done.status_code == 303 and done.headers["Location"] == f"{page}?saved=1"
    assert tenant.admin.get("/api/v1/settings/ota").json == {
        "max_attempts": 7, "command_timeout_seconds": 2.5, "backoff_seconds": 0.75}
    confirmed = client.get(done.headers["Location"]).get_data(as_text=True)
    assert 'role="status"' in confirmed and 'value="2,5"' in confirmed
    [entry] = audit(tenant, action="settings.ota")
    assert entry["actor_email"] == f"admin@{tenant.slug}.test"
    assert entry["after"] == {"max_attempts": 7, "command_timeout_seconds": 2.5,
                              "backoff_seconds": 0.75}


@pytest.mark.parametrize("fields, field, message", [
    ({"max_attempts": "50"}, "max_attempts",
     es("Must be greater than or equal to %(min)s and less than or equal to %(max)s.",
        min=1, max=20)),
    ({"command_timeout_seconds": "pronto"}, "command_timeout_seconds",
     es("Not a valid number.")),
    ({"backoff_seconds": ""}, "backoff_seconds", es("Not a valid number.")),
])
def test_an_invalid_ota_value_is_refused_inline_and_nothing_changes(client, tenant, fields,
                                                                   field, message):
    page = f"{admin_signed_in(client, tenant)}/ota"
    before = tenant.admin.get("/api/v1/settings/ota").json
    sent = {"max_attempts": "3", "command_timeout_seconds": "1", "backoff_seconds": "1",
            **fields}
    refused = send_form(client, page, **sent)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in tag(html, field)
    error = re.search(rf'<small id="{field}-error"[^>]*>(.*?)</small>', html, re.S)[1]
    assert message in error, error
    assert tenant.admin.get("/api/v1/settings/ota").json == before
    assert audit(tenant, action="settings.ota") == []


# --- the notification routing matrix --------------------------------------------------------

def test_a_routing_change_is_saved_audited_and_what_the_api_returns(client, tenant):
    page = f"{admin_signed_in(client, tenant)}/notifications"
    html = client.get(page).get_data(as_text=True)
    assert "<caption>" in html and es("Payment confirmation") in html and es("SMS") in html
    assert 'checked' in tag(html, "route-payment_confirmation-push")
    assert 'checked' not in tag(html, "route-payment_confirmation-sms")

    done = send_grid(client, page, **grid(payment_confirmation=["email", "sms"]))
    assert done.status_code == 303 and done.headers["Location"] == f"{page}?saved=routes"
    row = routes(tenant)["payment_confirmation"]
    assert row["channels"] == ["email", "sms"] and row["overridden"]
    assert not routes(tenant)["order_status_update"]["overridden"]
    # One entry, for the row changed, as a PUT /settings/notifications/<event> makes.
    [entry] = audit(tenant, action="settings.notification_route")
    assert (entry["entity_id"], entry["actor_email"]) == ("payment_confirmation",
                                                          f"admin@{tenant.slug}.test")
    assert entry["before"] == {"channels": None}
    assert entry["after"] == {"channels": ["email", "sms"]}
    shown = client.get(done.headers["Location"]).get_data(as_text=True)
    assert 'role="status"' in shown
    assert 'checked' in tag(shown, "route-payment_confirmation-sms")
    assert 'checked' not in tag(shown, "route-payment_confirmation-push")


def test_a_locked_cell_is_shown_locked_and_a_forged_post_changes_nothing(client, tenant):
    page = f"{admin_signed_in(client, tenant)}/notifications"
    html = client.get(page).get_data(as_text=True)
    for channel in ("email", "push", "sms", "vehicle_display"):
        cell = tag(html, f"route-credentials_generated-{channel}")
        assert "disabled" in cell and "name=" not in cell
        assert f"route-credentials_generated-{channel}-locked" in cell
    assert es("Locked") in html
    assert 'value="credentials_generated"' not in html  # no part of the form

    forged = send_grid(client, page, **{
        **grid(payment_confirmation=["email", "sms"]),
        "events": [*EDITABLE, "credentials_generated"], "credentials_generated": ["email", "sms"]})
    refused = forged.get_data(as_text=True)
    assert forged.status_code == 422
    error = re.search(r'<small id="event-credentials_generated-error"[^>]*>(.*?)</small>',
                      refused, re.S)[1]
    assert es("%(event)s is always sent by %(channels)s only.",
              event="credentials_generated", channels="email") in error
    # All or none: the other row sent with it is not changed either.
    assert routes(tenant)["credentials_generated"]["channels"] == ["email"]
    assert not routes(tenant)["payment_confirmation"]["overridden"]
    assert audit(tenant, action="settings.notification_route") == []


def test_an_event_without_a_channel_is_refused_beside_its_row(client, tenant):
    page = f"{admin_signed_in(client, tenant)}/notifications"
    refused = send_grid(client, page, **grid(vehicle_ready=[]))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert es("An event needs at least one channel.") in html
    assert 'aria-invalid="true"' in tag(html, "route-vehicle_ready-email")
    assert routes(tenant)["vehicle_ready"]["channels"] == ["email", "push", "sms"]
    unknown = send_grid(client, page, events=["birthday"], birthday=["email"])
    assert unknown.status_code == 404
    assert not any(row["overridden"] for row in routes(tenant).values())


def test_an_event_and_then_every_event_go_back_to_the_default(client, tenant):
    page = f"{admin_signed_in(client, tenant)}/notifications"
    changed = grid(order_status_update=["email"], ota_failed=["email", "sms"])
    assert send_grid(client, page, **changed).status_code == 303
    html = client.get(page).get_data(as_text=True)
    assert 'name="reset" value="order_status_update"' in html
    assert 'name="reset" value="vehicle_ready"' not in html

    one = send_grid(client, page, reset="order_status_update")
    assert one.status_code == 303 and one.headers["Location"] == f"{page}?saved=reset"
    now = routes(tenant)
    assert now["order_status_update"] == {**now["order_status_update"], "overridden": False,
                                          "channels": ["email", "push"]}
    assert now["ota_failed"]["channels"] == ["email", "sms"]

    assert send_grid(client, page, reset="*").status_code == 303
    assert not any(row["overridden"] for row in routes(tenant).values())
    assert [entry["after"] for entry in audit(tenant, action="settings.notification_route")
            ][:2] == [{"channels": None}] * 2


# --- plugins' settings ----------------------------------------------------------------------

def test_a_plugins_form_is_drawn_from_its_schema(client, tenant, trial_plugin):  # noqa: F811
    base = admin_signed_in(client, tenant)
    assert f'href="{base}/plugins/test-trial"' in client.get(base).get_data(as_text=True)
    html = client.get(f"{base}/plugins/test-trial").get_data(as_text=True)
    assert 'value="7"' in tag(html, "setting-trial_days")
    assert 'value="Ciao"' in tag(html, "setting-greeting")
    assert 'type="password"' in tag(html, "setting-api_key")
    assert es("No secret is set.") in html

    refused = send_form(client, f"{base}/plugins/test-trial", trial_days="500", greeting="Hola")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in tag(html, "setting-trial_days")
    assert es("Must be greater than or equal to %(min)s and less than or equal to %(max)s.",
              min=0, max=90) in html
    assert es("Missing data for required field.") in html  # the secret was never set
    assert 'value="Hola"' in tag(html, "setting-greeting")  # what was sent is kept
    assert tenant.admin.get("/api/v1/plugins/test-trial/settings").json["secrets"] == {
        "api_key": False}


class Dispatch(Schema):
    enabled = fields.Boolean(load_default=False)
    mode = fields.String(load_default="fast", validate=validate.OneOf(["fast", "slow"]))
    rate = fields.Float(load_default=1.5, metadata={"description": "Calls per second"})
    contact = fields.Email()


class DispatchPlugin:
    @hookimpl
    def register_plugin_settings(self):
        return Dispatch


@pytest.fixture
def dispatch_plugin(platform):
    platform.plugins.register(DispatchPlugin(), name="test-dispatch")
    try:
        yield "test-dispatch"
    finally:
        platform.plugins.unregister("test-dispatch")


def test_each_kind_of_setting_has_its_input(client, tenant, dispatch_plugin):
    page = f"{admin_signed_in(client, tenant)}/plugins/test-dispatch"
    html = client.get(page).get_data(as_text=True)
    assert 'type="checkbox"' in tag(html, "setting-enabled")
    assert 'checked' not in tag(html, "setting-enabled")
    assert re.search(r'<option value="slow">slow</option>', html)
    assert 'value="1,5"' in tag(html, "setting-rate")
    assert "setting-rate-hint" in tag(html, "setting-rate")
    assert 'type="email"' in tag(html, "setting-contact")

    assert send_form(client, page, enabled="y", mode="slow", rate="2,25",
                     contact="ops@example.test").status_code == 303
    assert tenant.admin.get("/api/v1/plugins/test-dispatch/settings").json["settings"] == {
        "enabled": True, "mode": "slow", "rate": 2.25, "contact": "ops@example.test"}
    html = client.get(page).get_data(as_text=True)
    assert 'checked' in tag(html, "setting-enabled")
    assert '<option value="slow" selected>' in html

    refused = send_form(client, page, mode="sideways", rate="many")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert es("Must be one of: %(choices)s.", choices="fast, slow") in html
    assert es("Not a valid number.") in html
    assert tenant.admin.get("/api/v1/plugins/test-dispatch/settings").json["settings"][
        "mode"] == "slow"


def test_a_secret_is_write_only_and_an_empty_field_keeps_it(client, tenant,
                                                           trial_plugin, platform):  # noqa: F811
    from caas.service_layer.plugin_settings import stored
    page = f"{admin_signed_in(client, tenant)}/plugins/test-trial"
    done = send_form(client, page, trial_days="14", greeting="Hola", api_key=SECRET)
    assert done.status_code == 303 and done.headers["Location"] == f"{page}?saved=1"
    html = client.get(done.headers["Location"]).get_data(as_text=True)
    assert SECRET not in html
    assert es("A secret is set; leave the field empty to keep it.") in html
    assert 'value=""' in tag(html, "setting-api_key")

    kept = send_form(client, page, trial_days="21", greeting="Hola", api_key="")
    assert kept.status_code == 303
    assert SECRET not in client.get(page).get_data(as_text=True)
    assert stored(platform.for_tenant(tenant.tenant), "test-trial") == {
        "api_key": SECRET, "trial_days": 21, "greeting": "Hola"}
    # Audited as through the API, the secret masked.
    [latest, first] = audit(tenant, action="settings.plugin")
    assert latest["after"]["api_key"] == "********" and SECRET not in str(first)
    # The schema requires it: no way to clear it is offered.
    assert "clear-api_key" not in client.get(page).get_data(as_text=True)


def test_a_secret_the_schema_does_not_require_is_cleared(client, make_tenant, platform):
    from caas.service_layer.plugin_settings import stored
    italy = make_tenant("IT")
    assert sign_in(client, italy.slug, f"admin@{italy.slug}.test",
                   ADMIN_PASSWORD).status_code == 303
    page = f"/t/{italy.slug}/{SETTINGS}/plugins/it"
    short = send_form(client, page, credentials="short")
    assert short.status_code == 422
    assert 'aria-invalid="true"' in tag(short.get_data(as_text=True), "setting-credentials")
    assert send_form(client, page, credentials=SECRET).status_code == 303
    html = client.get(page).get_data(as_text=True)
    assert SECRET not in html and 'name="clear-credentials"' in html
    assert send_form(client, page, credentials="", **{"clear-credentials": "1"}).status_code == 303
    assert stored(platform.for_tenant(italy.tenant), "it") == {}
    # Italy's plugin is no Spanish tenant's.
    spain = make_tenant("ES")
    assert sign_in(client, spain.slug, f"admin@{spain.slug}.test",
                   ADMIN_PASSWORD).status_code == 303
    assert client.get(f"/t/{spain.slug}/{SETTINGS}/plugins/it").status_code == 404


# --- who may ----------------------------------------------------------------------------------

PAGES = ("", "/ota", "/notifications", "/plugins/test-trial")


def test_employees_and_customers_are_refused(client, shop, mailbox, drain,
                                             trial_plugin):  # noqa: F811
    base = f"/t/{shop.slug}/{SETTINGS}"
    for address in PAGES:
        assert client.get(base + address).headers["Location"] == f"/t/{shop.slug}/sign-in"
    assert sign_in(client, shop.slug, f"employee@{shop.slug}.test",
                   ADMIN_PASSWORD).status_code == 303
    refused_all(client, shop, base)
    email = customer()["email"]
    sell(shop, email=email)
    drain()
    [message] = [m for m in mailbox.messages(email) if email in m["body"]]
    assert sign_in(client, shop.slug, email, password_in(message)).status_code == 303
    refused_all(client, shop, base)
    assert not any(row["overridden"] for row in routes(shop).values())
    assert audit(shop, action="settings") == []


def refused_all(client, shop, base):
    token = csrf_token(client.get(f"/t/{shop.slug}/password").get_data(as_text=True))
    for address in PAGES:
        assert client.get(base + address).status_code == 403
        if address:
            assert client.post(base + address, data={
                "csrf_token": token, **grid(order_status_update=["sms"]),
                "max_attempts": "9", "command_timeout_seconds": "1", "backoff_seconds": "1",
                "api_key": SECRET}).status_code == 403

"""The admin console's settings through the Flask test client, as a browser without
JavaScript: the OTA retry policy, the notification routing matrix (locked cells, resets) and
each plugin's settings from its schema (write-only secrets), through the same use cases as the
API, audited as through it; refusals inline in the admin's language, nothing changed; and
nobody but an admin gets in."""
from __future__ import annotations

import re

import pytest

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

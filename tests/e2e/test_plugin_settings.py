"""Per-tenant plugin settings: GET|PUT /api/v1/plugins/{name}/settings."""
import json
import re

import pytest
from marshmallow import Schema, fields, validate

from caas import hookimpl
from tests.support.journey import set_up_catalog, to_in_transit

SECRET = "tok-3f1c9a7e55d2"


class TrialSettings(Schema):
    trial_days = fields.Integer(load_default=7, validate=validate.Range(min=0, max=90))
    greeting = fields.String(load_default="Ciao")
    api_key = fields.String(required=True, load_only=True, validate=validate.Length(min=8))


class TrialPlugin:
    @hookimpl
    def register_plugin_settings(self):
        return TrialSettings


@pytest.fixture
def trial_plugin(platform):
    platform.plugins.register(TrialPlugin(), name="test-trial")
    try:
        yield "test-trial"
    finally:
        platform.plugins.unregister("test-trial")


def url(name):
    return f"/api/v1/plugins/{name}/settings"


def test_defaults_before_anything_is_set(tenant, trial_plugin):
    response = tenant.admin.get(url(trial_plugin))
    assert response.status_code == 200, response.json
    assert response.json == {"plugin": "test-trial",
                             "settings": {"trial_days": 7, "greeting": "Ciao"},
                             "secrets": {"api_key": False}}


def test_secrets_are_write_only(tenant, trial_plugin):
    put = tenant.admin.put(url(trial_plugin), json={"trial_days": 14, "api_key": SECRET})
    assert put.status_code == 200, put.json
    got = tenant.admin.get(url(trial_plugin))
    for response in (put, got):
        assert SECRET not in response.text
        assert response.json["settings"] == {"trial_days": 14, "greeting": "Ciao"}
        assert response.json["secrets"] == {"api_key": True}


def test_a_secret_left_out_keeps_its_value(tenant, trial_plugin, platform):
    from caas.service_layer.plugin_settings import stored
    assert tenant.admin.put(url(trial_plugin), json={"api_key": SECRET}).status_code == 200
    again = tenant.admin.put(url(trial_plugin), json={"trial_days": 30})
    assert again.status_code == 200, again.json
    assert again.json["secrets"] == {"api_key": True}
    assert stored(platform.for_tenant(tenant.tenant), trial_plugin) == {"api_key": SECRET, "trial_days": 30}


def test_a_secret_sent_as_null_is_cleared_unless_required(tenant, trial_plugin, make_tenant):
    assert tenant.admin.put(url(trial_plugin), json={"api_key": SECRET}).status_code == 200
    required = tenant.admin.put(url(trial_plugin), json={"api_key": None})
    assert required.status_code == 422 and "api_key" in required.json["errors"]["json"]
    assert tenant.admin.get(url(trial_plugin)).json["secrets"] == {"api_key": True}
    italy = make_tenant("IT")
    assert italy.admin.put(url("it"), json={"credentials": SECRET}).status_code == 200
    cleared = italy.admin.put(url("it"), json={"credentials": None})
    assert cleared.status_code == 200 and cleared.json["secrets"] == {"credentials": False}


INVALID = [
    ({"trial_days": 500, "api_key": SECRET}, "trial_days"),
    ({"trial_days": "soon", "api_key": SECRET}, "trial_days"),
    ({"api_key": "short"}, "api_key"),
    ({"trial_days": 10}, "api_key"),  # required, and never set
    ({"api_key": SECRET, "colour": "red"}, "colour"),
]


def test_invalid_settings_are_422_with_field_errors_and_change_nothing(tenant, trial_plugin):
    for body, field in INVALID:
        response = tenant.admin.put(url(trial_plugin), json=body)
        assert response.status_code == 422, (body, response.json)
        assert field in response.json["errors"]["json"], (body, response.json)
        assert SECRET not in response.text
        assert tenant.admin.get(url(trial_plugin)).json["secrets"] == {"api_key": False}
    for body in ("[1, 2]", "not json", '"text"'):
        response = tenant.admin.put(url(trial_plugin), data=body,
                                    headers={"Content-Type": "application/json"})
        assert 400 <= response.status_code < 500 and "Traceback" not in response.text


def test_the_audit_log_masks_secrets(tenant, trial_plugin):
    tenant.admin.put(url(trial_plugin), json={"trial_days": 14, "api_key": SECRET})
    tenant.admin.put(url(trial_plugin), json={"trial_days": 21, "api_key": SECRET + "-new"})
    audit = tenant.admin.get("/api/v1/audit", query_string={"page_size": 100})
    assert audit.status_code == 200
    assert SECRET not in json.dumps(audit.json)
    entries = [e for e in audit.json if e["action"] == "settings.plugin"]
    assert len(entries) == 2 and all(e["entity_id"] == "test-trial" for e in entries)
    newest = entries[0]
    assert newest["before"] == {"trial_days": 14, "api_key": "********"}
    assert newest["after"] == {"trial_days": 21, "api_key": "********"}


def test_tenants_are_isolated(make_tenant, trial_plugin):
    first, second = make_tenant("ES"), make_tenant("FR")
    assert first.admin.put(url(trial_plugin), json={"trial_days": 3,
                                                    "api_key": SECRET}).status_code == 200
    other = second.admin.get(url(trial_plugin))
    assert other.json["settings"]["trial_days"] == 7 and other.json["secrets"]["api_key"] is False
    # A token of one tenant is refused for the other's settings.
    crossing = first.admin.get(url(trial_plugin), headers={"X-Tenant": second.slug})
    assert crossing.status_code == 401


def test_unknown_plugins_or_plugins_without_settings_here_are_404(tenant):
    # heated_seats takes no settings; "it" serves only Italian tenants.
    for name in ("nope", "heated_seats", "it"):
        for response in (tenant.admin.get(url(name)),
                         tenant.admin.put(url(name), json={"credentials": SECRET})):
            assert response.status_code == 404, response.json
            assert name in response.json["message"]


def test_only_administrators(tenant, trial_plugin):
    assert tenant.employee.get(url(trial_plugin)).status_code == 403
    assert tenant.employee.put(url(trial_plugin), json={"api_key": SECRET}).status_code == 403
    assert tenant.anonymous.get(url(trial_plugin)).status_code == 401


def test_italian_registration_credentials_reach_the_registration_body(make_tenant, operator,
                                                                      app, platform):
    shop = make_tenant("IT")
    set_up_catalog(shop)
    response = shop.admin.put(url("it"), json={"credentials": SECRET})
    assert response.status_code == 200 and response.json["secrets"] == {"credentials": True}
    order = to_in_transit(shop, operator, "IT")
    note = next(step["note"] for step in order["history"] if step["to"] == "registered")
    reference = re.search(r"reference (\w+)", note).group(1)
    sandbox = app.extensions["caas_sandboxes"].registration(platform.plugins.countries["IT"])
    issued = sandbox.test_client().get(f"/sta/immatricolazioni/{reference}").json
    assert issued["plate"] == order["plate"] and issued["authorization"] == f"Bearer {SECRET}"


def test_a_settings_declaration_that_is_not_a_schema_is_the_plugins_error(platform):
    class Confused:
        @hookimpl
        def register_plugin_settings(self):
            return {"trial_days": 7}

    platform.plugins.register(Confused(), name="test-confused")
    try:
        assert "not a marshmallow Schema" in platform.plugins.loaded["test-confused"].error
        assert "test-confused" not in platform.plugins.settings_schemas
    finally:
        platform.plugins.unregister("test-confused")
    assert "test-confused" not in platform.plugins.loaded

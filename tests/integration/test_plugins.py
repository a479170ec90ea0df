"""Plugin discovery from entry points, the allow-list, and containment of failing plugins."""
import sys

import pluggy
import pytest

from caas.plugins import Plugins
from tests.support.distributions import install_distribution
from tests.support.platform import build_app, new_slug


EVENTS_PLUGIN = """
    from caas import hookimpl
    SEEN = []

    @hookimpl
    def tenant_created(tenant):
        SEEN.append(tenant)
"""

RAISING_PLUGIN = """
    from caas import hookimpl

    @hookimpl
    def register_countries():
        raise RuntimeError("broken country plugin")

    @hookimpl
    def tenant_created(tenant):
        raise RuntimeError("broken event handler")
"""


def test_bundled_countries_load_through_entry_points_with_their_distributions(operator):
    plugins = operator.get("/api/v1/platform/plugins").json["plugins"]
    by_name = {p["name"]: p for p in plugins}
    for code in ("es", "fr", "de", "ch"):
        assert by_name[code]["distribution"] == f"caas-country-{code}"
        assert by_name[code]["countries"] == [code.upper()]
        assert by_name[code]["version"] and by_name[code]["error"] is None


def test_a_third_party_distribution_is_discovered_and_receives_events(site, tmp_path, drain):
    entry, module = install_distribution(site, "caas-test-events", EVENTS_PLUGIN)
    app = build_app(tmp_path / "instance")
    platform = app.extensions["caas"]
    assert platform.plugins.loaded[entry].distribution == "caas-test-events"
    from caas.service_layer.tenants import create_tenant
    slug = new_slug("ev")
    create_tenant(platform, slug, "Events", "ES")
    drain()  # the shared worker now runs jobs in the app just built
    if not sys.modules[module].SEEN:
        # A job picked up while the worker still served the previous app is skipped;
        # the relay hands it over again, as it would after any lost dispatch.
        from caas.entrypoints.worker.fanout import relay
        relay(platform, older_than_seconds=0)
        drain()
    assert sys.modules[module].SEEN == [slug]


def test_a_raising_plugin_is_contained_and_named(site, tmp_path, caplog, drain):
    install_distribution(site, "caas-test-raising", RAISING_PLUGIN)
    app = build_app(tmp_path / "instance")
    platform = app.extensions["caas"]
    record = platform.plugins.loaded["test-raising"]
    assert "broken country plugin" in record.error
    assert {"ES", "FR", "DE", "CH"} <= set(platform.plugins.countries)
    assert any(getattr(r, "plugin", None) == "test-raising" for r in caplog.records)
    # Its failing event hook is logged against it and the change it reacts to stands.
    from caas.service_layer.tenants import create_tenant
    slug = new_slug("rz")
    create_tenant(platform, slug, "Still works", "FR")
    drain()
    assert platform.tenant(slug).status == "active"
    failures = platform.plugins.call_each("tenant_created", tenant=slug)
    assert [f.plugin for f in failures] == ["test-raising"]


def test_allow_list_limits_which_plugins_load(tmp_path, client):
    app = build_app(tmp_path / "instance", CAAS_PLUGINS="es,fr")
    assert set(app.extensions["caas"].plugins.countries) == {"ES", "FR"}
    from caas.service_layer.errors import Invalid
    from caas.service_layer.tenants import create_tenant
    with pytest.raises(Invalid) as refused:
        create_tenant(app.extensions["caas"], new_slug("al"), "No DE here", "DE")
    assert "country" in refused.value.errors


def test_an_implementation_without_a_spec_is_refused(site):
    install_distribution(site, "caas-test-typo", """
        from caas import hookimpl

        @hookimpl
        def register_contries():
            return []
    """)
    with pytest.raises(pluggy.PluginValidationError, match="register_contries"):
        Plugins(allowed={"test-typo"}).load()


FLAKY_COUNTRY_PLUGIN = """
    from decimal import Decimal
    from caas import Country, WithdrawalPolicy, hookimpl

    def validate(value):
        raise ZeroDivisionError("bug in the plugin")

    @hookimpl
    def register_countries():
        return [Country(code="XQ", name="Testland", currency="EUR", locales=("en-IE",),
                        timezone="Europe/Dublin", vat_rates={"standard": Decimal("0.23")},
                        withdrawal=WithdrawalPolicy(days=14), tax_id_validator=validate,
                        tax_id_kinds=("TIN",), plate_pattern="[0-9]+", plate_example="1",
                        postal_code_pattern="[0-9]{5}", registration_adapter=None,
                        registration_sandbox=None)]
"""


def test_a_country_plugin_failing_at_request_time_gives_503_naming_it(site, tmp_path, client):
    install_distribution(site, "caas-test-flaky", FLAKY_COUNTRY_PLUGIN)
    app = build_app(tmp_path / "instance")
    platform = app.extensions["caas"]
    from caas.service_layer.tenants import create_tenant
    flaky = create_tenant(platform, new_slug("xq"), "Testland", "XQ")
    healthy = create_tenant(platform, new_slug("es"), "Spain", "ES")

    @app.get("/probe/tax-id/<value>")
    def probe(value):
        from caas.tenancy import current_tenant
        return {"tax_id": platform.country_of(current_tenant()).validate_tax_id(value)}

    test_client = app.test_client()
    failing = test_client.get("/probe/tax-id/1", headers={"X-Tenant": flaky.slug})
    assert failing.status_code == 503
    assert "test-flaky" in failing.json["message"] and "Traceback" not in failing.text
    working = test_client.get("/probe/tax-id/12345678Z", headers={"X-Tenant": healthy.slug})
    assert working.status_code == 200 and working.json["tax_id"] == "12345678Z"


def test_the_bundled_plugins_import_only_the_public_api():
    import ast
    from pathlib import Path
    plugins = Path(__file__).resolve().parents[2] / "plugins"
    private = []
    for source in plugins.glob("*/*/caas_*/**/*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [])
            private += [f"{source.relative_to(plugins)}: {name}" for name in names
                        if name.startswith("caas.")]
    assert not private


def test_the_public_api_loads_the_registration_helpers_on_first_use():
    import subprocess
    code = ("import sys, caas; assert 'httpx' not in sys.modules and 'flask' not in sys.modules; "
            "assert caas.JsonRegistrationClient.__name__ == 'JsonRegistrationClient'; "
            "assert callable(caas.registration_sandbox)")
    subprocess.run([sys.executable, "-c", code], check=True)

"""Plugins declare the plugin API they were written for; deprecated hook arguments warn."""
import logging

import pytest

import caas
from caas.hookspecs import HookArgumentDeprecated, deprecated_arguments, hookspec
from caas.plugins import IncompatiblePlugin, Plugins, check_api_version
from tests.support.distributions import install_distribution

COUNTRY_PLUGIN = """
    from decimal import Decimal
    from caas import Country, WithdrawalPolicy, hookimpl
    {declaration}

    @hookimpl
    def register_countries():
        return [Country(code="XV", name="Versionland", currency="EUR", locales=("en-IE",),
                        timezone="Europe/Dublin", vat_rates={{"standard": Decimal("0.23")}},
                        withdrawal=WithdrawalPolicy(days=14, legal_reference="-"),
                        tax_id_validator=str, tax_id_kinds=("TIN",), plate_pattern="[0-9]+",
                        plate_example="1", postal_code_pattern="[0-9]{{5}}",
                        registration_adapter=None, registration_sandbox=None)]
"""


def load_declaring(site, name, declaration):
    entry, _ = install_distribution(site, f"caas-test-{name}",
                                    COUNTRY_PLUGIN.format(declaration=declaration))
    return Plugins(allowed={entry}).load(), entry


#: A minor version this core does not provide yet.
MAJOR, MINOR = caas.PLUGIN_API_VERSION.split(".")
NEWER_MINOR = f"{MAJOR}.{int(MINOR) + 1}"


@pytest.mark.parametrize("declared", ["2.0", NEWER_MINOR, "0.9", "one"])
def test_an_incompatible_plugin_is_refused_naming_it_and_both_versions(site, caplog, declared):
    plugins, entry = load_declaring(site, f"api{declared.replace('.', '')}",
                                    f'caas_plugin_api = "{declared}"')
    record = plugins.loaded[entry]
    assert record.error.startswith("refused: ")
    assert repr(entry) in record.error and declared in record.error
    assert caas.PLUGIN_API_VERSION in record.error
    assert "XV" not in plugins.countries and plugins.pm.get_plugin(entry) is None
    logged = [r for r in caplog.records if getattr(r, "plugin", None) == entry]
    assert logged and logged[0].levelno == logging.ERROR


def test_a_compatible_plugin_loads_with_its_declared_version(site):
    plugins, entry = load_declaring(site, "api10", 'caas_plugin_api = "1.0"')
    assert plugins.loaded[entry].error is None and plugins.loaded[entry].api_version == "1.0"
    assert "XV" in plugins.countries


def test_an_undeclared_plugin_is_taken_as_written_for_1_0_with_a_warning(site, caplog):
    plugins, entry = load_declaring(site, "undeclared", "")
    assert plugins.loaded[entry].error is None and plugins.loaded[entry].api_version is None
    assert any(getattr(r, "plugin", None) == entry and r.levelno == logging.WARNING
               for r in caplog.records)


def test_the_platform_lists_the_refusal(site, tmp_path):
    from tests.support.platform import build_app
    install_distribution(site, "caas-test-future", COUNTRY_PLUGIN.format(
        declaration='caas_plugin_api = "3.0"'))
    app = build_app(tmp_path / "instance")
    record = app.extensions["caas"].plugins.loaded["test-future"]
    assert ("written for plugin API 3.0; this core provides plugin API "
            f"{caas.PLUGIN_API_VERSION}") in record.error
    assert {"ES", "IT"} <= set(app.extensions["caas"].plugins.countries)


@pytest.mark.parametrize("declared, provided, ok", [
    ("1.0", "1.0", True), ("1.0", "1.4", True), ("1.4", "1.4", True), ("1", "1.2", True),
    ("1.5", "1.4", False), ("2.0", "1.4", False), ("1.0", "2.0", False),
])
def test_compatibility_rule(declared, provided, ok):
    if ok:
        check_api_version("xx", declared, provided)
    else:
        with pytest.raises(IncompatiblePlugin, match=rf"'xx'.*{declared}.*{provided}"):
            check_api_version("xx", declared, provided)


class DeprecatingSpecs:
    """A contract in which ``reported_hook``'s ``legacy`` argument is on its way out."""

    @hookspec(warn_on_impl_args=deprecated_arguments(legacy="use `current` instead"))
    def reported_hook(self, legacy, current):
        """A hook with a deprecated argument."""


def test_an_implementation_accepting_a_deprecated_argument_warns_naming_it(site, caplog):
    entry, _ = install_distribution(site, "caas-test-legacy", """
        from caas import hookimpl
        caas_plugin_api = "1.0"

        @hookimpl
        def reported_hook(legacy):
            return legacy
    """)
    plugins = Plugins(allowed={entry})
    plugins.pm.add_hookspecs(DeprecatingSpecs)
    with pytest.warns(HookArgumentDeprecated, match="'legacy' is deprecated: use `current`"):
        plugins.load()
    assert plugins.loaded[entry].error is None  # it still works until the argument goes
    assert plugins.pm.hook.reported_hook(legacy=1, current=2) == [1]
    assert any(getattr(r, "plugin", None) == entry and "legacy" in r.getMessage()
               for r in caplog.records)


def test_an_implementation_without_the_deprecated_argument_does_not_warn(recwarn):
    class Current:
        @caas.hookimpl
        def reported_hook(self, current):
            return current

    plugins = Plugins(allowed=set())
    plugins.pm.add_hookspecs(DeprecatingSpecs)
    plugins.load()
    plugins.register(Current(), name="current")
    assert not [w for w in recwarn if issubclass(w.category, HookArgumentDeprecated)]


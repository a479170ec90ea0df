"""Performance boost: more motor power and launch control for 30 days, bought once."""
from pathlib import Path

from caas import CatalogOption, N_, hookimpl

#: The plugin-API version this plugin was written for (see caas.PLUGIN_API_VERSION).
caas_plugin_api = "1.2"

#: Extra peak power over the model's standard rating, within its type approval.
EXTRA_POWER_PCT = 15


def activate(vin):
    return {
        "powertrain.boost.enabled": True,
        "powertrain.boost.extra_power_pct": EXTRA_POWER_PCT,
        "powertrain.launch_control.enabled": True,
    }


def deactivate(vin):
    return {"powertrain.boost.enabled": False, "powertrain.launch_control.enabled": False}


PERFORMANCE_BOOST = CatalogOption(
    code="performance_boost",
    name=N_("Performance boost"),
    description=N_("More power and sharper acceleration for 30 days, with launch control."),
    billing_modes=("one_time",),
    activation_payload=activate,
    deactivation_payload=deactivate,
    duration_days=30,
    # Only models whose type approval covers the boosted output; a model joins in a release.
    compatible_models=("urbano", "familiar"),
    list_prices={"EUR": {"price": "99.00", "billing": "one_time"},
                 "CHF": {"price": "129.00", "billing": "one_time"}},
)


@hookimpl
def register_catalog_options():
    return [PERFORMANCE_BOOST]


@hookimpl
def register_translations():
    """The catalogs translating the texts marked N_ above (pybabel compiles them)."""
    return [Path(__file__).parent / "translations"]

"""Extended range: the battery's full usable capacity, as a monthly subscription."""
from pathlib import Path

from caas import CatalogOption, N_, hookimpl

#: The plugin-API version this plugin was written for (see caas.PLUGIN_API_VERSION).
caas_plugin_api = "1.2"

#: Share of the battery's usable capacity the car may use, with and without the option.
#: The factory setting keeps a 10 % reserve; the option releases it.
FULL_PCT, STANDARD_PCT = 100, 90


def activate(vin):
    return {"battery.usable_capacity_pct": FULL_PCT}


def deactivate(vin):
    return {"battery.usable_capacity_pct": STANDARD_PCT}


EXTENDED_RANGE = CatalogOption(
    code="extended_range",
    name=N_("Extended range"),
    description=N_("Unlocks the battery's full usable capacity for more kilometres on every "
                   "charge."),
    billing_modes=("monthly",),
    activation_payload=activate,
    deactivation_payload=deactivate,
    # The models with a software-limited traction battery.
    compatible_models=("urbano", "familiar"),
    list_prices={"EUR": {"price": "19.90", "billing": "monthly"},
                 "CHF": {"price": "24.90", "billing": "monthly"}},
)


@hookimpl
def register_catalog_options():
    return [EXTENDED_RANGE]


@hookimpl
def register_translations():
    """The catalogs translating the texts marked N_ above (pybabel compiles them)."""
    return [Path(__file__).parent / "translations"]

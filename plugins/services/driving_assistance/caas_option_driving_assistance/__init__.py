"""Driving assistance: comfort ADAS functions, as a monthly subscription.

The safety systems every new car must have (emergency braking, emergency lane
keeping) are standard equipment and are never switched by this option.
"""
from pathlib import Path

from caas import CatalogOption, N_, hookimpl

#: The plugin-API version this plugin was written for (see caas.PLUGIN_API_VERSION).
caas_plugin_api = "1.2"

FEATURES = ("adas.adaptive_cruise", "adas.lane_centering", "adas.traffic_jam_assist")


def activate(vin):
    return {f"{feature}.enabled": True for feature in FEATURES}


def deactivate(vin):
    return {f"{feature}.enabled": False for feature in FEATURES}


DRIVING_ASSISTANCE = CatalogOption(
    code="driving_assistance",
    name=N_("Driving assistance"),
    description=N_("Adaptive cruise control, lane centring and traffic jam assist for more relaxed "
                   "journeys."),
    billing_modes=("monthly",),
    activation_payload=activate,
    deactivation_payload=deactivate,
    # Cameras and radar must be calibrated: blocked while maintenance is overdue.
    requires_maintenance=True,
    list_prices={"EUR": {"price": "29.90", "billing": "monthly"},
                 "CHF": {"price": "39.90", "billing": "monthly"}},
)


@hookimpl
def register_catalog_options():
    return [DRIVING_ASSISTANCE]


@hookimpl
def register_translations():
    """The catalogs translating the texts marked N_ above (pybabel compiles them)."""
    return [Path(__file__).parent / "translations"]

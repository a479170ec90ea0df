"""Heated seats: front seat heating, bought once and kept for the life of the car."""
from pathlib import Path

from caas import CatalogOption, N_, hookimpl

#: The plugin-API version this plugin was written for (see caas.PLUGIN_API_VERSION).
caas_plugin_api = "1.2"

LEVELS = 3


def activate(vin):
    return {"comfort.heated_seats.enabled": True, "comfort.heated_seats.levels": LEVELS}


def deactivate(vin):
    return {"comfort.heated_seats.enabled": False}


HEATED_SEATS = CatalogOption(
    code="heated_seats",
    name=N_("Heated seats"),
    description=N_("Warm front seats in seconds, with three heat levels."),
    billing_modes=("one_time",),
    activation_payload=activate,
    deactivation_payload=deactivate,
    list_prices={"EUR": {"price": "249.00", "billing": "one_time"},
                 "CHF": {"price": "290.00", "billing": "one_time"}},
)


@hookimpl
def register_catalog_options():
    return [HEATED_SEATS]


@hookimpl
def register_translations():
    """The catalogs translating the texts marked N_ above (pybabel compiles them)."""
    return [Path(__file__).parent / "translations"]

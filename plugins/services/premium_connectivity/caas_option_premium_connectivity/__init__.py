"""Premium connectivity: hotspot, streaming and live traffic, as a monthly subscription."""
from pathlib import Path

from caas import CatalogOption, N_, UsageMetric, hookimpl

#: The plugin-API version this plugin was written for (see caas.PLUGIN_API_VERSION).
caas_plugin_api = "1.2"

SERVICES = ("connectivity.hotspot", "connectivity.streaming", "connectivity.live_traffic")
HOTSPOT_MAX_DEVICES = 8


def activate(vin):
    settings = {f"{service}.enabled": True for service in SERVICES}
    settings["connectivity.hotspot.max_devices"] = HOTSPOT_MAX_DEVICES
    return settings


def deactivate(vin):
    return {f"{service}.enabled": False for service in SERVICES}


PREMIUM_CONNECTIVITY = CatalogOption(
    code="premium_connectivity",
    name=N_("Premium connectivity"),
    description=N_("In-car Wi-Fi hotspot, music and video streaming and live traffic "
                   "information."),
    billing_modes=("monthly",),
    trial_days=14,
    # Data the hotspot and streaming use, reported daily by the vehicle's telemetry; tenants
    # may price it beyond a monthly allowance.
    usage=UsageMetric(metric="data", unit="GB", decimals=3, name=N_("data")),
    activation_payload=activate,
    deactivation_payload=deactivate,
    list_prices={"EUR": {"price": "9.90", "billing": "monthly", "usage_price": "1.50",
                         "included": "10"},
                 "CHF": {"price": "12.90", "billing": "monthly", "usage_price": "1.60",
                         "included": "10"}},
)


@hookimpl
def register_catalog_options():
    return [PREMIUM_CONNECTIVITY]


@hookimpl
def register_translations():
    """The catalogs translating the texts marked N_ above (pybabel compiles them)."""
    return [Path(__file__).parent / "translations"]

"""Premium connectivity: hotspot, streaming and live traffic, as a monthly subscription."""
from caas import CatalogOption, UsageMetric, hookimpl

#: The plugin-API version this plugin was written for (see caas.PLUGIN_API_VERSION).
caas_plugin_api = "1.0"

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
    names={
        "en": "Premium connectivity",
        "es": "Conectividad premium",
        "fr": "Connectivité premium",
        "de": "Premium-Konnektivität",
        "it": "Connettività premium",
    },
    descriptions={
        "en": "In-car Wi-Fi hotspot, music and video streaming and live traffic information.",
        "es": "Punto de acceso wifi a bordo, streaming de música y vídeo e información "
              "del tráfico en tiempo real.",
        "fr": "Point d'accès Wi-Fi à bord, streaming musical et vidéo et infos trafic "
              "en temps réel.",
        "de": "WLAN-Hotspot im Auto, Musik- und Video-Streaming sowie Verkehrsinfos "
              "in Echtzeit.",
        "it": "Hotspot Wi-Fi a bordo, streaming di musica e video e informazioni sul traffico "
              "in tempo reale.",
    },
    billing_modes=("monthly",),
    trial_days=14,
    # Data the hotspot and streaming use, reported daily by the vehicle's telemetry; tenants
    # may price it beyond a monthly allowance.
    usage=UsageMetric(metric="data", unit="GB", decimals=3, names={
        "en": "data", "es": "datos", "fr": "données", "de": "Daten", "it": "dati"}),
    activation_payload=activate,
    deactivation_payload=deactivate,
)


@hookimpl
def register_catalog_options():
    return [PREMIUM_CONNECTIVITY]

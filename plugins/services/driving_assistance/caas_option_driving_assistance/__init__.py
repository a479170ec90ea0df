"""Driving assistance: comfort ADAS functions, as a monthly subscription.

The safety systems every new car must have (emergency braking, emergency lane
keeping) are standard equipment and are never switched by this option.
"""
from caas import CatalogOption, hookimpl

#: The plugin-API version this plugin was written for (see caas.PLUGIN_API_VERSION).
caas_plugin_api = "1.0"

FEATURES = ("adas.adaptive_cruise", "adas.lane_centering", "adas.traffic_jam_assist")


def activate(vin):
    return {f"{feature}.enabled": True for feature in FEATURES}


def deactivate(vin):
    return {f"{feature}.enabled": False for feature in FEATURES}


DRIVING_ASSISTANCE = CatalogOption(
    code="driving_assistance",
    names={
        "en": "Driving assistance",
        "es": "Asistencia a la conducción",
        "fr": "Aide à la conduite",
        "de": "Fahrassistenz",
        "it": "Assistenza alla guida",
    },
    descriptions={
        "en": "Adaptive cruise control, lane centring and traffic jam assist "
              "for more relaxed journeys.",
        "es": "Control de crucero adaptativo, centrado de carril y asistente de atascos "
              "para viajar más relajado.",
        "fr": "Régulateur de vitesse adaptatif, centrage dans la voie et assistant "
              "embouteillages pour des trajets plus sereins.",
        "de": "Adaptiver Tempomat, Spurführungsassistent und Stauassistent "
              "für entspannteres Fahren.",
        "it": "Cruise control adattivo, centraggio della corsia e assistenza negli ingorghi "
              "per viaggi più rilassati.",
    },
    billing_modes=("monthly",),
    activation_payload=activate,
    deactivation_payload=deactivate,
    # Cameras and radar must be calibrated: blocked while maintenance is overdue.
    requires_maintenance=True,
)


@hookimpl
def register_catalog_options():
    return [DRIVING_ASSISTANCE]

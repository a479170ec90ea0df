"""Heated seats: front seat heating, bought once and kept for the life of the car."""
from caas import CatalogOption, hookimpl

#: The plugin-API version this plugin was written for (see caas.PLUGIN_API_VERSION).
caas_plugin_api = "1.0"

LEVELS = 3


def activate(vin):
    return {"comfort.heated_seats.enabled": True, "comfort.heated_seats.levels": LEVELS}


def deactivate(vin):
    return {"comfort.heated_seats.enabled": False}


HEATED_SEATS = CatalogOption(
    code="heated_seats",
    names={
        "en": "Heated seats",
        "es": "Asientos calefactados",
        "fr": "Sièges chauffants",
        "de": "Sitzheizung",
        "it": "Sedili riscaldati",
    },
    descriptions={
        "en": "Warm front seats in seconds, with three heat levels.",
        "es": "Asientos delanteros calientes en segundos, con tres niveles de calor.",
        "fr": "Des sièges avant chauds en quelques secondes, avec trois niveaux de chauffe.",
        "de": "Warme Vordersitze in Sekunden, mit drei Heizstufen.",
        "it": "Sedili anteriori caldi in pochi secondi, con tre livelli di riscaldamento.",
    },
    billing_modes=("one_time",),
    activation_payload=activate,
    deactivation_payload=deactivate,
)


@hookimpl
def register_catalog_options():
    return [HEATED_SEATS]

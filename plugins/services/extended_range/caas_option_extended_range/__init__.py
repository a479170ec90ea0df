"""Extended range: the battery's full usable capacity, as a monthly subscription."""
from caas import CatalogOption, hookimpl

#: The plugin-API version this plugin was written for (see caas.PLUGIN_API_VERSION).
caas_plugin_api = "1.0"

#: Share of the battery's usable capacity the car may use, with and without the option.
#: The factory setting keeps a 10 % reserve; the option releases it.
FULL_PCT, STANDARD_PCT = 100, 90


def activate(vin):
    return {"battery.usable_capacity_pct": FULL_PCT}


def deactivate(vin):
    return {"battery.usable_capacity_pct": STANDARD_PCT}


EXTENDED_RANGE = CatalogOption(
    code="extended_range",
    names={
        "en": "Extended range",
        "es": "Autonomía ampliada",
        "fr": "Autonomie étendue",
        "de": "Erweiterte Reichweite",
        "it": "Autonomia estesa",
    },
    descriptions={
        "en": "Unlocks the battery's full usable capacity for more kilometres on every charge.",
        "es": "Desbloquea toda la capacidad útil de la batería para recorrer más kilómetros "
              "con cada carga.",
        "fr": "Libère toute la capacité utile de la batterie pour parcourir plus de kilomètres "
              "à chaque charge.",
        "de": "Schaltet die volle nutzbare Batteriekapazität frei: mehr Kilometer mit jeder "
              "Ladung.",
        "it": "Sblocca tutta la capacità utile della batteria per percorrere più chilometri "
              "con ogni ricarica.",
    },
    billing_modes=("monthly",),
    activation_payload=activate,
    deactivation_payload=deactivate,
    # The models with a software-limited traction battery.
    compatible_models=("urbano", "familiar"),
)


@hookimpl
def register_catalog_options():
    return [EXTENDED_RANGE]

"""Performance boost: more motor power and launch control for 30 days, bought once."""
from caas import CatalogOption, hookimpl

#: The plugin-API version this plugin was written for (see caas.PLUGIN_API_VERSION).
caas_plugin_api = "1.0"

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
    names={
        "en": "Performance boost",
        "es": "Impulso de potencia",
        "fr": "Boost de performances",
        "de": "Leistungsboost",
        "it": "Boost di potenza",
    },
    descriptions={
        "en": "More power and sharper acceleration for 30 days, with launch control.",
        "es": "Más potencia y una aceleración más viva durante 30 días, con control de salida.",
        "fr": "Plus de puissance et des accélérations plus vives pendant 30 jours, "
              "avec launch control.",
        "de": "Mehr Leistung und spontanere Beschleunigung für 30 Tage, mit Launch Control.",
        "it": "Più potenza e accelerazioni più brillanti per 30 giorni, con launch control.",
    },
    billing_modes=("one_time",),
    activation_payload=activate,
    deactivation_payload=deactivate,
    duration_days=30,
    # Only models whose type approval covers the boosted output; a model joins in a release.
    compatible_models=("urbano", "familiar"),
)


@hookimpl
def register_catalog_options():
    return [PERFORMANCE_BOOST]

"""Switzerland: CHF, Swiss VAT (MWST/TVA/IVA), cantonal vehicle registration."""
from decimal import Decimal
from pathlib import Path

from stdnum.ch import ssn, uid

from caas import Country, WithdrawalPolicy, hookimpl, stdnum_validator

from caas_country_ch.cantons import CANTONS, with_canton
from caas_country_ch.registration import StvaClient, sandbox

#: The plugin-API version this plugin was written for (see caas.PLUGIN_API_VERSION).
caas_plugin_api = "1.2"


TAX_ID_KINDS = ("AHV", "UID")
#: AHV/AVS number for persons, UID for companies.
validate_tax_id = stdnum_validator(ssn, uid, kinds=TAX_ID_KINDS)


SWITZERLAND = Country(
    code="CH",
    name="Switzerland",
    currency="CHF",
    locales=("de-CH", "fr-CH", "it-CH"),
    timezone="Europe/Zurich",
    vat_rates={
        "standard": Decimal("0.081"),
        "reduced": Decimal("0.026"),
        "accommodation": Decimal("0.038"),
    },
    # Swiss law grants no cooling-off period for contracts concluded online.
    withdrawal=WithdrawalPolicy(
        days=0, refund_rule="none",
        legal_reference="No general statutory right (OR art. 40a ff. cover doorstep sales only)",
    ),
    tax_id_validator=validate_tax_id,
    tax_id_kinds=TAX_ID_KINDS,
    plate_pattern=rf"(?:{'|'.join(CANTONS)}) [1-9][0-9]{{0,5}}",
    plate_example="ZH 123456",
    postal_code_pattern=r"[1-9][0-9]{3}",
    # Plates and registration go by the holder's canton: given, or from the postal code.
    address_normaliser=with_canton,
    registration_adapter=StvaClient,
    registration_sandbox=sandbox,
    tax_id_samples={
        "valid": ("756.1234.5678.97", "7569217076985", "CHE-100.155.212"),
        "invalid": ("756.1234.5678.90", "CHE-100.155.213", "1234"),
    },
    invoice_number_format="CH-{series}-{year}-{seq:06d}",
    payment_terms_days=10,
    # Whom `caas demo sale` sells to here (each run under a new name and tax id).
    demo_customer={
        "name": "Léa Favre", "tax_id": "756.1234.5678.97", "phone": "+41 79 123 45 67",
        "locale": "fr-CH",
        "address": {"street": "Rue du Rhône 1", "city": "Genève", "postal_code": "1204",
                    "canton": "GE"},
    },
)


@hookimpl
def register_countries():
    return [SWITZERLAND]


@hookimpl
def register_translations():
    """The catalogs translating this plugin's messages (a canton refused or missing)."""
    return [Path(__file__).parent / "translations"]

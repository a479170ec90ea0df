"""Spain: EUR, Spanish VAT (IVA), DGT vehicle registration."""
from decimal import Decimal

from stdnum.es import nif

from caas import Country, WithdrawalPolicy, hookimpl, stdnum_validator

from caas_country_es.registration import LETTERS, DgtClient, sandbox

#: The plugin-API version this plugin was written for (see caas.PLUGIN_API_VERSION).
caas_plugin_api = "1.2"


TAX_ID_KINDS = ("NIF", "NIE")
#: stdnum's NIF covers DNI, CIF and the NIE (X, Y and Z numbers) of foreigners.
validate_tax_id = stdnum_validator(nif, kinds=TAX_ID_KINDS)


SPAIN = Country(
    code="ES",
    name="Spain",
    currency="EUR",
    locales=("es-ES",),
    timezone="Europe/Madrid",
    vat_rates={
        "standard": Decimal("0.21"),
        "reduced": Decimal("0.10"),
        "super_reduced": Decimal("0.04"),
    },
    withdrawal=WithdrawalPolicy(
        days=14, refund_rule="full",
        legal_reference="Real Decreto Legislativo 1/2007, art. 102",
    ),
    tax_id_validator=validate_tax_id,
    tax_id_kinds=TAX_ID_KINDS,
    # National format since 2000: four digits and three consonants.
    plate_pattern=rf"[0-9]{{4}} [{LETTERS}]{{3}}",
    plate_example="1234 BCD",
    # The first two digits are the province, 01 to 52.
    postal_code_pattern=r"(?:0[1-9]|[1-4][0-9]|5[0-2])[0-9]{3}",
    registration_adapter=DgtClient,
    registration_sandbox=sandbox,
    tax_id_samples={
        "valid": ("12345678Z", "X-1234567-L", "Y1234567X"),
        "invalid": ("12345678A", "X1234567A", "1234"),
    },
    invoice_number_format="{series}/{year}/{seq:06d}",
    payment_terms_days=0,
    # Whom `caas demo sale` sells to here (each run under a new name and tax id).
    demo_customer={
        "name": "Lucía García Martín", "tax_id": "12345678Z", "phone": "+34 612 345 678",
        "locale": "es-ES",
        "address": {"street": "Calle Mayor 1", "city": "Madrid", "postal_code": "28013"},
    },
)


@hookimpl
def register_countries():
    return [SPAIN]

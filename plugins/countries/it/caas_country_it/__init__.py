"""Italy: EUR, Italian VAT (IVA), registration with the Motorizzazione (STA)."""
from decimal import Decimal

from marshmallow import Schema, fields, validate
from stdnum.it import codicefiscale, iva

from caas import Country, WithdrawalPolicy, hookimpl, stdnum_validator

from caas_country_it.registration import LETTERS, StaClient, sandbox

#: The plugin-API version this plugin was written for (see caas.PLUGIN_API_VERSION).
caas_plugin_api = "1.2"


#: Codice fiscale for persons, partita IVA for companies.
TAX_ID_KINDS = ("codice fiscale", "partita IVA")
validate_tax_id = stdnum_validator(codicefiscale, iva, kinds=TAX_ID_KINDS)


COUNTRY = Country(
    code="IT",
    name="Italy",
    currency="EUR",
    locales=("it-IT",),
    timezone="Europe/Rome",
    vat_rates={
        "standard": Decimal("0.22"),
        "reduced": Decimal("0.10"),
        "intermediate": Decimal("0.05"),
        "super_reduced": Decimal("0.04"),
    },
    withdrawal=WithdrawalPolicy(
        days=14, refund_rule="full",
        legal_reference="Codice del Consumo (D.Lgs. 206/2005), art. 52",
    ),
    tax_id_validator=validate_tax_id,
    tax_id_kinds=TAX_ID_KINDS,
    # National format since 1994: two letters, three digits, two letters.
    plate_pattern=rf"[{LETTERS}]{{2}} [0-9]{{3}} [{LETTERS}]{{2}}",
    plate_example="AB 123 CD",
    # CAP: five digits.
    postal_code_pattern=r"[0-9]{5}",
    # Invoices are written number/year ("numero progressivo"), one series for credit notes.
    invoice_number_format="{seq:06d}/{series}/{year}",
    registration_adapter=StaClient,
    registration_sandbox=sandbox,
    tax_id_samples={
        "valid": ("RCCMNL83S18D969H", "IT 00743110157"),
        "invalid": ("RCCMNL83S18D969A", "00743110158", "1234"),
    },
    # Whom `caas demo sale` sells to here (each run under a new name and tax id).
    demo_customer={
        "name": "Emanuele Ricci", "tax_id": "RCCMNL83S18D969H", "phone": "+39 312 345 6789",
        "locale": "it-IT",
        "address": {"street": "Via del Corso 1", "city": "Roma", "postal_code": "00186"},
    },
)


@hookimpl
def register_countries():
    return [COUNTRY]


class Settings(Schema):
    """A tenant's settings: its credentials with the STA, sent as a bearer token."""

    credentials = fields.String(load_only=True, validate=validate.Length(min=8, max=512),
                                metadata={"description": "STA API token (secret)"})


@hookimpl
def register_plugin_settings():
    return Settings

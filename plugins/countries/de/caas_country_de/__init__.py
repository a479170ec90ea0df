"""Germany: EUR, German VAT (USt), Zulassungsstelle vehicle registration."""
from decimal import Decimal

from stdnum.de import idnr

from caas import Country, WithdrawalPolicy, hookimpl, stdnum_validator

from caas_country_de.registration import ZulassungClient, sandbox

#: The plugin-API version this plugin was written for (see caas.PLUGIN_API_VERSION).
caas_plugin_api = "1.2"


TAX_ID_KINDS = ("IdNr",)
#: The Steuerliche Identifikationsnummer.
validate_tax_id = stdnum_validator(idnr, kinds=TAX_ID_KINDS)


GERMANY = Country(
    code="DE",
    name="Germany",
    currency="EUR",
    locales=("de-DE",),
    timezone="Europe/Berlin",
    vat_rates={"standard": Decimal("0.19"), "reduced": Decimal("0.07")},
    withdrawal=WithdrawalPolicy(days=14, refund_rule="full", legal_reference="BGB § 355"),
    tax_id_validator=validate_tax_id,
    tax_id_kinds=TAX_ID_KINDS,
    # District code, then letters and a number without leading zero; the FZV caps
    # a plate at eight characters, i.e. ten with both separators.
    plate_pattern=r"(?!.{11})[A-ZÄÖÜ]{1,3}-[A-Z]{1,2} [1-9][0-9]{0,3}",
    plate_example="B-AB 1234",
    # "00" is no postal region.
    postal_code_pattern=r"(?!00)[0-9]{5}",
    registration_adapter=ZulassungClient,
    registration_sandbox=sandbox,
    tax_id_samples={
        "valid": ("36 574 261 809", "65929970489", "26954371827"),
        "invalid": ("36 574 261 808", "01234567890", "1234"),
    },
    invoice_number_format="{year}-{series}-{seq:06d}",
    payment_terms_days=14,
    # Whom `caas demo sale` sells to here (each run under a new name and tax id).
    demo_customer={
        "name": "Anna Müller", "tax_id": "36 574 261 809", "phone": "+49 1512 3456789",
        "locale": "de-DE",
        "address": {"street": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117"},
    },
)


@hookimpl
def register_countries():
    return [GERMANY]

"""France: EUR, French VAT (TVA), ANTS/SIV vehicle registration."""
from decimal import Decimal

from stdnum.fr import nir, siren

from caas import Country, WithdrawalPolicy, hookimpl, stdnum_validator

from caas_country_fr.registration import LETTERS, SivClient, sandbox

#: The plugin-API version this plugin was written for (see caas.PLUGIN_API_VERSION).
caas_plugin_api = "1.2"


TAX_ID_KINDS = ("NIR", "SIREN")
#: NIR for persons, SIREN for companies.
validate_tax_id = stdnum_validator(nir, siren, kinds=TAX_ID_KINDS)


FRANCE = Country(
    code="FR",
    name="France",
    currency="EUR",
    locales=("fr-FR",),
    timezone="Europe/Paris",
    vat_rates={
        "standard": Decimal("0.20"),
        "intermediate": Decimal("0.10"),
        "reduced": Decimal("0.055"),
        "super_reduced": Decimal("0.021"),
    },
    withdrawal=WithdrawalPolicy(
        days=14, refund_rule="full",
        legal_reference="Code de la consommation, art. L221-18",
    ),
    tax_id_validator=validate_tax_id,
    tax_id_kinds=TAX_ID_KINDS,
    # SIV format (since 2009): "SS" and "WW" (temporary plates) never lead and
    # "SS" never ends a plate; the number runs 001 to 999.
    plate_pattern=rf"(?!SS|WW)[{LETTERS}]{{2}}-(?!000)[0-9]{{3}}-(?!SS)[{LETTERS}]{{2}}",
    plate_example="AB-123-CD",
    # The first two digits are the département; "00" does not exist.
    postal_code_pattern=r"(?!00)[0-9]{5}",
    registration_adapter=SivClient,
    registration_sandbox=sandbox,
    tax_id_samples={
        "valid": ("2 95 10 99 126 111 93", "1 84 05 76 451 089 31", "732 829 320"),
        "invalid": ("2 95 10 99 126 111 94", "732 829 321", "12345"),
    },
    invoice_number_format="{series}-{year}-{seq:07d}",
    payment_terms_days=0,
    # Whom `caas demo sale` sells to here (each run under a new name and tax id).
    demo_customer={
        "name": "Camille Martin", "tax_id": "2 95 10 99 126 111 93", "phone": "+33 6 12 34 56 78",
        "locale": "fr-FR",
        "address": {"street": "1 rue de Rivoli", "city": "Paris", "postal_code": "75001"},
    },
)


@hookimpl
def register_countries():
    return [FRANCE]

"""A country whose language (Dutch) the platform's own catalogs lack: its catalog brings a part
of the platform's messages and an option's name, and it declares how much it translates."""
from decimal import Decimal
from pathlib import Path

from stdnum.nl import bsn, btw

from caas import Country, WithdrawalPolicy, hookimpl, stdnum_validator

from caas_test_country_nl.registration import RdwClient, sandbox

caas_plugin_api = "1.1"
#: The catalog translates a few of the platform's messages: a partial catalog, declared so.
caas_translation_coverage = 0.05

TAX_ID_KINDS = ("BSN", "btw-id")

COUNTRY = Country(
    code="NL",
    name="Netherlands",
    currency="EUR",
    locales=("nl-NL",),
    timezone="Europe/Amsterdam",
    vat_rates={"standard": Decimal("0.21"), "reduced": Decimal("0.09")},
    withdrawal=WithdrawalPolicy(days=14, refund_rule="full",
                                legal_reference="Burgerlijk Wetboek, art. 6:230o"),
    tax_id_validator=stdnum_validator(bsn, btw, kinds=TAX_ID_KINDS),
    tax_id_kinds=TAX_ID_KINDS,
    plate_pattern=r"[A-Z]{2}-[0-9]{3}-[A-Z]",
    plate_example="XK-123-B",
    postal_code_pattern=r"[1-9][0-9]{3} ?[A-Z]{2}",
    registration_adapter=RdwClient,
    registration_sandbox=sandbox,
    tax_id_samples={"valid": ("111222333", "NL004495445B01"),
                    "invalid": ("111222334", "1234")},
)


@hookimpl
def register_countries():
    return [COUNTRY]


@hookimpl
def register_translations():
    return [Path(__file__).parent / "translations"]

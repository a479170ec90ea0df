"""CaaS: a multi-tenant Car-as-a-Service platform.

Plugin authors import what they need from here::

    from caas import hookimpl, Country, WithdrawalPolicy, stdnum_validator
    from caas import CatalogOption, N_   # N_: texts the plugin's catalogs translate
    from caas import lazy_gettext        # a text with values, translated when it is read
"""
import pluggy

__version__ = "0.1.0"

#: Version of the plugin contract declared in :mod:`caas.hookspecs`.
PLUGIN_API_VERSION = "1.1"

hookimpl = pluggy.HookimplMarker("caas")

from caas.domain.countries import (  # noqa: E402  (hookimpl must exist first)
    Country,
    InvalidAddress,
    InvalidTaxId,
    RegistrationRequest,
    RegistrationResult,
    RegistrationError,
    WithdrawalPolicy,
    stdnum_validator,
)
from caas.domain.catalog import CatalogOption, UsageMetric  # noqa: E402
from caas.i18n import N_, lazy_gettext  # noqa: E402

__all__ = [
    "__version__",
    "PLUGIN_API_VERSION",
    "hookimpl",
    "Country",
    "CatalogOption",
    "InvalidAddress",
    "N_",
    "lazy_gettext",
    "InvalidTaxId",
    "RegistrationRequest",
    "RegistrationResult",
    "RegistrationError",
    "WithdrawalPolicy",
    "stdnum_validator",
    "UsageMetric",
]

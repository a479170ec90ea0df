"""CaaS: a multi-tenant Car-as-a-Service platform.

Plugin authors import what they need from here::

    from caas import hookimpl, Country, WithdrawalPolicy, stdnum_validator
    from caas import CatalogOption, N_   # N_: texts the plugin's catalogs translate
    from caas import lazy_gettext        # a text with values, translated when it is read
    from caas import JsonRegistrationClient, registration_sandbox   # a registration body

The registration client base and its sandbox helper load on first use (they bring httpx
and Flask), so that importing :mod:`caas` stays cheap.
"""
import pluggy

__version__ = "0.1.0"

#: Version of the plugin contract declared in :mod:`caas.hookspecs`.
PLUGIN_API_VERSION = "1.2"

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

#: Public names that live in heavier modules, imported when first asked for.
_LAZY = {
    "JsonRegistrationClient": "caas.adapters.http.registration",
    "registration_sandbox": "caas.sandboxes.registration",
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'caas' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # the next access does not come back here
    return value


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
    "JsonRegistrationClient",
    "registration_sandbox",
]

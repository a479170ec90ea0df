"""The countries of the installed plugins, read rather than listed, so that a new country
changes no test."""
from __future__ import annotations

from functools import lru_cache

from babel import Locale

from caas.plugins import Plugins


@lru_cache(maxsize=1)
def installed_countries() -> dict:
    """The installed plugins' countries by code."""
    return dict(Plugins(None).load().countries)


def with_demo_customer() -> list[str]:
    """The codes of the installed countries whose plugin declares a ``demo_customer``."""
    return sorted(code for code, country in installed_countries().items()
                  if country.demo_customer)


def a_country_no_plugin_provides() -> str:
    """An ISO 3166-1 code (Babel's) that no installed plugin provides."""
    return next(code for code in sorted(Locale("en").territories)
                if len(code) == 2 and code.isalpha() and code not in installed_countries())

"""What a catalog-option plugin provides: an optional on-car service."""
from __future__ import annotations

import re
from decimal import Decimal
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

BILLING_MODES = ("one_time", "monthly")
METRIC_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_DECIMALS = 6


@dataclass(frozen=True)
class UsageMetric:
    """What a monthly option measures and may bill by use, e.g. connectivity data in GB.

    :param metric: the code telemetry reports it under, lower-case with underscores.
    :param unit: the unit's symbol as declared (``"GB"``); the platform writes known units
        the way each language does (``caas.quantities.CLDR_UNITS``).
    :param name: what is measured, in English (``"data"``); the plugin's message catalogs
        translate it (``register_translations``).
    :param decimals: decimal places a quantity may have; quantities are kept as whole
        numbers of that fraction of the unit (3: thousandths of a GB), never as floats.
    :param names: the older way to translate ``name``: a text per language
        (``{"en": "data", "es": "datos"}``), still read when the catalogs lack one.
    """

    metric: str
    unit: str
    names: Mapping[str, str] = field(default_factory=dict)
    decimals: int = 3
    name: str = ""

    def __post_init__(self):
        if not METRIC_PATTERN.match(self.metric or ""):
            raise ValueError("a usage metric is lower-case letters, digits and underscores")
        if not self.unit or len(self.unit) > 16:
            raise ValueError("a usage metric needs a unit of at most 16 characters")
        if not 0 <= self.decimals <= MAX_DECIMALS:
            raise ValueError(f"a usage metric has 0 to {MAX_DECIMALS} decimals")
        _english(self, "name", "names", "a usage metric needs an English name")


def _english(declared, text: str, by_language: str, missing: str) -> None:
    """Fill ``text`` (the English source) from ``by_language["en"]`` for a plugin that gives
    only texts per language; a frozen dataclass is set through ``object.__setattr__``."""
    english = getattr(declared, text) or getattr(declared, by_language).get("en", "")
    if missing and not str(english).strip():
        raise ValueError(missing)
    object.__setattr__(declared, text, english)


@dataclass(frozen=True)
class CatalogOption:
    """An option unlocked over the air ("opción disponible").

    :param code: stable identifier, lower-case with underscores.
    :param name: the display name in English; the plugin's message catalogs translate it
        (``register_translations``), with this text as the message id.
    :param description: one sentence of marketing copy in English, translated the same way.
    :param billing_modes: allowed subset of ``("one_time", "monthly")``.
    :param duration_days: how long one purchase lasts; ``None`` for permanent
        or open-ended subscriptions.
    :param requires_maintenance: blocked while VSS reports maintenance overdue.
    :param compatible_models: model codes it runs on; empty means all.
    :param activation_payload: ``(vin) -> dict`` the IoT configuration command body.
    :param deactivation_payload: ``(vin) -> dict`` the command that removes it.
    :param trial_days: a monthly subscription's first days free; it then turns paid unless
        cancelled, and the customer is reminded before. ``0``: no trial.
    :param usage: what the option measures (:class:`UsageMetric`), for tenants that price its
        use beyond an included quantity; monthly options only. ``None``: flat price.
    :param names: the older way to translate ``name``: display names by language
        (``{"en": ..., "es": ...}``), still read when the catalogs lack one; ``name``
        defaults to ``names["en"]``.
    :param descriptions: the same for ``description``.
    :param list_prices: what the option costs where the maker sells it, by currency:
        ``{"EUR": {"price": "249.00", "billing": "one_time"}}``, plus ``usage_price`` and
        ``included`` for an option priced by usage. A new tenant's starter data
        (``caas tenants starter``) sells the option at its list price in the tenant's currency;
        an option without one is left for the tenant's admin to price.
    """

    code: str
    # names and descriptions keep their places for plugins that pass them by position.
    names: Mapping[str, str] = field(default_factory=dict)
    descriptions: Mapping[str, str] = field(default_factory=dict)
    billing_modes: tuple[str, ...] = ()
    activation_payload: Callable[[str], Mapping[str, Any]] | None = None
    deactivation_payload: Callable[[str], Mapping[str, Any]] | None = None
    duration_days: int | None = None
    requires_maintenance: bool = False
    compatible_models: tuple[str, ...] = field(default_factory=tuple)
    trial_days: int = 0
    usage: UsageMetric | None = None
    name: str = ""
    description: str = ""
    list_prices: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __post_init__(self):
        unknown = set(self.billing_modes) - set(BILLING_MODES)
        if not self.billing_modes or unknown:
            raise ValueError(f"billing_modes must be a non-empty subset of {BILLING_MODES}")
        if not callable(self.activation_payload) or not callable(self.deactivation_payload):
            raise ValueError("an option needs an activation_payload and a deactivation_payload")
        if self.trial_days < 0:
            raise ValueError("trial_days cannot be negative")
        _english(self, "name", "names", "an option needs an English name")
        _english(self, "description", "descriptions", "")
        if self.usage is not None:
            if not isinstance(self.usage, UsageMetric):
                raise ValueError("usage must be a UsageMetric")
            if "monthly" not in self.billing_modes:
                raise ValueError("only a monthly option can be priced by usage")
        for currency, price in self.list_prices.items():
            _check_list_price(self, currency, price)

    def list_price(self, currency: str) -> dict | None:
        """The option's list price in ``currency`` (see ``list_prices``), if it has one."""
        price = self.list_prices.get(currency)
        return dict(price) if price is not None else None

    def fits(self, model: str) -> bool:
        return not self.compatible_models or model in self.compatible_models


def _check_list_price(option: CatalogOption, currency: str, price: Mapping[str, str]) -> None:
    where = f"list_prices[{currency!r}]"
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ValueError(f"{where}: a currency is an ISO 4217 code such as 'EUR'")
    if price.get("billing") not in option.billing_modes:
        raise ValueError(f"{where}: billing must be one of {option.billing_modes}")
    for key in ("price", "usage_price"):
        if key in price and not _positive_amount(price[key]):
            raise ValueError(f"{where}: {key} {price[key]!r} is not an amount such as '9.90'")
    if "price" not in price:
        raise ValueError(f"{where}: give the price")
    if ("usage_price" in price or "included" in price) and option.usage is None:
        raise ValueError(f"{where}: only an option with a usage metric has a usage price")


def _positive_amount(value) -> bool:
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return False
    return amount.is_finite() and amount > 0

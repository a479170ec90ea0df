"""What a catalog-option plugin provides: an optional on-car service."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

BILLING_MODES = ("one_time", "monthly")
METRIC_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_DECIMALS = 6


@dataclass(frozen=True)
class UsageMetric:
    """What a monthly option measures and may bill by use, e.g. connectivity data in GB.

    :param metric: the code telemetry reports it under, lower-case with underscores.
    :param unit: the unit's symbol, the same in every language (``"GB"``).
    :param names: what is measured, by language (``{"en": "data", "es": "datos"}``).
    :param decimals: decimal places a quantity may have; quantities are kept as whole
        numbers of that fraction of the unit (3: thousandths of a GB), never as floats.
    """

    metric: str
    unit: str
    names: Mapping[str, str]
    decimals: int = 3

    def __post_init__(self):
        if not METRIC_PATTERN.match(self.metric or ""):
            raise ValueError("a usage metric is lower-case letters, digits and underscores")
        if not self.unit or len(self.unit) > 16:
            raise ValueError("a usage metric needs a unit of at most 16 characters")
        if not 0 <= self.decimals <= MAX_DECIMALS:
            raise ValueError(f"a usage metric has 0 to {MAX_DECIMALS} decimals")
        if "en" not in self.names:
            raise ValueError("a usage metric needs at least an English name")

    def name(self, locale: str) -> str:
        return self.names.get(_language(locale)) or self.names["en"]


def _language(locale: str) -> str:
    return locale.replace("-", "_").split("_")[0]


@dataclass(frozen=True)
class CatalogOption:
    """An option unlocked over the air ("opción disponible").

    :param code: stable identifier, lower-case with underscores.
    :param names: localised display names by language (``{"en": ..., "es": ...}``).
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
    """

    code: str
    names: Mapping[str, str]
    descriptions: Mapping[str, str]
    billing_modes: tuple[str, ...]
    activation_payload: Callable[[str], Mapping[str, Any]]
    deactivation_payload: Callable[[str], Mapping[str, Any]]
    duration_days: int | None = None
    requires_maintenance: bool = False
    compatible_models: tuple[str, ...] = field(default_factory=tuple)
    trial_days: int = 0
    usage: UsageMetric | None = None

    def __post_init__(self):
        unknown = set(self.billing_modes) - set(BILLING_MODES)
        if not self.billing_modes or unknown:
            raise ValueError(f"billing_modes must be a non-empty subset of {BILLING_MODES}")
        if self.trial_days < 0:
            raise ValueError("trial_days cannot be negative")
        if "en" not in self.names:
            raise ValueError("an option needs at least an English name")
        if self.usage is not None:
            if not isinstance(self.usage, UsageMetric):
                raise ValueError("usage must be a UsageMetric")
            if "monthly" not in self.billing_modes:
                raise ValueError("only a monthly option can be priced by usage")

    def name(self, locale: str) -> str:
        return self.names.get(_language(locale)) or self.names["en"]

    def fits(self, model: str) -> bool:
        return not self.compatible_models or model in self.compatible_models

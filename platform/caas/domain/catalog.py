"""What a catalog-option plugin provides: an optional on-car service."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

BILLING_MODES = ("one_time", "monthly")


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

    def __post_init__(self):
        unknown = set(self.billing_modes) - set(BILLING_MODES)
        if not self.billing_modes or unknown:
            raise ValueError(f"billing_modes must be a non-empty subset of {BILLING_MODES}")
        if self.trial_days < 0:
            raise ValueError("trial_days cannot be negative")
        if "en" not in self.names:
            raise ValueError("an option needs at least an English name")

    def name(self, locale: str) -> str:
        language = locale.replace("-", "_").split("_")[0]
        return self.names.get(language) or self.names["en"]

    def fits(self, model: str) -> bool:
        return not self.compatible_models or model in self.compatible_models

"""What a country plugin provides: the rules of one national operation.

A country plugin returns :class:`Country` objects from the ``register_countries``
hook. Most of a country is data; the behaviour a country must supply is tax-id
normalisation, address checks and its vehicle registration adapter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from types import ModuleType
from typing import Any, Callable, Iterable, Mapping, Protocol

from caas.i18n import CountryName, ListText, lazy_gettext


class InvalidTaxId(ValueError):
    """The tax id does not validate for this country."""


class InvalidAddress(ValueError):
    """A postal address the country refuses; ``errors`` maps its fields to messages."""

    def __init__(self, errors: Mapping[str, list[str]]):
        super().__init__("; ".join(f"{key}: {' '.join(map(str, texts))}"
                                   for key, texts in errors.items()))
        self.errors = {key: list(texts) for key, texts in errors.items()}


def stdnum_validator(*modules: ModuleType, kinds: Iterable[str] | None = None) -> Callable[[str], str]:
    """Build a ``tax_id_validator`` from python-stdnum modules.

    The validator returns what the first module whose ``validate`` accepts the value
    returns (its compact form), and raises :class:`InvalidTaxId` naming the accepted
    kinds when none does::

        from stdnum.fr import nir, siren
        validate_tax_id = stdnum_validator(nir, siren, kinds=("NIR", "SIREN"))

    :param modules: stdnum modules (``stdnum.es.nif`` ...), tried in order.
    :param kinds: the names of the accepted ids for the error message; by default
        the modules' names upper-cased (``"NIF"``).
    """
    if not modules:
        raise TypeError("stdnum_validator needs at least one stdnum module")
    # The plugin imported stdnum to pass its modules, so this import is free.
    from stdnum.exceptions import ValidationError

    names = tuple(kinds) if kinds is not None else tuple(
        module.__name__.rpartition(".")[2].upper() for module in modules)
    accepted = " or ".join(filter(None, (", ".join(names[:-1]), names[-1])))

    def validate_tax_id(value: str) -> str:
        for module in modules:
            try:
                return module.validate(value)
            except ValidationError:
                continue
        raise InvalidTaxId(lazy_gettext("Not a valid %(kinds)s: '%(value)s'.",
                                        kinds=ListText(names, "or"), value=value))

    validate_tax_id.__doc__ = f"Return the compact {accepted}, or raise InvalidTaxId."
    return validate_tax_id


class RegistrationError(Exception):
    """The registration body refused or failed a registration.

    :param permanent: ``True`` when retrying cannot help (bad data, refused);
        ``False`` for outages and timeouts, which the platform retries.
    """

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class WithdrawalPolicy:
    """The statutory right of withdrawal ("desistimiento") for services.

    :param days: length of the window from purchase; ``0`` means no statutory right.
    :param refund_rule: ``"full"`` (everything paid back), ``"prorated"`` (the
        unused share back) or ``"none"``.
    """

    days: int
    refund_rule: str = "full"
    legal_reference: str = ""

    REFUND_RULES = ("full", "prorated", "none")

    def __post_init__(self):
        if self.days < 0:
            raise ValueError("withdrawal window cannot be negative")
        if self.refund_rule not in self.REFUND_RULES:
            raise ValueError(f"refund_rule must be one of {self.REFUND_RULES}")
        if (self.days == 0) != (self.refund_rule == "none"):
            raise ValueError("no window goes with refund_rule 'none', and only then")

    @property
    def has_right(self) -> bool:
        return self.days > 0

    def qualifies(self, service_duration_days: int | None) -> bool:
        """Whether a service of this duration carries the right.

        Per the specification, services lasting longer than the window qualify;
        ``None`` stands for an open-ended service (a subscription, a permanent unlock).
        """
        if not self.has_right:
            return False
        return service_duration_days is None or service_duration_days > self.days


@dataclass(frozen=True)
class RegistrationRequest:
    """What the platform sends a registration body for a sold vehicle."""

    vin: str
    model: str
    owner_name: str
    owner_tax_id: str
    owner_address: Mapping[str, str]


@dataclass(frozen=True)
class RegistrationResult:
    plate: str
    reference: str


class RegistrationAdapter(Protocol):
    """Client of one country's vehicle registration body."""

    def register(self, request: RegistrationRequest) -> RegistrationResult: ...


@dataclass(frozen=True)
class Country:
    """A country: currency, language, tax and consumer-law rules, registration.

    :param code: ISO 3166-1 alpha-2 code, upper case (``"ES"``).
    :param currency: ISO 4217 code (``"EUR"``).
    :param locales: locales a tenant of this country may use; the first is the default.
    :param timezone: IANA zone used for month ends and dates.
    :param vat_rates: named VAT rates as Decimal fractions; ``"standard"`` is required.
    :param tax_id_validator: returns the normalised tax id or raises :class:`InvalidTaxId`;
        :func:`stdnum_validator` builds one from python-stdnum modules.
    :param plate_pattern: regular expression a licence plate of this country matches.
    :param postal_code_pattern: regular expression for postal codes.
    :param registration_adapter: ``factory(base_url, transport=None, timeout=10.0,
        credentials=None) -> RegistrationAdapter``.
    :param registration_sandbox: ``factory() -> WSGI app`` simulating the registration body.
    :param invoice_number_format: how invoice and credit-note numbers are written, a
        :meth:`str.format` template over ``series`` (``INV`` or ``CN``), ``year`` and ``seq``
        (the gapless counter of that series and year).
    :param invoice_vat_rate: the name of the ``vat_rates`` entry applied to services.
    :param payment_terms_days: days between an invoice's issue and due dates.
    :param address_normaliser: the country's own address rules, run on an address that has
        street, city and a valid postal code: returns the address to keep (e.g. completed
        with the Swiss canton its postal code lies in) or raises :class:`InvalidAddress`.
    :param demo_customer: a person ``caas demo sale`` may sell to in this country: ``name``,
        ``tax_id`` (valid), ``phone``, ``locale`` (one of ``locales``) and ``address``
        (``street``, ``city``, ``postal_code``, and what the registration body reads).
    """

    code: str
    name: str
    currency: str
    locales: tuple[str, ...]
    timezone: str
    vat_rates: Mapping[str, Decimal]
    withdrawal: WithdrawalPolicy
    tax_id_validator: Callable[[str], str]
    tax_id_kinds: tuple[str, ...]
    plate_pattern: str
    plate_example: str
    postal_code_pattern: str
    registration_adapter: Callable[..., RegistrationAdapter]
    registration_sandbox: Callable[[], Any]
    tax_id_samples: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    invoice_number_format: str = "{series}-{year}-{seq:06d}"
    invoice_vat_rate: str = "standard"
    payment_terms_days: int = 0
    address_normaliser: Callable[[Mapping[str, str]], Mapping[str, str]] | None = None
    demo_customer: Mapping[str, Any] | None = None

    def __post_init__(self):
        if not re.fullmatch(r"[A-Z]{2}", self.code):
            raise ValueError(f"country code must be two upper-case letters, not {self.code!r}")
        if not self.locales:
            raise ValueError("a country needs at least one locale")
        if "standard" not in self.vat_rates:
            raise ValueError("vat_rates needs a 'standard' rate")
        for name, rate in self.vat_rates.items():
            if not isinstance(rate, Decimal) or not Decimal(0) <= rate < Decimal(1):
                raise ValueError(f"VAT rate {name!r} must be a Decimal fraction in [0, 1)")
        if self.invoice_vat_rate not in self.vat_rates:
            raise ValueError(f"invoice_vat_rate {self.invoice_vat_rate!r} is not in vat_rates")
        try:
            samples = {self.invoice_number_format.format(series=series, year=2026, seq=1)
                       for series in ("INV", "CN")}
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"invoice_number_format is not a valid template: {exc}") from None
        if len(samples) < 2:
            raise ValueError("invoice_number_format must use {series}: invoices and credit "
                             "notes are numbered apart")
        if self.payment_terms_days < 0:
            raise ValueError("payment_terms_days cannot be negative")

    @property
    def default_locale(self) -> str:
        return self.locales[0]

    def validate_tax_id(self, value: str) -> str:
        """Return the normalised tax id, or raise :class:`InvalidTaxId`."""
        return self.tax_id_validator(value)

    def is_valid_plate(self, plate: str) -> bool:
        return re.fullmatch(self.plate_pattern, plate) is not None

    def normalised_address(self, address: Mapping[str, str]) -> dict[str, str]:
        """The address to keep, or :class:`InvalidAddress` with its field errors.

        ``street``, ``city`` and ``postal_code`` are required and the postal code must match
        ``postal_code_pattern``; then ``address_normaliser``, if any, has its say.
        """
        errors: dict[str, list[str]] = {}
        for required in ("street", "city", "postal_code"):
            if not str(address.get(required, "")).strip():
                errors[required] = [lazy_gettext("Missing data for required field.")]
        postal = str(address.get("postal_code", "")).strip()
        if postal and not re.fullmatch(self.postal_code_pattern, postal):
            errors["postal_code"] = [lazy_gettext("Not a valid postal code for %(country)s.",
                                                  country=CountryName(self.code))]
        if errors:
            raise InvalidAddress(errors)
        if self.address_normaliser is None:
            return dict(address)
        return dict(self.address_normaliser(address))

    def address_errors(self, address: Mapping[str, str]) -> dict[str, list[str]]:
        """Field errors of a postal address (empty when it is valid)."""
        try:
            self.normalised_address(address)
        except InvalidAddress as invalid:
            return invalid.errors
        return {}

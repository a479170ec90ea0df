"""Quantities and their units written the way the reader's language does."""
from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from babel.units import UnknownUnitError, format_unit

from caas.i18n import babel_locale


#: The CLDR units of the symbols usage metrics declare, so that Babel writes each the way
#: its language does ("Go" in French); other symbols are written as declared.
CLDR_UNITS = {
    "B": "digital-byte", "kB": "digital-kilobyte", "MB": "digital-megabyte",
    "GB": "digital-gigabyte", "TB": "digital-terabyte",
    "Wh": "energy-watt-hour", "kWh": "energy-kilowatt-hour",
    "m": "length-meter", "km": "length-kilometer",
    "s": "duration-second", "min": "duration-minute", "h": "duration-hour",
    "l": "volume-liter", "L": "volume-liter",
}


def unit_symbol(unit: str, locale: str) -> str:
    """How ``locale`` writes the unit ``unit`` alone ("per Go" in French); else as declared."""
    if unit in CLDR_UNITS:
        try:
            return format_unit("0", CLDR_UNITS[unit], length="short",
                               locale=babel_locale(locale)).replace("0", "", 1).strip()
        except UnknownUnitError:
            pass
    return unit


def format_quantity(value, unit: str | None, locale: str) -> str:
    """A quantity with its unit as ``locale`` writes it, without insignificant zeros:
    ``10.000`` GB is "10 GB" everywhere, ``0.800`` is "0.8 GB" in English and "0,8 GB" in
    Spanish, ``1234.5`` is "1,234.5 GB" in English and "1.234,5 GB" in Spanish. The number
    and its unit are never broken across lines (a no-break space between them)."""
    where = babel_locale(locale)
    number = Decimal(str(value))
    number = number.quantize(Decimal(1)) if number == number.to_integral_value() \
        else number.normalize()
    text = format_decimal(number, locale=where, decimal_quantization=False)
    if not unit:
        return text
    if unit in CLDR_UNITS:
        try:
            return format_unit(text, CLDR_UNITS[unit], length="short",
                               locale=where).replace(" ", "\u00a0")
        except UnknownUnitError:
            pass
    return f"{text}\u00a0{unit}"

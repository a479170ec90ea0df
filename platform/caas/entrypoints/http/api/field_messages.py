"""Validation and HTTP error messages in the reader's language.

marshmallow, webargs and werkzeug write their messages in English, already formatted
("Length must be between 1 and 40."). :func:`translate` recognises each known template,
translates it through the catalogs and puts the same values back in. Messages the
platform's own schemas give (wrapped in :func:`N_`) and any other catalog message are
translated as they are; a message nobody knows is left in English.
"""
from __future__ import annotations

import re

from babel.support import NullTranslations

from caas.i18n import N_

#: Messages marshmallow and webargs give without values (marshmallow's ``{obj_type}`` and
#: ``{awareness}`` are spelt out: only the temporal fields use them).
PLAIN = (
    N_("Missing data for required field."), N_("Field may not be null."),
    N_("Invalid value."), N_("Invalid input."), N_("Invalid input type."), N_("Invalid type."),
    N_("Unknown field."), N_("Invalid JSON body."),
    N_("Not a valid string."), N_("Not a valid utf-8 string."), N_("Not a valid integer."),
    N_("Not a valid number."), N_("Number too large."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Not a valid boolean."), N_("Not a valid list."), N_("Not a valid tuple."),
    N_("Not a valid mapping type."), N_("Not a valid email address."), N_("Not a valid URL."),
    N_("Not a valid UUID."), N_("Not a valid period of time."),
    N_("Not a valid date."), N_("Not a valid time."), N_("Not a valid datetime."),
    N_("Not a valid aware datetime."), N_("Not a valid naive datetime."),
    N_("Not a valid aware time."), N_("Not a valid naive time."),
    N_("String does not match expected pattern."),
)

#: ``(the library's template, the catalog's message)``: the same values in both.
TEMPLATES = (
    ("Length must be between {min} and {max}.",
     N_("Length must be between %(min)s and %(max)s.")),
    ("Length must be {equal}.", N_("Length must be %(equal)s.")),
    ("Shorter than minimum length {min}.", N_("Shorter than minimum length %(min)s.")),
    ("Longer than maximum length {max}.", N_("Longer than maximum length %(max)s.")),
    ("Must be greater than or equal to {min} and less than or equal to {max}.",
     N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s.")),
    ("Must be greater than or equal to {min} and less than {max}.",
     N_("Must be greater than or equal to %(min)s and less than %(max)s.")),
    ("Must be greater than {min} and less than or equal to {max}.",
     N_("Must be greater than %(min)s and less than or equal to %(max)s.")),
    ("Must be greater than {min} and less than {max}.",
     N_("Must be greater than %(min)s and less than %(max)s.")),
    ("Must be greater than or equal to {min}.", N_("Must be greater than or equal to %(min)s.")),
    ("Must be greater than {min}.", N_("Must be greater than %(min)s.")),
    ("Must be less than or equal to {max}.", N_("Must be less than or equal to %(max)s.")),
    ("Must be less than {max}.", N_("Must be less than %(max)s.")),
    ("Must be one of: {choices}.", N_("Must be one of: %(choices)s.")),
    ("Must be equal to {other}.", N_("Must be equal to %(other)s.")),
    ('"{input}" cannot be formatted as a date.',
     N_('"%(input)s" cannot be formatted as a date.')),
    ('"{input}" cannot be formatted as a time.',
     N_('"%(input)s" cannot be formatted as a time.')),
    ('"{input}" cannot be formatted as a datetime.',
     N_('"%(input)s" cannot be formatted as a datetime.')),
)

#: What a generic HTTP error says, by status (werkzeug's own descriptions stay unused).
HTTP_MESSAGES = {
    400: N_("The request could not be understood; check its syntax."),
    401: N_("Authentication is required."),
    403: N_("You may not do this."),
    404: N_("The requested URL was not found on the server."),
    405: N_("The method is not allowed for the requested URL."),
    406: N_("The requested response format is not available."),
    409: N_("The request conflicts with the current state of the resource."),
    413: N_("The request body is too large."),
    414: N_("The requested URL is too long."),
    415: N_("The request body's media type is not supported."),
    422: N_("The request has invalid fields; see errors."),
    429: N_("Too many requests; try again later."),
    500: N_("Internal error; it has been logged with this request's id."),
    503: N_("The service is unavailable; please try again later."),
}
#: For the statuses not above.
HTTP_OTHER = N_("The request failed.")


def _pattern(template: str) -> re.Pattern:
    """``Length must be {equal}.`` → a regular expression with a group per value."""
    escaped = re.escape(template)
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", escaped) + "$", re.S)


# Most literal text first, so that "greater than or equal to" wins over "greater than".
_MATCHERS = [(_pattern(template), message) for template, message in
             sorted(TEMPLATES, key=lambda pair: -len(re.sub(r"\{\w+\}", "", pair[0])))]


def translate(message: str, translations: NullTranslations) -> str:
    """``message`` in the language of ``translations``: a catalog message, or a known
    template's translation with the message's values; else ``message`` itself."""
    if not message:
        return message
    translated = translations.gettext(message)
    if translated != message:
        return translated
    for pattern, msgid in _MATCHERS:
        found = pattern.match(message)
        if found:
            return translations.gettext(msgid) % found.groupdict()
    return message


def http_message(status: int) -> str:
    """The catalog message of a generic HTTP error (still English: see :func:`translate`)."""
    return HTTP_MESSAGES.get(status, HTTP_OTHER)

"""Pages in the reader's language, with the headers every page carries."""
from __future__ import annotations

import functools
from datetime import date, datetime
from decimal import Decimal

from babel import Locale, dates, numbers
from flask import Flask, current_app, g, render_template, request, session

from caas import i18n
from caas.entrypoints.web import labels

#: No inline script or style, nothing from another host, never inside another site's frame.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                           "img-src 'self' data:; form-action 'self'; base-uri 'none'; "
                           "object-src 'none'; frame-ancestors 'none'")


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.i18n")
    # One environment serves every request: the callables read the request's catalog.
    app.jinja_env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
    app.jinja_env.filters.update(
        localized=localized, money=money, number=number, day=day, moment=moment, month=month,
        duration=duration, percent=percent,
        order_status=lambda status: localized(labels.ORDER_STATUS[status]),
        service_status=lambda status: localized(labels.SERVICE_STATUS[status]),
        ticket_status=lambda status: localized(labels.TICKET_STATUS[status]),
        tenant_status=lambda status: localized(labels.TENANT_STATUS.get(status, status)),
        country_name=lambda code: localized(i18n.CountryName(code)),
        language_name=language_name)


def _catalog():
    return g.get("web_translations") or i18n.translations("en", "")


def _gettext(message: str) -> str:
    return _catalog().gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _catalog().ngettext(singular, plural, n)


def page_locale(tenant, signed_in_locale: str | None) -> str:
    """Signed in: the person's locale. Before: the one chosen with the language switcher,
    else the best ``Accept-Language`` match among the tenant's locales, else its default."""
    offered = list(tenant.locales) if tenant is not None else list(i18n.core_languages())
    chosen = signed_in_locale or session.get("language")
    if chosen in offered:
        return chosen
    return request.accept_languages.best_match(offered) or offered[0]


def use_locale(locale: str, fallback: str) -> None:
    """Write this request's page in ``locale`` (``fallback`` for a message it lacks)."""
    g.web_locale, g.web_fallback = locale, fallback
    g.web_translations = i18n.translations(locale, fallback)


def localized(value) -> str:
    """A use case's text (:class:`~caas.i18n.Localized`) in the page's language."""
    return i18n.render(value, g.get("web_locale", "en"), g.get("web_fallback", "en"))


def formatting() -> Locale:
    """The locale the page formats amounts and dates in (parsed once per language: a page
    formats many)."""
    return _parsed(i18n.formatting_locale(g.get("web_locale", "en"), g.get("web_fallback", "en")))


@functools.lru_cache(maxsize=64)
def _parsed(locale: str) -> Locale:
    return Locale.parse(locale)


@functools.lru_cache(maxsize=64)
def _zone(name: str):
    return dates.get_timezone(name)


def money(value) -> str:
    """``Money`` or the API's ``{"amount", "currency"}`` → ``1.234,50 €`` in the page's locale."""
    if value is None:
        return "—"
    if isinstance(value, dict):
        amount, currency = Decimal(str(value["amount"])), value["currency"]
    else:
        amount, currency = value.amount, value.currency
    return numbers.format_currency(amount, currency, locale=formatting())


def number(value, decimals: int | None = None) -> str:
    if value is None:
        return "—"
    pattern = None if decimals is None else "#,##0." + "0" * decimals if decimals else "#,##0"
    return numbers.format_decimal(Decimal(str(value)), format=pattern, locale=formatting())


def day(value) -> str:
    """A date (or the date of a datetime) in the page's locale: ``7 déc. 2026``."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.date()
    return dates.format_date(value, format="medium", locale=formatting())


def month(period) -> str:
    """A month (a ``Period``, or ``2028-03``) as the page's locale names it:
    ``December 2026``, ``März 2028``."""
    if period is None:
        return "—"
    first_day = date(int(str(period)[:4]), int(str(period)[5:7]), 1)
    return dates.format_skeleton("yMMMM", first_day, locale=formatting())


def duration(value, threshold: float = 1.5) -> str:
    """A ``timedelta`` as people say it in the page's locale, ``10 days``, ``4 minutes``: in
    the largest unit it has at least ``threshold`` of."""
    if value is None:
        return "—"
    return dates.format_timedelta(value, threshold=threshold, locale=formatting())


def percent(rate) -> str:
    """A share (0 to 1, or ``"0.077"``) as the page's locale writes a percentage, to a
    hundredth of a percent at most: ``50 %``, ``7.7%``."""
    if rate is None:
        return "—"
    share = Decimal(str(rate)).quantize(Decimal("0.0001")).normalize()
    return numbers.format_percent(share, locale=formatting(), decimal_quantization=False)


def moment(value) -> str:
    """A point in time, to the minute, in the tenant's time zone and the page's locale."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return day(value)
    zone = getattr(g.get("web_tenant"), "timezone", None) or "UTC"
    return dates.format_datetime(value, format="short", tzinfo=_zone(zone),
                                 locale=formatting())


def language_name(locale: str, reader: str | None = None) -> str:
    """``de-CH`` → ``Deutsch (Schweiz)``: a language named in itself, or in the ``reader``'s
    language (``Allemand (Suisse)`` for ``fr``)."""
    name = Locale.parse(i18n.babel_locale(locale)).get_display_name(
        i18n.babel_locale(reader) if reader else None)
    return name[:1].upper() + name[1:]  # only the first letter: "(Schweiz)" stays as it is


def reader_language_name(locale: str) -> str:
    """A language named in the page's language (a person's, in a list of people)."""
    return language_name(locale, g.get("web_locale", "en"))


def page(template: str, status: int = 200, **context):
    """Render a page of ``web/`` with the headers every page has."""
    response = current_app.response_class(render_template(f"web/{template}", **context),
                                    status=status, mimetype="text/html")
    return with_headers(response)


def fragment(template: str, status: int = 200, **context):
    """Render a part of a page (``web/fragments/``) for htmx to swap in; the full page
    includes the same template, so the page works the same without JavaScript."""
    return page(f"fragments/{template}", status, **context)


def live_fragment(template: str, state: str, **context):
    """A polled part of a page: 204 while ``state`` is still the one the page drew (its
    ``drawn`` argument), so htmx swaps nothing and a screen reader hears only news; else
    the part, drawn anew."""
    if request.args.get("drawn") == state:
        return with_headers(current_app.response_class(status=204))
    return fragment(template, **context)


def with_headers(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if g.get("web_actor") is not None:
        # A signed-in page is the person's own: no shared cache nor browser history keeps it.
        response.headers["Cache-Control"] = "no-store"
    return response



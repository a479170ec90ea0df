"""Pages in the reader's language, with the headers every page carries."""
from __future__ import annotations

from flask import Flask, current_app, g, render_template, request, session

from caas import i18n

#: No inline script or style, nothing from another host, never inside another site's frame.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                           "img-src 'self' data:; form-action 'self'; base-uri 'none'; "
                           "object-src 'none'; frame-ancestors 'none'")


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.i18n")
    # One environment serves every request: the callables read the request's catalog.
    app.jinja_env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
    app.jinja_env.filters["localized"] = localized


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


def language_name(locale: str) -> str:
    """``de-CH`` → ``Deutsch (Schweiz)``: each language named in itself."""
    from babel import Locale
    return Locale.parse(i18n.babel_locale(locale)).get_display_name().capitalize()


def page(template: str, status: int = 200, **context):
    """Render a page of ``web/`` with the headers every page has."""
    response = current_app.response_class(render_template(f"web/{template}", **context),
                                    status=status, mimetype="text/html")
    return with_headers(response)


def with_headers(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if g.get("web_actor") is not None:
        # A signed-in page is the person's own: no shared cache nor browser history keeps it.
        response.headers["Cache-Control"] = "no-store"
    return response



"""The admin console's languages page: which of its country's languages (and English) the
tenant offers, and its default, through :mod:`service_layer.tenant_languages`."""
from __future__ import annotations

from flask import g, redirect, request, url_for
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField

from caas.entrypoints.web import navigation, rendering
from caas.entrypoints.web.pages import ADMIN, blp, platform, signed_in
from caas.i18n import lazy_gettext
from caas.service_layer import tenant_languages
from caas.service_layer.errors import ServiceError

navigation.link("web.admin_languages", lazy_gettext("Languages"), *ADMIN, position=135,
                section="admin")


class LanguagesForm(FlaskForm):
    # Any locale may be sent: the use case says which the tenant may offer, as for the API.
    locales = SelectMultipleField(validate_choice=False)
    default = RadioField(validate_choice=False)

    def offer(self, locales) -> LanguagesForm:
        self.locales.choices = self.default.choices = [
            (locale, rendering.language_name(locale)) for locale in locales]
        return self


@blp.get("/admin/languages", endpoint="admin_languages")
@signed_in(*ADMIN)
def languages_page():
    tenant = g.web_tenant
    form = LanguagesForm(formdata=None, locales=tenant.locales, default=tenant.default_locale)
    return _page(form)


@blp.post("/admin/languages")
@signed_in(*ADMIN)
def save_languages():
    form = LanguagesForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        tenant_languages.set_languages(platform(), g.web_tenant, form.locales.data,
                                       form.default.data)
    except ServiceError as error:
        for name, messages in error.errors.items():
            if name in form:
                form[name].errors = list(messages)
        return _page(form, error.message, error.status)
    return redirect(url_for(".admin_languages", saved=1), 303)


def _page(form, problem=None, status=200):
    form.offer(tenant_languages.choices(platform(), g.web_tenant))
    return rendering.page("admin/languages.html", status, form=form, problem=problem,
                          saved=request.args.get("saved"))

"""Localised messages the platform sends by email."""
from __future__ import annotations

from dataclasses import dataclass

from caas.i18n import translations


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str
    locale: str


def credentials_email(to: str, locale: str, fallback_locale: str, *, name: str, tenant_name: str,
                      role: str, password: str, login_hint: str) -> Email:
    """The message carrying a new account's generated password."""
    t = translations(locale, fallback_locale)
    roles = {"admin": t.gettext("administrator"), "employee": t.gettext("dealership employee"),
             "customer": t.gettext("customer")}
    values = {"name": name, "tenant": tenant_name, "role": roles.get(role, role), "email": to,
              "password": password, "login": login_hint}
    subject = t.gettext("Your %(tenant)s account") % values
    body = "\n\n".join([
        t.gettext("Hello %(name)s,") % values,
        t.gettext("An account has been created for you at %(tenant)s as %(role)s.") % values,
        t.gettext("Sign in with your email address %(email)s and this password: %(password)s")
        % values,
        t.gettext("Tenant for sign-in: %(login)s") % values,
        t.gettext("Please change the password after your first sign-in. "
                  "Nobody from %(tenant)s will ever ask you for it.") % values,
    ])
    return Email(to=to, subject=subject, body=body, locale=locale)

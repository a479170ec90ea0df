"""Invoices as HTML documents in the customer's language, for customers and accountants.

The template (``caas/templates/invoice.html``) holds no text of its own: every label
comes from the message catalogs here, so ``pybabel extract`` finds it, and amounts,
rates and dates are formatted for the invoice's locale by Babel.
"""
from __future__ import annotations

from functools import lru_cache

from babel.dates import format_date
from babel.numbers import format_currency, format_percent
from jinja2 import Environment, PackageLoader, select_autoescape

from caas.i18n import babel_locale, metric_name, option_name, translations
from caas.quantities import format_quantity, unit_symbol
from caas.service_layer.context import TenantContext


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=PackageLoader("caas", "templates"),
                       autoescape=select_autoescape(["html"]))


def _labels(t, kind: str) -> dict:
    return {
        "title": t.gettext("Credit note") if kind == "credit_note" else t.gettext("Invoice"),
        "credits": t.gettext("Credits invoice"), "issued": t.gettext("Issue date"),
        "due": t.gettext("Due date"), "period": t.gettext("Period"),
        "customer": t.gettext("Customer"), "tax_id": t.gettext("Tax id"),
        "status": t.gettext("Status"), "item": t.gettext("Item"), "net": t.gettext("Net"),
        "vat_rate": t.gettext("VAT rate"), "vat": t.gettext("VAT"),
        "total": t.gettext("Total")}


def _statuses(t) -> dict:
    return {"open": t.gettext("to be charged"), "paid": t.gettext("paid"),
            "failed": t.gettext("payment failed"),
            "unconfirmed": t.gettext("payment being confirmed"),
            "refunding": t.gettext("being refunded"), "refunded": t.gettext("refunded"),
            "credited": t.gettext("credited")}


def _usage_text(t, line: dict, option, locale: str, fallback: str, money) -> str:
    """``Premium connectivity, data: 12.5 GB used, 10 GB included, 2.5 GB at 2.00 € per GB``."""
    unit = line["unit"]

    def quantity(value: str) -> str:
        return format_quantity(value, unit, locale)
    return t.gettext("%(option)s, %(metric)s: %(used)s used, %(included)s included, "
                     "%(billed)s at %(price)s per %(unit)s") % {
        "option": option_name(option, locale, fallback) if option else line["option"],
        "metric": metric_name(option.usage, locale, fallback) if option and option.usage
        else unit,
        "used": quantity(line["quantity"]), "included": quantity(line["included"]),
        "billed": quantity(line["billed"]), "price": money(line["unit_price"]),
        "unit": unit_symbol(unit, locale)}


def _line_text(t, line: dict, option: str, where: str) -> str:
    values = {"option": option, "days": line["days"], "of": line["days_in_period"]}
    if line["kind"] == "subscription" and line["days"] != line["days_in_period"]:
        return t.gettext("%(option)s, %(days)s of %(of)s days") % values
    if line["kind"] == "subscription":
        return t.gettext("%(option)s, whole month") % values
    if line["kind"] == "credit":
        return t.gettext("%(option)s, credited") % values
    return option


def line_descriptions(ctx: TenantContext, invoice: dict, locale: str) -> list[str]:
    """What each line of ``invoice`` bills, in ``locale``'s language: ``Heated seats,
    credited``, ``Extended range, 15 of 29 days``..."""
    where = babel_locale(locale)
    t = translations(locale, ctx.tenant.default_locale)

    def money(value) -> str:
        return format_currency(value.amount, value.currency, locale=where)

    def name(code: str) -> str:
        option = ctx.plugins.catalog_options.get(code)
        return option_name(option, locale, ctx.tenant.default_locale) if option else code

    def description(line: dict) -> str:
        if line["kind"] == "usage":
            return _usage_text(t, line, ctx.plugins.catalog_options.get(line["option"]),
                               locale, ctx.tenant.default_locale, money)
        return _line_text(t, line, name(line["option"]), where)
    return [description(line) for line in invoice["lines"]]


def render_html(ctx: TenantContext, invoice: dict,
                credited_number: str | None = None) -> str:
    """``invoice`` as :func:`caas.service_layer.billing.views.invoice` returns it."""
    locale = invoice["locale"]
    where = babel_locale(locale)
    t = translations(locale, ctx.tenant.default_locale)

    def money(value) -> str:
        return format_currency(value.amount, value.currency, locale=where)

    lines = [{"description": description,
              "net": money(line["net"]), "vat": money(line["vat"]),
              "total": money(line["total"]),
              "rate": format_percent(float(line["vat_rate"]), "#,##0.##%", locale=where)}
             for line, description in zip(invoice["lines"],
                                          line_descriptions(ctx, invoice, locale))]
    period = invoice["period"]
    address = invoice["customer_address"] or {}
    return _environment().get_template("invoice.html").render(
        lang=where.split("_")[0], label=_labels(t, invoice["kind"]), invoice=invoice,
        seller=ctx.tenant.name, credited=credited_number,
        issue_date=format_date(invoice["issue_date"], format="long", locale=where),
        due_date=format_date(invoice["due_date"], format="long", locale=where),
        period=period and format_date(_first_day(period), format="MMMM y", locale=where),
        address=[str(value) for value in address.values() if value],
        status=_statuses(t).get(invoice["status"], invoice["status"]), lines=lines,
        net=money(invoice["net"]), vat=money(invoice["vat"]), total=money(invoice["total"]))


def _first_day(period: str):
    from caas.domain.billing import Period
    return Period.parse(period).first_day

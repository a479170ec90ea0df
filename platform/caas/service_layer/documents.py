"""Documents in the customer's record: owner's manuals per vehicle model, uploaded by admins,
and each sale's contract summary, written in the customer's language when the sale is made.
They are stored in the tenant's database and served only to their owner and the tenant's staff.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_currency

from caas.domain.orders import Order
from caas.domain.tenants import Tenant
from caas.i18n import babel_locale, lazy_gettext, translations
from caas.service_layer.errors import Invalid, NotFound, UnsupportedMediaType
from caas.service_layer.context import TenantContext

CONTRACT, MANUAL = "contract", "manual"
MANUAL_TYPES = ("application/pdf", "text/plain", "text/html")


def document(ctx: TenantContext, document_id: int,
             customer_id: int | None) -> dict:
    """A stored file with its content; a customer (``customer_id``) gets only their own:
    the contract documents of their orders and the manuals of the models they bought."""
    with ctx.uow() as uow:
        found = uow.documents.get(document_id)
        if found is not None and customer_id is not None:
            orders, _ = uow.orders.page(0, 1000, customer_id=customer_id)
            mine = (found["order_id"] in {order.id for order in orders} if found["kind"] == CONTRACT
                    else found["model"] in {order.model for order in orders})
            found = found if mine else None
    if found is None:
        raise NotFound(lazy_gettext("Document %(id)s not found.", id=document_id))
    return found


def customer_documents(ctx: TenantContext, customer_id: int) -> list[dict]:
    """Without their content: the contracts of the customer's orders and the manuals of the
    models they bought, the documents :func:`document` serves them."""
    with ctx.reader() as uow:
        orders, _ = uow.orders.page(0, 1000, customer_id=customer_id)
        return of_orders(uow, orders)


def of_orders(uow, orders: list[Order]) -> list[dict]:
    return uow.documents.listed(models=sorted({order.model for order in orders}),
                                order_ids=[order.id for order in orders])


def manuals(ctx: TenantContext, models: list[str]) -> dict[str, list[dict]]:
    """Without their content: the manuals of each of ``models``, oldest first."""
    with ctx.reader() as uow:
        found = uow.documents.listed(models=list(models), order_ids=[])
    return {model: [manual for manual in found if manual["model"] == model] for model in models}


def store_manual(ctx: TenantContext, model: str, title: str, filename: str,
                 content_type: str, content: bytes) -> dict:
    """Keep the owner's manual of vehicle ``model`` (a new version is a new document).

    :raises UnsupportedMediaType: not a PDF, text or HTML file.
    :raises Invalid: the file is empty.
    """
    if content_type.split(";")[0].strip().lower() not in MANUAL_TYPES:
        raise UnsupportedMediaType(lazy_gettext(
            "A manual is one of %(types)s.", types=", ".join(MANUAL_TYPES)), {"body": [
                lazy_gettext("A manual is one of %(types)s.", types=", ".join(MANUAL_TYPES))]})
    if not content:
        raise Invalid(lazy_gettext("The manual is empty."),
                      {"body": [lazy_gettext("The file is empty.")]})
    with ctx.uow() as uow:
        if uow.catalog.model(model) is None:
            raise NotFound(lazy_gettext("Unknown model '%(model)s'.", model=model))
        document_id = uow.documents.add(kind=MANUAL, model=model, title=title, filename=filename,
                                        content_type=content_type, content=content)
        uow.audit.record("document.manual_added", "document", document_id,
                         after={"model": model, "title": title, "size": len(content)})
        uow.commit()
        return {key: value for key, value in uow.documents.get(document_id).items()
                if key != "content"}


def store_contract(uow, tenant: Tenant, order: Order, locale: str, plan_name: str,
                   model_name: str) -> int:
    """Write the sale's contract summary, in the customer's language, beside the order."""
    t = translations(locale, tenant.default_locale)
    where = babel_locale(locale)

    def money(value) -> str:
        return format_currency(value.amount, value.currency, locale=where)

    values = {"reference": order.reference, "tenant": tenant.name, "name": order.owner["name"],
              "tax_id": order.owner["tax_id"], "model": model_name, "plan": plan_name,
              "options": ", ".join(order.options) or "-", "price": money(order.price),
              "reservation": money(order.reservation), "balance": money(order.final_amount),
              "date": format_date(order.created_at.astimezone(ZoneInfo(tenant.timezone)).date(),
                                  "long", locale=where)}
    title = t.gettext("Purchase contract %(reference)s") % values
    lines = [title, "",
             t.gettext("Seller: %(tenant)s") % values,
             t.gettext("Buyer: %(name)s (%(tax_id)s)") % values,
             t.gettext("Vehicle model: %(model)s") % values,
             t.gettext("Factory options: %(options)s") % values,
             t.gettext("Commercial plan: %(plan)s") % values,
             t.gettext("Price: %(price)s") % values,
             t.gettext("Reservation: %(reservation)s") % values,
             t.gettext("Balance due before delivery: %(balance)s") % values,
             t.gettext("Date of sale: %(date)s") % values]
    return uow.documents.add(kind=CONTRACT, order_id=order.id, title=title,
                             filename=f"contract-{order.reference}.txt",
                             content_type="text/plain; charset=utf-8",
                             content=("\n".join(lines) + "\n").encode())

"""Dealership sales: vehicle models and plans, registering a sale, reading orders."""
from __future__ import annotations

import secrets
from decimal import Decimal

import phonenumbers

from caas.context import Actor
from caas.domain.countries import InvalidAddress, InvalidTaxId
from caas.domain.money import Money
from caas.domain.orders import Order, order_price
from caas.i18n import exception_text, lazy_gettext
from caas.service_layer import documents
from caas.service_layer import orders as order_service
from caas.service_layer.errors import Conflict, Invalid
from caas.service_layer.users import add_account
from caas.service_layer.context import TenantContext
from caas.service_layer.unit_of_work import Duplicate


# --- models and plans (tenant administration) -------------------------------

def add_model(ctx: TenantContext, *, code: str, name: str, base_price: Decimal,
              options: list[dict]) -> dict:
    """Add a vehicle model with its base price and factory options, in the tenant currency."""
    codes = [option["code"] for option in options]
    if len(set(codes)) != len(codes):
        raise Invalid(lazy_gettext("Option codes repeat."),
                      {"options": [lazy_gettext("Each option code must be unique.")]})
    currency = ctx.tenant.currency
    try:
        with ctx.uow() as uow:
            if uow.catalog.model(code):
                raise Conflict(lazy_gettext("A model with code '%(code)s' already exists.",
                                            code=code))
            model = uow.catalog.add_model(code, name, Money(base_price, currency), [
                dict(option, price=Money(option["price"], currency)) for option in options])
            uow.audit.record("model.created", "model", code, after={
                "name": name, "base_price": model["base_price"].to_dict(), "options": codes})
            uow.commit()
    except Duplicate:
        raise Conflict(lazy_gettext("A model with code '%(code)s' already exists.", code=code))
    return model


def add_plan(ctx: TenantContext, *, code: str, name: str,
             reservation: Decimal) -> dict:
    """Add a commercial plan: what the customer pays as the reservation."""
    try:
        with ctx.uow() as uow:
            if uow.catalog.plan(code):
                raise Conflict(lazy_gettext("A plan with code '%(code)s' already exists.",
                                            code=code))
            plan = uow.catalog.add_plan(code, name, Money(reservation, ctx.tenant.currency))
            uow.audit.record("plan.created", "plan", code, after={
                "name": name, "reservation": plan["reservation"].to_dict()})
            uow.commit()
    except Duplicate:
        raise Conflict(lazy_gettext("A plan with code '%(code)s' already exists.", code=code))
    return plan


def models_page(ctx: TenantContext, offset: int, limit: int):
    with ctx.reader() as uow:
        return uow.catalog.models(offset, limit)


def plans_page(ctx: TenantContext, offset: int, limit: int):
    with ctx.reader() as uow:
        return uow.catalog.plans(offset, limit)


# --- registering a sale -----------------------------------------------------

def _customer_errors(ctx: TenantContext, customer: dict) -> tuple[dict, dict]:
    """Check what the country and phone rules say; returns (normalised fields, field errors)."""
    country = ctx.country
    errors: dict[str, list] = {}
    normalised = {}
    try:
        normalised["tax_id"] = country.validate_tax_id(customer["tax_id"])
    except InvalidTaxId as exc:
        errors["tax_id"] = [exception_text(exc)]
    try:
        normalised["address"] = country.normalised_address(customer["address"])
    except InvalidAddress as invalid:
        errors["address"] = invalid.errors
    try:
        number = phonenumbers.parse(customer["phone"], ctx.tenant.country)
        if not phonenumbers.is_valid_number(number):
            raise phonenumbers.NumberParseException(0, "invalid")
        normalised["phone"] = phonenumbers.format_number(number,
                                                         phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        errors["phone"] = [lazy_gettext("Not a valid phone number.")]
    locale = ctx.tenant.offered_locale(customer.get("locale"))
    if locale is None:
        errors["locale"] = [lazy_gettext("Must be one of %(choices)s.",
                                         choices=", ".join(ctx.tenant.locales))]
    normalised["locale"] = locale
    return normalised, errors


def customer_errors(ctx: TenantContext, customer: dict) -> dict:
    """What the country's and the phone rules say of ``customer`` (as :func:`register_sale`
    takes it), field by field; empty when they accept it. Nothing is written."""
    return _customer_errors(ctx, customer)[1]


def register_sale(ctx: TenantContext, seller: Actor, *, customer: dict,
                  model: str, plan: str, options: list[str]) -> tuple[Order, dict]:
    """Record a sale: the customer's account (new, or the existing one) and an order.

    A new customer gets generated credentials by email in their language. An
    existing customer (same email) is reused as is: the sale changes neither
    their credentials nor their profile.

    :returns: the order and ``{"id", "email", "name", "locale", "created"}`` of the customer.
    """
    normalised, errors = _customer_errors(ctx, customer)
    options = list(dict.fromkeys(options))
    with ctx.uow() as uow:
        vehicle_model = uow.catalog.model(model)
        chosen_plan = uow.catalog.plan(plan)
        sale_errors = {}
        if vehicle_model is None:
            sale_errors["model"] = [lazy_gettext("Unknown model '%(model)s'.", model=model)]
        else:
            offered = {option["code"]: option for option in vehicle_model["options"]}
            unknown = [code for code in options if code not in offered]
            if unknown:
                sale_errors["options"] = [lazy_gettext("Not offered for %(model)s: %(codes)s.",
                                                       model=model, codes=", ".join(unknown))]
        if chosen_plan is None:
            sale_errors["plan"] = [lazy_gettext("Unknown plan '%(plan)s'.", plan=plan)]
        if errors or sale_errors:
            raise Invalid(lazy_gettext("The sale has invalid fields; see errors."),
                          dict(sale_errors, **({"customer": errors} if errors else {})))
        price = order_price(vehicle_model["base_price"].amount,
                            [offered[code]["price"].amount for code in options], ctx.tenant.currency)
        if chosen_plan["reservation"].amount > price.amount:
            raise Invalid(lazy_gettext("The plan's reservation exceeds the vehicle's price."),
                          {"plan": [lazy_gettext("Reservation larger than the price.")]})

        account = uow.users.by_email(customer["email"].strip().lower())
        created = account is None
        if account is None:
            account = add_account(uow, ctx.tenant, email=customer["email"], role="customer",
                                  name=customer["name"], locale=normalised["locale"])
            uow.customers.add(account.id, normalised["phone"], normalised["tax_id"],
                              normalised["address"])
        elif account.role != "customer":
            raise Conflict(lazy_gettext("This email belongs to a staff account; use another one "
                                        "for the customer."))

        order = Order(reference=f"ORD-{secrets.token_hex(5).upper()}", customer_id=account.id,
                      model=model, plan=plan, options=options, price=price,
                      reservation=chosen_plan["reservation"], created_by=seller.id,
                      owner={"name": customer["name"], "tax_id": normalised["tax_id"],
                             "address": normalised["address"]})
        order_service.save(uow, ctx.tenant, order)
        documents.store_contract(uow, ctx.tenant, order, account.locale, chosen_plan["name"],
                                  vehicle_model["name"])
        uow.audit.record("order.created", "order", order.id, after={
            "reference": order.reference, "customer_id": account.id, "model": model,
            "plan": plan, "options": options, "price": price.to_dict()})
        uow.events.publish("order_status_changed", tenant=ctx.tenant.slug, order_id=order.id,
                           old_status=None, new_status=order.status.value)
        uow.commit()
    return order, {"id": account.id, "email": account.email, "name": account.name,
                   "locale": account.locale, "created": created}


# --- reading orders ---------------------------------------------------------

def views(uow, orders: list[Order]) -> list[dict]:
    ids = [order.id for order in orders]
    history = uow.orders.history(ids)
    payments = uow.payments.of_orders(ids)
    return [dict(vars(order), status=order.status.value, final_amount=order.final_amount,
                 history=history[order.id], payments=payments[order.id]) for order in orders]


def seller_email(ctx: TenantContext, order: dict) -> str | None:
    """The email of the staff member who registered the sale ``order`` (a view); ``None``
    when not recorded or no longer there."""
    if order.get("created_by") is None:
        return None
    with ctx.reader() as uow:
        person = uow.users.get(order["created_by"])
    return person.email if person else None


def order_page(ctx: TenantContext, offset: int, limit: int, *,
               status: str | None = None, customer_id: int | None = None):
    """Orders, newest first; a customer passes their own id and sees only theirs."""
    with ctx.uow() as uow:
        orders, total = uow.orders.page(offset, limit, status=status, customer_id=customer_id)
        return views(uow, orders), total


def order_view(ctx: TenantContext, order_id: int,
               customer_id: int | None = None) -> dict:
    with ctx.uow() as uow:
        return views(uow, [order_service.load(uow, order_id, customer_id)])[0]


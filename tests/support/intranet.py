"""The Intranet in the browser, as an employee uses it: registering a sale on its form.

The fields are found by their ids (the form's labels are in the page's language); the pickers
by the model's, options' and plan's codes.
"""
from __future__ import annotations

from playwright.sync_api import Page

#: The customer's fields, in the form's order: (field id, key of the customer or its address).
CUSTOMER_FIELDS = (("name", "name"), ("email", "email"), ("phone", "phone"),
                   ("tax_id", "tax_id"), ("street", "address.street"),
                   ("postal_code", "address.postal_code"), ("city", "address.city"))


def sale_address(slug: str) -> str:
    return f"/t/{slug}/sales/new"


def customer_value(customer: dict, key: str) -> str:
    """``"address.city"`` → ``customer["address"]["city"]``."""
    value = customer
    for part in key.split("."):
        value = value[part]
    return str(value)


def fill_sale(page: Page, customer: dict, model: str, plan: str, options=()) -> None:
    """Fill the open sale form: the customer, then the model, the options of that model and
    the plan, each by its code or by its name as the form shows it."""
    for field, key in CUSTOMER_FIELDS:
        page.locator(f"#{field}").fill(customer_value(customer, key))
    if customer.get("locale"):
        page.locator("#locale").select_option(customer["locale"])
    chosen = _picker(page, "model", model)
    chosen.check()
    code = chosen.get_attribute("value")
    for option in options:
        _picker(page, "options", option, prefix=f"{code}:").check()
    _picker(page, "plan", plan).check()


def _picker(page: Page, name: str, wanted: str, prefix: str = ""):
    """The radio button or checkbox of ``wanted``: its code, else its name as shown."""
    by_code = page.locator(f'input[name="{name}"][value="{prefix}{wanted}"]')
    if by_code.count():
        return by_code
    starting = f'[value^="{prefix}"]' if prefix else ""  # (an empty ^= matches nothing)
    labelled = page.locator(f'label:has(input[name="{name}"]{starting})')
    return labelled.filter(has_text=wanted).locator("input")


def register_sale(page: Page, customer: dict, model: str, plan: str = "standard", options=(),
                  *, slug: str | None = None) -> str:
    """Register a sale on the form (opened at tenant ``slug``'s address, or the one the page
    shows); returns the registered order's reference, read from the work queue's confirmation.

    :param customer: as the API's (``name``, ``email``, ``phone``, ``tax_id``, ``locale``,
        ``address`` with ``street``, ``postal_code`` and ``city``), e.g. ``journey.customer()``.
    :param model: the model's code or name; ``options``: its factory options' codes or names;
        ``plan``: the plan's code or name.
    """
    if slug:
        page.goto(sale_address(slug))
    fill_sale(page, customer, model, plan, options)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/orders?sold=*")
    return page.locator("main [role=status] a").get_attribute("data-reference")


def focus_by_tab(page: Page, target, most: int = 80) -> None:
    """Press Tab until ``target`` (a locator) has the focus, as a keyboard user does."""
    for _ in range(most):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} is not reachable with Tab")

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
    """Fill the open sale form: the customer, then the model (its code), the options of that
    model (their codes) and the plan (its code)."""
    for field, key in CUSTOMER_FIELDS:
        page.locator(f"#{field}").fill(customer_value(customer, key))
    if customer.get("locale"):
        page.locator("#locale").select_option(customer["locale"])
    page.locator(f'input[name="model"][value="{model}"]').check()
    for option in options:
        page.locator(f'input[name="options"][value="{model}:{option}"]').check()
    page.locator(f'input[name="plan"][value="{plan}"]').check()


def register_sale(page: Page, customer: dict, model: str, plan: str = "standard", options=(),
                  *, slug: str | None = None) -> str:
    """Register a sale on the form (opened at tenant ``slug``'s address, or the one the page
    shows); returns the registered order's reference, read from the work queue's confirmation.

    :param customer: as the API's (``name``, ``email``, ``phone``, ``tax_id``, ``locale``,
        ``address`` with ``street``, ``postal_code`` and ``city``), e.g. ``journey.customer()``.
    :param model: the model's code; ``options``: codes of its factory options.
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

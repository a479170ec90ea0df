"""Every web page in every language of the core: a text a page shows that is still the
catalog's English message id (where the language translates it) fails."""
from __future__ import annotations

import pytest

from tests.support.api import ADMIN_PASSWORD, password_in
from tests.support.crawl import english_left
from tests.support.journey import sell, set_up_catalog
from tests.support.languages import country_speaking, translated_languages
from tests.support.web import send_form, sign_in, texts

def _pages(client, shop, customer_email: str, customer_password: str, language: str):
    """(name, HTML) of every page, as its readers see them."""
    base = f"/t/{shop.slug}"
    accept = {"Accept-Language": language}
    yield "home", client.get("/", headers=accept)
    yield "not found", client.get("/t/no-such-tenant/", headers=accept)
    yield "sign-in", client.get(f"{base}/sign-in")
    yield "refused sign-in", sign_in(client, shop.slug, f"employee@{shop.slug}.test", "wrong-1")
    yield "empty sign-in", send_form(client, f"{base}/sign-in", email="", password="")
    yield "expired form", client.post(f"{base}/sign-in", data={"csrf_token": "old"})
    yield "reset request", client.get(f"{base}/password-reset")
    yield "reset requested", client.get(f"{base}/password-reset?sent=1")
    yield "reset link", client.get(f"{base}/password-reset/not-a-token")
    yield "refused reset", send_form(client, f"{base}/password-reset/not-a-token",
                                     new_password="a-strong-password-1")
    yield "after a reset", client.get(f"{base}/sign-in?reset=1")
    sign_in(client, shop.slug, f"employee@{shop.slug}.test", ADMIN_PASSWORD)
    yield "orders", client.get(f"{base}/orders")
    yield "password", client.get(f"{base}/password")
    yield "refused password", send_form(client, f"{base}/password", old_password="x",
                                        new_password="")
    yield "changed password", client.get(f"{base}/password?changed=1")
    yield "forbidden", client.get(f"{base}/vehicles")
    send_form(client, f"{base}/orders", f"{base}/sign-out")
    sign_in(client, shop.slug, customer_email, customer_password)
    yield "vehicles", client.get(f"{base}/vehicles")


@pytest.mark.parametrize("language", translated_languages())
def test_every_page_is_in_the_language_of_its_reader(client, make_tenant, mailbox, drain,
                                                     language):
    country = country_speaking(language)
    if country is None:
        pytest.skip(f"no installed country's tenants read {language}")
    shop = make_tenant(country)
    set_up_catalog(shop)
    email = sell(shop, country)["customer"]["email"]
    drain()
    [message] = [m for m in mailbox.messages(email) if email in m["body"]]
    english = english_left(language)
    seen = 0
    for name, response in _pages(client, shop, email, password_in(message), language):
        assert response.mimetype == "text/html", name
        shown = texts(response.get_data(as_text=True))
        assert [text for text in shown if english(text)] == [], (language, name)
        seen += 1
    assert seen == 17

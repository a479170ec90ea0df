"""Using the web pages as a browser without JavaScript does: follow links, send forms with
their CSRF token, read what a person reads."""
from __future__ import annotations

import re
from html.parser import HTMLParser


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "the page has no form with a CSRF token"
    return found[1]


def send_form(client, page: str, action: str | None = None, **fields):
    """Open ``page``, then send its form (to ``action``, by default ``page``) with ``fields``."""
    html = client.get(page).get_data(as_text=True)
    return client.post(action or page, data={"csrf_token": csrf_token(html), **fields})


def sign_in(client, slug: str, email: str, password: str):
    """Send the sign-in form of tenant ``slug``'s pages (at its path)."""
    return send_form(client, f"/t/{slug}/sign-in", email=email, password=password)


def signed_in_client(app, slug: str, email: str, password: str):
    """A browser of its own (no JavaScript), signed in to tenant ``slug``'s pages."""
    client = app.test_client()
    assert sign_in(client, slug, email, password).status_code == 303
    return client


class _Texts(HTMLParser):
    """The texts a person reads (or hears: labels of landmarks), without scripts and styles."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skipping += 1
        for name, value in attrs:
            if name in ("aria-label", "title", "alt", "placeholder") and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.texts.append(" ".join(data.split()))


def texts(html: str) -> list[str]:
    parser = _Texts()
    parser.feed(html)
    return parser.texts


def addresses(html: str) -> list[str]:
    """Every address a page loads or links to (``src``, ``href``, ``action``)."""
    return re.findall(r'(?:src|href|action)="([^"]*)"', html)

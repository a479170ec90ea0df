"""``make screenshots``: the web pages as the demo shows them, in two languages, as PNGs
in ``docs/screenshots/`` (the README shows them).

The platform runs as ``make run`` runs it (``caas db upgrade``, ``caas seed``, ``caas run``)
on the embedded default, in a temporary instance folder; a sale is walked on each demo
tenant (``caas demo sale``'s walk) so that its customer has a vehicle, a service bought
for it, and two more sales so that the intranet shows orders in several states; then Debian's
Chromium signs in as that customer, as the tenant's employee and as its admin, and
photographs each page of their menus (the admin's console row), plus :data:`PAGES`, then
the operator console's :data:`OPERATOR_PAGES`.

    .venv/bin/python -m tests.support.screenshots [--out docs/screenshots]
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from caas.entrypoints.tooling.demo import Credentials, demo_tenant, walk_sale
from caas.entrypoints.tooling.demo_customers import new_customer
from tests.support.browser import launch_chromium
from tests.support.repo import REPO

#: The demo tenants photographed, each in its own language.
TENANTS = ("es-demo", "de-demo")
#: Pages beyond the readers' menus (which are photographed whole, each named after its
#: path): (reader, path under the tenant's, file name). ``{vin}``, ``{order}`` and
#: ``{service}`` are the walked sale's vehicle, order and the service bought for it. The sale
#: form is in the employee's menu; the demo escalates no activation, so it has no ticket.
#: The admin's menu is the console's row; the compatibility matrix and the routing grid are
#: pages inside two of its parts.
PAGES = [
    (None, "sign-in", "sign-in"),
    ("customer", "vehicles/{order}", "vehicle"),
    ("customer", "vehicles/{order}/catalog", "vehicle-catalog"),
    ("customer", "services/{service}", "service"),
    ("employee", "orders/{order}", "order"),
    ("admin", "admin/catalog/compatibility", "admin-catalog-compatibility"),
    ("admin", "admin/settings/notifications", "admin-settings-notifications"),
]
#: Menu pages not worth a picture.
SKIPPED = re.compile(r"/password$")
#: Whose menu is photographed: the admin's console row only (its Intranet pages are the
#: employee's).
MENUS = {"admin": "header nav.console-menu a[href*=\"/admin\"]"}
#: The operator console's pages (``{slug}``: the tenant photographed), path under ``/operator/``.
OPERATOR_PAGES = [("tenants", "tenants"), ("tenants/new", "tenants-new"),
                  ("tenants/{slug}", "tenant"), ("plugins", "plugins")]
VIEWPORT = {"width": 1280, "height": 800}
OUT = REPO / "docs" / "screenshots"


def caas(*arguments: str) -> list[str]:
    """The ``caas`` command of this checkout (its environment's Python and sources)."""
    return [sys.executable, "-c", "from caas.entrypoints.cli import main; main()", *arguments]


class Platform:
    """``caas run`` on a free port over a fresh instance folder, with the demo seeded."""

    def __init__(self, instance: Path, port: int):
        self.url = f"http://127.0.0.1:{port}"
        self.env = {key: value for key, value in os.environ.items()
                    if not key.startswith("CAAS_")}
        self.env.update(CAAS_INSTANCE_PATH=str(instance), PORT=str(port))
        self.process = None

    def __enter__(self) -> "Platform":
        for step in (("db", "upgrade"), ("seed",)):
            subprocess.run(caas(*step), env=self.env, cwd=REPO, check=True,
                           stdout=subprocess.DEVNULL)
        self.process = subprocess.Popen(caas("run"), env=self.env, cwd=REPO,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("caas run did not answer within 60 s")

    def __exit__(self, *_exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own session only
            self.process.wait(timeout=20)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def language(slug: str) -> str:
    """The language of demo tenant ``slug`` (its file's first locale): ``es``."""
    data = tomllib.loads((REPO / "tenants" / f"{slug}.toml").read_text(encoding="utf-8"))
    return data["locales"][0].split("-")[0]


def walk(url: str, slug: str) -> dict:
    """A sale to an app-linked vehicle on ``slug`` (quietly); the customer's credentials."""
    accounts = demo_tenant(REPO / "tenants", slug)
    with httpx.Client(base_url=url, timeout=30) as client:
        return walk_sale(client, tenant=slug, employee=accounts.employee,
                         operator=accounts.operator, country=accounts.country,
                         customer=accounts.customer, echo=lambda _text: None)


@contextmanager
def api_client(url: str, slug: str, credentials) -> Iterator[httpx.Client]:
    """A client of ``slug``'s REST API signed in as ``credentials``."""
    with httpx.Client(base_url=url, timeout=30, headers={"X-Tenant": slug}) as client:
        token = client.post("/api/v1/auth/token", json={
            "email": credentials.email, "password": credentials.password}
        ).raise_for_status().json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def buy_service(url: str, slug: str, sale: dict) -> int:
    """The walked sale's customer buys the first option their vehicle's catalog has available;
    its id, once active (or after 30 s, photographed as it then is)."""
    customer = Credentials(sale["customer"]["email"], sale["customer"]["password"])
    vin = sale["vehicle"]["vin"]
    with api_client(url, slug, customer) as client:
        option = next(option for option in client.get(f"/api/v1/vehicles/{vin}/catalog")
                      .raise_for_status().json() if option["available"])
        service = client.post(f"/api/v1/vehicles/{vin}/services",
                              headers={"Idempotency-Key": f"screenshots-{uuid.uuid4().hex}"},
                              json={"option": option["code"], "card_token": "tok_ok"}
                              ).raise_for_status().json()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and client.get(
                f"/api/v1/services/{service['id']}").raise_for_status().json()["status"] != "active":
            time.sleep(0.5)
    return service["id"]


def more_orders(url: str, slug: str, sale: dict) -> None:
    """Two more sales of the walked sale's model to new customers, so that the intranet's
    pages show orders in several states: one reserved, one with its reservation unpaid."""
    accounts = demo_tenant(REPO / "tenants", slug)
    with api_client(url, slug, accounts.employee) as client:
        for paid in (True, False):
            order = client.post("/api/v1/sales", json={
                "customer": dict(new_customer(accounts.country, accounts.customer),
                                 email=f"demo-{uuid.uuid4().hex[:8]}@example.test"),
                "model": sale["order"]["model"], "plan": sale["order"]["plan"], "options": []}
            ).raise_for_status().json()["order"]
            if paid:
                client.post(f"/api/v1/orders/{order['id']}/reservation-payment",
                            json={"card_token": "tok_ok"}).raise_for_status()


@contextmanager
def signed_in_page(browser, url: str, language: str, sign_in: str, credentials):
    """A page of a fresh browser context in ``language``, signed in at ``sign_in`` as
    ``credentials`` (``None``: signed out)."""
    context = browser.new_context(base_url=url, viewport=VIEWPORT,
                                  extra_http_headers={"Accept-Language": language})
    try:
        page = context.new_page()
        if credentials:
            page.goto(sign_in)
            page.locator("main input[type=email]").fill(credentials.email)
            page.locator("main input[type=password]").fill(credentials.password)
            page.locator("main [type=submit]").click()
            page.wait_for_url(lambda address: "/sign-in" not in address)
        yield page
    finally:
        context.close()


def shoot(page, pages, out: Path) -> list[Path]:
    """Photograph each ``(address, file)`` of ``pages``, whole, into ``out``."""
    for address, name in pages:
        page.goto(address)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(out / name), full_page=True)
    return [out / name for _, name in pages]


def photograph(browser, url: str, slug: str, language: str, reader: str | None,
               credentials, values: dict, out: Path) -> list[Path]:
    """Sign in as ``reader`` (``None``: signed out) and photograph their pages."""
    with signed_in_page(browser, url, language, f"/t/{slug}/sign-in", credentials) as page:
        menu = [] if not credentials else [
            (href.rsplit(f"/t/{slug}/", 1)[1], href.rsplit(f"/t/{slug}/", 1)[1].replace("/", "-"))
            for href in page.locator(MENUS.get(reader, "header nav a[href]")).evaluate_all(
                "links => links.map(a => a.getAttribute('href'))")
            if f"/t/{slug}/" in href and not SKIPPED.search(href)]
        listed = [(path.format(**values), name) for who, path, name in PAGES if who == reader]
        return shoot(page, [(f"/t/{slug}/{path}", f"{language}-{reader or 'visitor'}-{name}.png")
                            for path, name in dict.fromkeys(menu + listed)], out)


def photograph_operator(browser, url: str, slug: str, language: str, credentials,
                        out: Path) -> list[Path]:
    """Sign in to the operator console and photograph its pages, ``slug``'s health among them."""
    with signed_in_page(browser, url, language, "/operator/sign-in", credentials) as page:
        return shoot(page, [(f"/operator/{path.format(slug=slug)}",
                             f"{language}-operator-{name}.png")
                            for path, name in OPERATOR_PAGES], out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="caas-screenshots-") as instance, \
            Platform(Path(instance), free_port()) as running, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for slug in TENANTS:
                accounts = demo_tenant(REPO / "tenants", slug)
                sale = walk(running.url, slug)
                more_orders(running.url, slug, sale)
                customer = sale["customer"]
                values = {"vin": sale["vehicle"]["vin"], "order": sale["order"]["id"],
                          "service": buy_service(running.url, slug, sale)}
                readers = {None: None, "customer": Credentials(customer["email"],
                                                               customer["password"]),
                           "employee": accounts.employee, "admin": accounts.admin}
                for reader, credentials in readers.items():
                    written += photograph(browser, running.url, slug, language(slug), reader,
                                          credentials, values, args.out)
                written += photograph_operator(browser, running.url, slug, language(slug),
                                               accounts.operator, args.out)
        finally:
            browser.close()
    for path in written:
        print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
    return 0




if __name__ == "__main__":
    sys.exit(main())

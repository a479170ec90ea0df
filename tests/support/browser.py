"""Browser tests' tools: the platform served on a free port, Debian's Chromium driven by
Playwright, the page's console errors, and axe-core's accessibility check."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import make_server

from tests.support.repo import REPO

#: Debian's ``chromium-headless-shell`` package (``make browser`` installs it); Playwright's
#: own browser download does not work on these machines.
CHROMIUM = Path("/usr/bin/chromium-headless-shell")
#: axe-core from the npm lock file (``make install`` runs ``npm ci``).
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
#: Violations at these impacts fail a page; "minor" and "moderate" ones do not.
FAILING_IMPACTS = ("serious", "critical")


def sign_in_as(page, slug: str, email: str, password: str, words=lambda text: text) -> None:
    """Sign in on the tenant ``slug``'s sign-in page, its labels in ``words``' language;
    wait until the page it leads to."""
    page.goto(f"/t/{slug}/sign-in")
    page.get_by_label(words("Email")).fill(email)
    page.get_by_label(words("Password")).fill(password)
    page.get_by_role("button", name=words("Sign in")).click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


class LiveServer:
    """A WSGI app served by werkzeug in a thread, on a free port of 127.0.0.1."""

    def __init__(self, app):
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self):
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()


def launch_chromium(playwright, executable: Path = CHROMIUM):
    """Debian's headless Chromium; fails the test (never skips it) when it cannot run."""
    if not os.access(executable, os.X_OK):
        pytest.fail(f"{executable} is missing: the browser tests need Debian's "
                    "chromium-headless-shell (`make browser` installs it).", pytrace=False)
    try:
        return playwright.chromium.launch(executable_path=str(executable), headless=True)
    except PlaywrightError as error:
        pytest.fail(f"{executable} did not start: {error.message}", pytrace=False)


class ConsoleWatch:
    """Every console error and uncaught exception of a page, since it was opened."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.expected: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def expect(self, text: str) -> None:
        """A console error the test brings about on purpose (``text`` is in it), such as the
        browser's report of a page answered with 401: not counted."""
        self.expected.append(text)

    def _on_console(self, message):
        if message.type == "error" and not any(text in message.text for text in self.expected):
            self.errors.append(f"{message.text} ({message.location.get('url', '')})")

    def assert_clean(self):
        if self.errors:
            pytest.fail("The browser's console had errors:\n  " + "\n  ".join(self.errors),
                        pytrace=False)


def assert_accessible(page):
    """Run axe-core on the page as it is now; fail on any serious or critical violation."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make install` installs it (npm ci).", pytrace=False)
    # Evaluated rather than added as a <script>: a page's Content-Security-Policy allows no
    # inline script, and the check must not need the page to weaken it.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    failing = [v for v in results["violations"] if v["impact"] in FAILING_IMPACTS]
    if failing:
        pytest.fail(f"{page.url}: accessibility violations (axe-core):\n"
                    + "\n".join(_describe(v) for v in failing), pytrace=False)


def _describe(violation) -> str:
    targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
    more = len(violation["nodes"]) - 5
    return (f"  [{violation['impact']}] {violation['id']}: {violation['help']} "
            f"({violation['helpUrl']})\n    on {targets}" + (f" and {more} more" if more > 0 else ""))

"""Browser fixtures. Each xdist worker has its own live server and its own Chromium."""
import pytest
from playwright.sync_api import sync_playwright

from tests.support.browser import ConsoleWatch, LiveServer, launch_chromium


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: the test drives a real browser (tests/browser)")


@pytest.fixture(scope="session")
def live_server(session_app):
    server = LiveServer(session_app)
    yield server
    server.close()


@pytest.fixture(scope="session")
def playwright():
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def chromium(playwright):
    browser = launch_chromium(playwright)
    yield browser
    browser.close()


@pytest.fixture
def page(app, live_server, chromium):
    """A new page in a browser context of its own, at the live server's address.
    The test fails on any console error or uncaught exception of the page, except those it
    declares with ``page.console.expect(...)``."""
    context = chromium.new_context(base_url=live_server.url)
    opened = context.new_page()
    watch = opened.console = ConsoleWatch(opened)
    yield opened
    context.close()
    watch.assert_clean()

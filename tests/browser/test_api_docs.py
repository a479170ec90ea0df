"""The API documentation (Swagger UI, served offline) in the browser."""
import pytest

pytestmark = pytest.mark.browser


def test_the_api_docs_load_from_the_platform_alone_without_console_errors(page):
    hosts = set()
    page.on("request", lambda request: hosts.add(request.url.split("/")[2]))
    page.goto("/api/v1/docs")
    # The operations come from the platform's own OpenAPI document.
    page.locator(".opblock").first.wait_for()
    assert page.get_by_text("CaaS platform API").first.is_visible()
    assert page.locator(".opblock").count() > 50
    assert hosts == {page.url.split("/")[2]}  # nothing loads from another host

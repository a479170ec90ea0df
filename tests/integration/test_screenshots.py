"""``make screenshots``: what it photographs exists, and the README shows what it wrote."""
import re

from tests.support import screenshots
from tests.support.crawl import flask_routes
from tests.support.repo import REPO


def test_every_listed_page_is_a_page_of_the_platform(app):
    route = flask_routes(app)
    values = {"vin": "VSSZZZ1ZZAB000001", "order": 1, "service": 1}
    for reader, path, name in screenshots.PAGES:
        assert route(f"http://localhost/t/es-demo/{path.format(**values)}"), (reader, path)
        assert re.fullmatch(r"[a-z0-9-]+", name), name


def test_the_photographed_tenants_are_demo_tenants_in_two_languages():
    languages = {screenshots.language(slug) for slug in screenshots.TENANTS}
    assert len(languages) == len(screenshots.TENANTS) == 2


def test_every_screenshot_the_readme_shows_is_in_the_repository():
    shown = re.findall(r"\]\((docs/screenshots/[^)]+\.png)\)",
                       (REPO / "README.md").read_text(encoding="utf-8"))
    assert shown, "the README shows no screenshot"
    assert [path for path in shown if not (REPO / path).is_file()] == []

"""The browser tests' own checks: they fail, never skip, and say why."""
import pytest

from tests.support.browser import ConsoleWatch, assert_accessible, launch_chromium

pytestmark = pytest.mark.browser

ACCESSIBLE = ('<!doctype html><html lang="en"><head><title>Fine</title></head>'
              '<body><main><h1>Fine</h1><p>Readable text.</p></main></body></html>')


def test_a_missing_browser_fails_the_test_instead_of_skipping_it(playwright, tmp_path):
    with pytest.raises(pytest.fail.Exception, match="chromium-headless-shell"):
        launch_chromium(playwright, tmp_path / "chromium-headless-shell")


def test_a_browser_that_does_not_start_fails_the_test(playwright):
    with pytest.raises(pytest.fail.Exception, match="did not start"):
        launch_chromium(playwright, "/bin/false")


def test_serious_accessibility_violations_fail_with_a_readable_summary(page):
    # No lang on <html> (serious) and an image without a text alternative (critical).
    page.set_content('<html><head><title>Bad</title></head><body><main>'
                     '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
                     '</main></body></html>')
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_accessible(page)
    summary = str(failure.value)
    assert "[serious] html-has-lang" in summary and "[critical] image-alt" in summary
    assert "on img" in summary


def test_the_accessibility_check_runs_under_a_policy_that_forbids_inline_script(chromium):
    opened = chromium.new_page()
    try:
        opened.route("http://strict.test/", lambda route: route.fulfill(
            body=ACCESSIBLE.replace("</main>", "<script>document.title = 'ran'</script></main>"),
            content_type="text/html",
            headers={"Content-Security-Policy": "default-src 'self'; script-src 'self'"}))
        opened.goto("http://strict.test/")
        assert opened.title() == "Fine"  # the policy refused the page's inline script
        assert_accessible(opened)
    finally:
        opened.close()


@pytest.mark.parametrize("script, error", [
    ("console.error('the widget broke')", "the widget broke"),
    ("setTimeout(() => { throw new Error('nobody caught me') })", "uncaught: nobody caught me"),
])
def test_a_console_error_or_uncaught_exception_fails_the_page(chromium, script, error):
    opened = chromium.new_page()
    try:
        watch = ConsoleWatch(opened)
        opened.set_content(ACCESSIBLE)
        watch.assert_clean()
        opened.evaluate(script)
        opened.wait_for_timeout(100)
        with pytest.raises(pytest.fail.Exception, match=error):
            watch.assert_clean()
    finally:
        opened.close()

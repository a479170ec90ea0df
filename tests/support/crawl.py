"""Every page a reader can reach, found by following links in the browser, and what each one
must be: in the reader's language, without console errors, and accessible.

Nothing here lists the pages: a crawl starts where a reader starts (the landing page) and
follows the same-site ``GET`` links of the menu and of the pages themselves, so a new page
is checked as soon as something links to it.
"""
from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable
from urllib.parse import parse_qsl, urlsplit

import pytest
from babel.messages.pofile import read_po
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from caas import i18n
from tests.support.browser import assert_accessible
from tests.support.repo import REPO

PLACEHOLDER = re.compile(r"%\(\w+\)s")
#: Links a crawl never follows: they act (signing out) rather than show a page.
NOT_FOLLOWED = re.compile(r"/sign-out$")
#: A crawl stops after so many pages, whatever it still finds (a page that links to ever new
#: addresses must not make the test run for ever).
MAX_PAGES = 60

#: Every text of the page a person reads or hears, with whitespace collapsed: text nodes,
#: the labels assistive technology reads out, the values of buttons, and the title's parts.
#: Hidden text counts (an htmx indicator or an error shows up later); text inside an element
#: that declares another language (the language switcher's names) does not.
_TEXTS = """() => {
  const page = document.documentElement.getAttribute('lang');
  const ours = (element) => {
    const declared = element.closest('[lang]');
    return !declared || declared.getAttribute('lang') === page;
  };
  const clean = (text) => (text || '').replace(/\\s+/g, ' ').trim();
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || ['SCRIPT', 'STYLE', 'TEMPLATE'].includes(parent.tagName)) continue;
    if (clean(node.textContent) && ours(parent)) texts.push(clean(node.textContent));
  }
  const attributes = ['aria-label', 'title', 'alt', 'placeholder'];
  for (const element of document.body.querySelectorAll('*')) {
    if (!ours(element)) continue;
    for (const name of attributes) {
      if (clean(element.getAttribute(name))) texts.push(clean(element.getAttribute(name)));
    }
    if (element.matches('input[type=submit], input[type=button], input[type=reset]')
        && clean(element.value)) texts.push(clean(element.value));
  }
  for (const part of document.title.split(' · ')) if (clean(part)) texts.push(clean(part));
  return texts;
}"""

_LINKS = """() => Array.from(document.querySelectorAll('a[href]'))
  .filter((a) => !a.hasAttribute('download'))
  .map((a) => a.href)"""


# --- in the reader's language ---------------------------------------------------------------

def _catalog_templates() -> list:
    """The core's template and each bundled plugin's (their texts show on pages too)."""
    return [i18n.translations_dir() / "messages.pot",
            *sorted(REPO.glob("plugins/*/*/*/translations/messages.pot"))]


@lru_cache(maxsize=None)
def english_left(language: str) -> Callable[[str], bool]:
    """Whether a text is a message id that ``language`` translates otherwise, i.e. a text
    left in English (a placeholder matches anything). Words that read the same in both
    languages (``Status`` in German) are not message ids ``language`` changes: never flagged."""
    ids = set()
    for template in _catalog_templates():
        with template.open("rb") as source:
            ids |= {message.id for message in read_po(source)
                    if isinstance(message.id, str) and message.id}
    patterns = [".+".join(re.escape(re.sub(r"\s+", " ", part))
                          for part in PLACEHOLDER.split(msgid.strip()))
                for msgid in ids
                # Placeholders alone ("%(model)s (%(plate)s)") would match any text.
                if re.search(r"[^\W\d_]{2}", PLACEHOLDER.sub("", msgid))
                and (i18n.translation(msgid, language) or msgid) != msgid]
    if not patterns:  # English, or a language without a catalog
        return lambda text: False
    matcher = re.compile("|".join(f"(?:{pattern})" for pattern in patterns))
    # A translation may read as another message's English ("Email message" is "Email" in
    # Italian, whose "Email" is "Indirizzo email"): a text the catalog writes is not left.
    written = {re.sub(r"\s+", " ", i18n.translation(msgid, language) or "").strip()
               for msgid in ids}
    return lambda text: text not in written and matcher.fullmatch(text) is not None


def texts(page) -> list[str]:
    """What a person reads (or hears) on ``page`` as it is now."""
    return page.evaluate(_TEXTS)


def untranslated(page, language: str) -> list[str]:
    """The texts of ``page`` still in English though ``language`` translates them."""
    left = english_left(language)
    return [text for text in texts(page) if left(text)]


def problems(page, locale: str) -> list[str]:
    """What is wrong with ``page`` for a reader of ``locale``: the page is in another
    language, texts left in English, or serious accessibility violations."""
    found = []
    shown_in = page.locator("html").get_attribute("lang") or ""
    if shown_in.replace("_", "-").split("-")[0] != i18n.language_of(locale):
        found.append(f'the page is in "{shown_in}", not in the language of "{locale}"')
    found += [f"left in English: {text!r}" for text in
              dict.fromkeys(untranslated(page, i18n.language_of(locale)))]
    try:
        assert_accessible(page)
    except pytest.fail.Exception as failure:
        found.append(str(failure))
    return found


# --- following links ------------------------------------------------------------------------

def flask_routes(app) -> Callable[[str], str | None]:
    """The route an address is a page of (its endpoint and the names of its query
    parameters: ``/orders/12?tab=x`` and ``/orders/13?tab=y`` are the same page), or ``None``
    when no route of ``app`` answers it with a page."""
    adapter = app.url_map.bind("localhost")

    def route(address: str) -> str | None:
        parts = urlsplit(address)
        try:
            endpoint, _ = adapter.match(parts.path, method="GET")
        except RequestRedirect as moved:
            return route(moved.new_url)
        except HTTPException:
            return None
        names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
        return endpoint + ("?" + "&".join(names) if names else "")
    return route


@dataclass
class Visit:
    address: str
    status: int | None
    problems: list[str] = field(default_factory=list)


@dataclass
class Crawl:
    """One reader's crawl: ``within`` is the path prefix of the site followed (the tenant's),
    ``route`` names the page an address shows (one address is visited per route), and
    ``check`` lists what is wrong with a loaded page."""

    page: object
    within: str
    route: Callable[[str], str | None]
    check: Callable[[object], list[str]]
    visits: list[Visit] = field(default_factory=list)

    def run(self, *starts: str) -> list[Visit]:
        seen: set[str] = set()
        waiting = deque(starts)
        errors = self.page.console.errors
        while waiting and len(self.visits) < MAX_PAGES:
            address = waiting.popleft()
            # An address no route answers is visited once too: its link is broken.
            key = self.route(address) or urlsplit(address).path
            if key in seen or not self._is_page(address):
                continue
            seen.add(key)
            already = len(errors)
            response = self.page.goto(address)
            # The page shown, where a redirect led (the landing page leads to the menu's first).
            visit = Visit(self.page.url, response.status if response else None)
            self.visits.append(visit)
            seen.add(self.route(self.page.url) or key)
            if visit.status is None or visit.status >= 400:
                visit.problems.append(f"answered {visit.status}")
            visit.problems += self.check(self.page)
            visit.problems += [f"console: {error}" for error in errors[already:]]
            waiting += self._links()
        return self.visits

    def _links(self) -> list[str]:
        found = []
        for address in self.page.evaluate(_LINKS):
            parts = urlsplit(address)
            if parts.scheme not in ("http", "https") or not parts.path.startswith(self.within):
                continue
            if urlsplit(self.page.url).netloc != parts.netloc or NOT_FOLLOWED.search(parts.path):
                continue
            found.append(parts._replace(fragment="").geturl())
        return found

    def _is_page(self, address: str) -> bool:
        """Whether ``address`` answers with an HTML page (not a PDF or a download), asked
        with HEAD in the reader's session."""
        answer = self.page.request.head(address)
        return answer.headers.get("content-type", "").startswith("text/html")

    def report(self) -> str:
        """The addresses visited, each with what is wrong with it."""
        lines = []
        for visit in self.visits:
            parts = urlsplit(visit.address)
            lines.append(f"  {parts.path}{'?' if parts.query else ''}{parts.query} "
                         f"({visit.status})")
            for problem in visit.problems:
                first, *more = problem.removeprefix(f"{visit.address}: ").splitlines()
                lines += [f"      - {first}", *(f"        {line.strip()}" for line in more)]
        return "\n".join(lines)

    @property
    def failed(self) -> bool:
        return any(visit.problems for visit in self.visits)

"""What the customer's record pages (invoices, documents, maintenance, notifications) share:
lists read a page at a time, and files served under the session."""
from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from flask import abort, current_app, request

from caas.entrypoints.web import rendering

#: Rows a list shows at a time.
PER_PAGE = 25
#: A served file loads nothing, runs nothing, and is never framed by another site.
FILE_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
#: Files a browser shows itself without running anything of theirs; others are downloaded.
SHOWN_INLINE = ("application/pdf", "text/plain")
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


@dataclass(frozen=True)
class Paging:
    """Which page of a list this is (from 1), and whether others come before or after."""

    number: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number * PER_PAGE < self.total


def requested_page() -> int:
    """The ``?page=`` asked for: 1 when absent or not a positive number."""
    return max(request.args.get("page", 1, type=int), 1)


def read_page(read):
    """``read(offset, limit) -> (rows, total)`` for the requested page: (rows, :class:`Paging`);
    a page past the last one does not exist (404)."""
    number = requested_page()
    rows, total = read((number - 1) * PER_PAGE, PER_PAGE)
    if number > 1 and not rows:
        abort(404)
    return rows, Paging(number, total)


def file(content: bytes, content_type: str, filename: str):
    """A stored file as its owner opens it: shown when harmless, else downloaded."""
    shown = content_type.split(";")[0].strip() in SHOWN_INLINE
    response = current_app.response_class(content, content_type=content_type)
    response.headers["Content-Disposition"] = \
        f'{"inline" if shown else "attachment"}; filename="{filename}"'
    return _served(response, FILE_POLICY)


def html_document(html: str):
    """A document the platform wrote (an invoice): its own stylesheet, and nothing else."""
    styles = " ".join(f"'sha256-{_digest(style)}'" for style in _STYLE.findall(html))
    response = current_app.response_class(html, mimetype="text/html")
    return _served(response, FILE_POLICY + (f"; style-src {styles}" if styles else ""))


def _digest(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def _served(response, policy: str):
    """The headers of every page (signed-in: not cached), with the file's own policy."""
    rendering.with_headers(response)
    response.headers["Content-Security-Policy"] = policy
    return response

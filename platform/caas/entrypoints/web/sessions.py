"""A cookie session for the web pages only: the API stays stateless (bearer tokens)."""
from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException


class WebSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, opened only when the request is for a web page.

    The session opens before the request is routed, so the URL is matched here to learn
    whose page it is.

    :param blueprints: the names of the blueprints whose pages have a session.
    """

    def __init__(self, blueprints):
        self.blueprints = frozenset(blueprints)

    def open_session(self, app, request):
        if not self._for_a_page(app, request):
            return None
        return super().open_session(app, request)

    def _for_a_page(self, app, request) -> bool:
        adapter = app.create_url_adapter(request)
        if adapter is None:
            return False
        try:
            endpoint, _ = adapter.match()
        except HTTPException:
            return False
        return endpoint.partition(".")[0] in self.blueprints

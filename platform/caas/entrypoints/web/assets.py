"""The pages' front-end files: the npm packages of ``package-lock.json`` (installed into
``node_modules/`` by ``make install``) and the platform's own stylesheet. Nothing is loaded
from another host."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory

blp = Blueprint("web_assets", __name__, static_folder="static",
                static_url_path="/assets/web")

#: The files the pages use, by the name they are served under → their place in node_modules.
VENDORED = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "pico.min.css": "@picocss/pico/css/pico.min.css",
}


def node_modules() -> Path:
    """``CAAS_WEB_NODE_MODULES``, else the source checkout's ``node_modules/``."""
    configured = current_app.config.get("CAAS_WEB_NODE_MODULES")
    return Path(configured) if configured else Path(__file__).resolve().parents[4] / "node_modules"


@blp.get("/assets/vendor/<string:name>")
def vendored(name: str):
    if name not in VENDORED:
        abort(404)
    folder, _, filename = VENDORED[name].rpartition("/")
    return send_from_directory(node_modules() / folder, filename, max_age=3600)

"""The pages benchmark's baseline: a minimal Flask app rendering, at each page's path, a
template of exactly that page's bytes (``BENCH_PAGES``: a JSON file of path → template
file in its folder, written by ``pages.py`` from the platform's answers).

What it costs is what any Flask page costs (routing, a Jinja template, a response of that
size); what the platform's page costs beyond it is its own work.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Flask, render_template

from worker_header import WorkerHeader

PAGES = json.loads(Path(os.environ["BENCH_PAGES"]).read_text(encoding="utf-8"))
flask_app = Flask("bare_page", template_folder=str(Path(os.environ["BENCH_PAGES"]).parent))


def _view(template: str):
    return lambda: render_template(template)


for number, (path, template) in enumerate(PAGES.items()):
    flask_app.add_url_rule(path, f"page_{number}", _view(template))


@flask_app.get("/healthz")
def healthz():
    return {"status": "ok"}


app = WorkerHeader(flask_app)

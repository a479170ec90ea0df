"""The baseline: a minimal Flask app answering ``GET /api/v1/me`` with a static JSON dict.

Same path and a body of the same shape as the platform's ``/me``, so the load
generator sends identical requests to both and only the work behind them differs.
"""
from __future__ import annotations

from flask import Flask

from worker_header import WorkerHeader

flask_app = Flask("bare")
flask_app.json.sort_keys = False

ME = {"id": 1, "email": "admin@bench-0001.test", "name": "Bench admin", "role": "admin",
      "locale": "es-ES", "tenant": "bench-0001"}


@flask_app.get("/api/v1/me")
def me():
    return ME


@flask_app.get("/healthz")
def healthz():
    return {"status": "ok"}


app = WorkerHeader(flask_app)

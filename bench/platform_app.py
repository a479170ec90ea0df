"""The CaaS platform as gunicorn serves it (like ``wsgi.py``), plus the bench's worker header.

Configured entirely from the ``CAAS_*`` variables the bench passes to gunicorn.
"""
from __future__ import annotations

from caas.entrypoints.http.app import create_app

from worker_header import WorkerHeader

app = WorkerHeader(create_app())

"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""
from caas.entrypoints.http.app import create_app

app = create_app()

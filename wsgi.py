"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``."""
from caas.app import create_app

app = create_app()

"""Module the dramatiq CLI imports in each worker process (``caas worker``)."""
from caas.entrypoints.http.app import create_app

app = create_app()
broker = app.extensions["caas_broker"]

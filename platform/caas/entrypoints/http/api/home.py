"""``/``: the API documentation, until the web platform serves its own pages there."""
from flask import Blueprint, redirect, url_for

blp = Blueprint("home", __name__)


@blp.get("/")
def home():
    return redirect(url_for("api-docs.openapi_swagger_ui"), 302)

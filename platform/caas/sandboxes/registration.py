"""Building blocks for a country's registration-body sandbox.

A country plugin describes its body's API (path, required fields, how it
answers) and how plates look; :func:`registration_sandbox` turns that into a
small Flask app that issues unique plates in the country's real format. A plate
may depend on the registration itself (a Swiss plate carries the holder's
canton), so the plate function gets the request body along with the number.
"""
from __future__ import annotations

import itertools
import threading
import uuid
from typing import Any, Callable, Iterable, Mapping

from flask import Flask, jsonify, request


def registration_sandbox(
    name: str,
    path: str,
    required_fields: Iterable[str],
    plates: Callable[[int, Mapping[str, Any]], str],
    answer: Callable[[str, str, Mapping[str, Any]], Mapping[str, Any]],
) -> Flask:
    """Return a WSGI app simulating a registration body.

    :param name: the app's import name (for Flask).
    :param path: the route registrations are POSTed to.
    :param required_fields: JSON fields the body refuses to do without (422).
    :param plates: ``(sequence_number, body) -> plate`` in the country's format;
        ``body`` is the registration's parsed JSON, already checked for the
        required fields (its contents are otherwise unvalidated). A ``ValueError``
        refuses the registration: 422 with its message.
    :param answer: ``(plate, reference, body) -> JSON answer`` in the body's spelling.
    """
    app = Flask(name)
    counter = itertools.count(1)
    lock = threading.Lock()
    issued: dict[str, Mapping[str, Any]] = {}
    required = tuple(required_fields)

    @app.post(path)
    def register():
        body = request.get_json(silent=True)
        if not isinstance(body, Mapping):
            body = {}
        missing = [field for field in required if not body.get(field)]
        if missing:
            return jsonify(error="missing fields", fields=missing), 422
        with lock:
            try:
                plate = plates(next(counter), body)
            except ValueError as refused:
                return jsonify(error=str(refused)), 422
            reference = uuid.uuid4().hex[:12].upper()
            issued[reference] = {"plate": plate, "body": body,
                                 "authorization": request.headers.get("Authorization")}
        return jsonify(answer(plate, reference, body)), 201

    @app.get(f"{path}/<reference>")
    def lookup(reference: str):
        if reference not in issued:
            return jsonify(error="not found"), 404
        return jsonify(issued[reference])

    return app

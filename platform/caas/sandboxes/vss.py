"""The vehicle service system's (VSS) sandbox: workshops' maintenance records, to query.

Vehicles do not report their maintenance; the VSS, kept by the workshops, is the authority,
and the platform only asks it, before selling a service that needs maintenance to be current.

HTTP API (JSON; dates are ISO 8601 ``YYYY-MM-DD``):

- ``GET /v1/vehicles/{vin}/maintenance`` -> 200 ::

      {"vin": "...", "status": "current" | "overdue",
       "last_service": "2025-03-14" | null,      (the latest service in the history)
       "next_due": "2026-03-14" | null,          (after today when current, by today when overdue)
       "completion_percentage": 0..100,          (share of the services due so far that were done)
       "history": [{"date", "workshop", "kind", "mileage_km"}, ...]}   (newest first)

  Every VIN is known. One never set (:meth:`VssSandbox.set_vehicle`) is ``current``, with a
  plausible history of one or two services derived from the VIN alone: the same VIN gets the
  same workshops, kinds and mileages, at the same distance from today, in every sandbox.

Errors are ``{"error": {"code", "message"}}``.

Dates: a service is due a year (:data:`INTERVAL`) after the last one. A ``current`` vehicle whose
last service is more than a year old is due in 30 days; an ``overdue`` one whose last service is
recent (a recall, say) was due yesterday. ``completion_percentage`` is 100 when current; when
overdue, one service is missing: ``100 * done / (done + 1)``.
"""
from __future__ import annotations

import hashlib
import json
import threading
from datetime import date, timedelta

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from caas.clock import wall_now

SYSTEM = "vss"
STATUSES = ("current", "overdue")
INTERVAL = timedelta(days=365)
GRACE = timedelta(days=30)
WORKSHOPS = ("Taller Oficial Norte", "Garage du Centre", "Autohaus Süd", "Werkstatt am Ring",
             "Officina Rossi", "Servicio Rápido Este")
KINDS = ("annual service", "inspection", "oil change", "brake service", "battery check")
_HISTORY_FIELDS = {"date", "workshop", "kind", "mileage_km"}


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status, mimetype="application/json")


def _http_error(exc: HTTPException) -> Response:
    code = (exc.name or "error").lower().replace(" ", "_")
    return _json({"error": {"code": code, "message": exc.description or ""}}, exc.code or 500)


def generated_history(vin: str, maintenance: str = "current", today: date | None = None) -> list[dict]:
    """One or two services derived from the VIN, newest first, the latest recent enough for a
    ``current`` vehicle or old enough for an ``overdue`` one."""
    digest = hashlib.sha256(vin.encode()).digest()
    today = today or wall_now().date()
    # Current: last serviced 1 to 11 months ago; overdue: 13 to 23 months ago.
    ago = 30 + digest[0] % 301 if maintenance == "current" else 395 + digest[0] % 301
    count = 1 + digest[1] % 2
    mileage = 8_000 + int.from_bytes(digest[2:4], "big") % 30_000
    history = []
    for number in range(count):
        history.append({"date": (today - timedelta(days=ago + 365 * number)).isoformat(),
                        "workshop": WORKSHOPS[digest[4 + number] % len(WORKSHOPS)],
                        "kind": KINDS[digest[6 + number] % len(KINDS)],
                        "mileage_km": mileage * (count - number)})
    return history


def _entry(item: dict) -> dict:
    """A history entry as the VSS stores it; ValueError saying what is wrong."""
    if not isinstance(item, dict) or not _HISTORY_FIELDS <= set(item):
        raise ValueError(f"a history entry has {', '.join(sorted(_HISTORY_FIELDS))}: {item!r}")
    when = item["date"]
    when = when if isinstance(when, date) else date.fromisoformat(str(when))
    mileage = item["mileage_km"]
    if isinstance(mileage, bool) or not isinstance(mileage, int) or mileage < 0:
        raise ValueError(f"mileage_km is a whole number of km, not {mileage!r}")
    return {"date": when.isoformat(), "workshop": str(item["workshop"]), "kind": str(item["kind"]),
            "mileage_km": mileage}


def record(vin: str, maintenance: str, history: list[dict], today: date | None = None) -> dict:
    """The VSS's answer for a vehicle with this status and history (already checked)."""
    today = today or wall_now().date()
    history = sorted(history, key=lambda item: item["date"], reverse=True)
    last = date.fromisoformat(history[0]["date"]) if history else None
    due = last + INTERVAL if last else None
    if maintenance == "current":
        next_due = due if due and due > today else today + GRACE
        completion = 100
    else:
        next_due = due if due and due <= today else today - timedelta(days=1)
        completion = 100 * len(history) // (len(history) + 1)
    return {"vin": vin, "status": maintenance, "last_service": last.isoformat() if last else None,
            "next_due": next_due.isoformat(), "completion_percentage": completion,
            "history": history}


class VssSandbox:
    """An in-memory VSS speaking its HTTP API (:attr:`wsgi`), thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        #: VIN -> (status, history or None for the generated one)
        self._vehicles: dict[str, tuple[str, list[dict] | None]] = {}
        self.wsgi = self._app()

    # -- Python API (tests and the /sandbox routes) -------------------------------------

    def set_vehicle(self, vin: str, maintenance: str, history: list[dict] | None = None) -> dict:
        """Record the vehicle's maintenance as ``"current"`` or ``"overdue"``, with its services
        (dates as ``date`` or ISO strings), or ``None`` for a generated history that fits.

        :raises ValueError: unknown status or malformed history entry.
        """
        if maintenance not in STATUSES:
            raise ValueError(f"maintenance must be current or overdue, not {maintenance!r}")
        entries = None if history is None else [_entry(item) for item in history]
        with self._lock:
            self._vehicles[vin] = (maintenance, entries)
        return self.vehicle(vin)

    def vehicle(self, vin: str) -> dict:
        """The vehicle's record, as ``GET /v1/vehicles/{vin}/maintenance`` shows it."""
        with self._lock:
            maintenance, history = self._vehicles.get(vin, ("current", None))
        if history is None:
            history = generated_history(vin, maintenance)
        return record(vin, maintenance, [dict(item) for item in history])

    # -- HTTP ---------------------------------------------------------------------------

    def _app(self) -> Flask:
        app = Flask(__name__)
        app.register_error_handler(HTTPException, _http_error)
        app.get("/v1/vehicles/<vin>/maintenance")(self._maintenance)
        return app

    def _maintenance(self, vin: str) -> Response:
        return _json(self.vehicle(vin))

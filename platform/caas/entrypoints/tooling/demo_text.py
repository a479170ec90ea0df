"""How the demo reads the platform's answers and writes its lines: failures, amounts,
quantities, times and the contract's error bodies."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import httpx


class DemoFailed(Exception):
    """A step went wrong: which one, the HTTP status (``None`` if there was no answer) and why."""

    def __init__(self, step: str, status: int | None, message: str):
        super().__init__(f"{step}: {message}")
        self.step, self.status, self.message = step, status, message
        self.number: int | None = None  # of the step, once known

    def __str__(self) -> str:
        answer = f"HTTP {self.status}" if self.status is not None else "no answer"
        number = f" {self.number}" if self.number else ""
        return f"step{number} ({self.step}) failed, {answer}: {self.message}"


def line_text(line: dict) -> str:
    if line["kind"] == "usage":
        unit = line["unit"]
        return (f"{quantity(line['quantity'], unit)} used, "
                f"{quantity(line['included'], unit)} included, "
                f"{quantity(line['billed'], unit)} × {money(line['unit_price'])} = "
                f"{money(line['total'])}")
    return f"{line['days']} of {line['days_in_period']} days = {money(line['total'])}"


def when(at: str | None) -> str:
    """An ISO timestamp to the second."""
    if not at:
        return ""
    try:
        return datetime.fromisoformat(at).isoformat(sep=" ", timespec="seconds")
    except ValueError:
        return at


def quantity(value: str, unit: str) -> str:
    """A quantity as the demo writes it: "0.8 GB", "10 GB"."""
    from caas.quantities import format_quantity

    return format_quantity(value, unit, "en")


def money(value: dict | None) -> str:
    """An amount as the demo writes it: "€1,000.00"."""
    if not value:
        return "?"
    from babel.numbers import format_currency

    return format_currency(Decimal(value["amount"]), value["currency"], locale="en")


def password_in(body: str) -> str:
    """The generated password: the last word of the sign-in line (the one with "@" and ":")."""
    for line in body.splitlines():
        if "@" in line and ":" in line:
            return line.rsplit(" ", 1)[-1].strip()
    raise DemoFailed("Credentials email", None, "the credentials email has no sign-in line")


def error_message(response: httpx.Response) -> str:
    """The contract's error body as one line: the message, then any field errors."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        text = response.text.strip().splitlines()
        return f"{response.reason_phrase}{': ' + text[0][:200] if text else ''}"
    message = str(body.get("message") or body.get("status") or response.reason_phrase)
    fields = "; ".join(f"{name}: {text}" for name, text in _flatten(body.get("errors") or {}))
    extra = {k: v for k, v in body.items() if k not in ("code", "status", "message", "errors")}
    details = ", ".join(f"{key} {value}" for key, value in extra.items())
    return " ".join(part for part in (message, f"({details})" if details else "", fields) if part)


def _flatten(errors, prefix: str = ""):
    """``(field path, message)`` pairs, without the request location flask-smorest puts first."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            if not prefix and key in ("json", "query", "headers", "form"):
                yield from _flatten(value, "")
            else:
                yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(errors, list) and all(isinstance(item, str) for item in errors):
        yield prefix or "error", " ".join(errors)
    else:
        yield prefix or "error", str(errors)

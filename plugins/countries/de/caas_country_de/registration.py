"""Client and sandbox of a Zulassungsstelle (vehicle registration office) API."""
from string import ascii_uppercase
from typing import Any, Mapping

from caas import JsonRegistrationClient, RegistrationResult, registration_sandbox

#: The sandbox plays the Berlin office.
DISTRICT = "B"
#: Letter pairs most offices refuse for their Nazi-era connotations.
_BANNED = {"HJ", "KZ", "NS", "SA", "SS"}
_LETTERS = [a + b for a in ascii_uppercase for b in ascii_uppercase if a + b not in _BANNED]
REQUIRED = ("fin", "modell", "halter_name", "halter_steuer_id", "anschrift")


class ZulassungClient(JsonRegistrationClient):
    path = "/zulassungen"

    def to_body(self, request):
        return {
            "fin": request.vin,  # Fahrzeug-Identifizierungsnummer
            "modell": request.model,
            "halter_name": request.owner_name,
            "halter_steuer_id": request.owner_tax_id,
            "anschrift": dict(request.owner_address),
        }

    def from_response(self, payload):
        return RegistrationResult(plate=payload["kennzeichen"],
                                  reference=payload["vorgangsnummer"])


def plate_for(number: int, _body: Mapping[str, Any]) -> str:
    """The ``number``-th plate of the district: B-AA 1 ... B-AA 9999, B-AB 1 ..."""
    series, digits = divmod(number - 1, 9999)
    return f"{DISTRICT}-{_LETTERS[series % len(_LETTERS)]} {digits + 1}"


def sandbox():
    return registration_sandbox(
        __name__, ZulassungClient.path, REQUIRED, plate_for,
        lambda plate, reference, _body: {"kennzeichen": plate, "vorgangsnummer": reference},
    )

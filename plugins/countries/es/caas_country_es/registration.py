"""Client and sandbox of the DGT (Dirección General de Tráfico) registration API."""
from typing import Any, Mapping

from caas import JsonRegistrationClient, RegistrationResult, registration_sandbox

#: Plate letters: no vowels (so no words) and no Ñ or Q (mistaken for N and O).
LETTERS = "BCDFGHJKLMNPRSTVWXYZ"
REQUIRED = ("bastidor", "modelo", "titular_nombre", "titular_nif", "domicilio")


class DgtClient(JsonRegistrationClient):
    path = "/matriculaciones"

    def to_body(self, request):
        return {
            "bastidor": request.vin,
            "modelo": request.model,
            "titular_nombre": request.owner_name,
            "titular_nif": request.owner_tax_id,
            "domicilio": dict(request.owner_address),
        }

    def from_response(self, payload):
        return RegistrationResult(plate=payload["matricula"], reference=payload["expediente"])


def plate_for(number: int, _body: Mapping[str, Any]) -> str:
    """The ``number``-th plate: digits run first, then the letters advance (wrapping
    after 80 million, which no sandbox reaches)."""
    series, digits = divmod(number, 10_000)
    letters = ""
    for _ in range(3):
        series, index = divmod(series, len(LETTERS))
        letters = LETTERS[index] + letters
    return f"{digits:04d} {letters}"


def sandbox():
    return registration_sandbox(
        __name__, DgtClient.path, REQUIRED, plate_for,
        lambda plate, reference, _body: {"matricula": plate, "expediente": reference},
    )

"""Client and sandbox of the Motorizzazione's Sportello Telematico dell'Automobilista (STA)."""
from typing import Any, Mapping

from caas import JsonRegistrationClient, RegistrationResult, registration_sandbox

#: Plate letters: no I, O, Q or U (mistaken for 1, 0 and V).
LETTERS = "ABCDEFGHJKLMNPRSTVWXYZ"
REQUIRED = ("telaio", "modello", "intestatario_nome", "intestatario_codice_fiscale",
            "residenza")
_PAIRS = len(LETTERS) ** 2


class StaClient(JsonRegistrationClient):
    path = "/sta/immatricolazioni"

    def to_body(self, request):
        return {
            "telaio": request.vin,
            "modello": request.model,
            "intestatario_nome": request.owner_name,
            "intestatario_codice_fiscale": request.owner_tax_id,
            "residenza": dict(request.owner_address),
        }

    def from_response(self, payload):
        return RegistrationResult(plate=payload["targa"], reference=payload["pratica"])


def _pair(index: int) -> str:
    first, second = divmod(index, len(LETTERS))
    return LETTERS[first] + LETTERS[second]


def plate_for(number: int, _body: Mapping[str, Any]) -> str:
    """The ``number``-th plate: AA 000 AA ... AA 999 AA, AA 000 AB ... (wrapping after
    234 billion, which no sandbox reaches)."""
    series, digits = divmod(number - 1, 1000)
    first, last = divmod(series % (_PAIRS * _PAIRS), _PAIRS)
    return f"{_pair(first)} {digits:03d} {_pair(last)}"


def answer(plate: str, reference: str, body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The STA's JSON answer, as :meth:`StaClient.from_response` reads it."""
    return {"targa": plate, "pratica": reference}


def sandbox():
    return registration_sandbox(__name__, StaClient.path, REQUIRED, plate_for, answer)

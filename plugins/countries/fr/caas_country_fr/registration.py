"""Client and sandbox of the ANTS SIV (Système d'immatriculation des véhicules) API."""
from itertools import product
from typing import Any, Mapping

from caas import JsonRegistrationClient, RegistrationResult, registration_sandbox

#: Plate letters: no I, O or U (mistaken for 1, 0 and V).
LETTERS = "ABCDEFGHJKLMNPQRSTVWXYZ"
_PAIRS = ["".join(pair) for pair in product(LETTERS, repeat=2)]
_FIRST = [pair for pair in _PAIRS if pair not in ("SS", "WW")]
_LAST = [pair for pair in _PAIRS if pair != "SS"]
REQUIRED = ("numero_vin", "modele", "titulaire_nom", "titulaire_identifiant", "adresse")


class SivClient(JsonRegistrationClient):
    path = "/siv/immatriculations"

    def to_body(self, request):
        return {
            "numero_vin": request.vin,
            "modele": request.model,
            "titulaire_nom": request.owner_name,
            "titulaire_identifiant": request.owner_tax_id,
            "adresse": dict(request.owner_address),
        }

    def from_response(self, payload):
        return RegistrationResult(plate=payload["numero_immatriculation"],
                                  reference=payload["reference_dossier"])


def plate_for(number: int, _body: Mapping[str, Any]) -> str:
    """The ``number``-th plate, in SIV order: AA-001-AA ... AA-999-AA, AA-001-AB ..."""
    series, digits = divmod(number - 1, 999)
    first, last = divmod(series, len(_LAST))
    return f"{_FIRST[first % len(_FIRST)]}-{digits + 1:03d}-{_LAST[last]}"


def sandbox():
    return registration_sandbox(
        __name__, SivClient.path, REQUIRED, plate_for,
        lambda plate, reference, _body: {"numero_immatriculation": plate,
                                         "reference_dossier": reference},
    )

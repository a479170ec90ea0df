"""Client and sandbox of a cantonal road traffic office (Strassenverkehrsamt) API."""
from typing import Any, Mapping

from caas import RegistrationResult
from caas.adapters.registration import JsonRegistrationClient
from caas.sandboxes.registration import registration_sandbox

CANTONS = ("AG", "AI", "AR", "BE", "BL", "BS", "FR", "GE", "GL", "GR", "JU", "LU", "NE",
           "NW", "OW", "SG", "SH", "SO", "SZ", "TG", "TI", "UR", "VD", "VS", "ZG", "ZH")
DEFAULT_CANTON = "ZH"
REQUIRED = ("vin", "model", "holder_name", "holder_id", "address")


class StvaClient(JsonRegistrationClient):
    path = "/v1/registrations"

    def to_body(self, request):
        return {
            "vin": request.vin,
            "model": request.model,
            "holder_name": request.owner_name,
            "holder_id": request.owner_tax_id,
            "address": dict(request.owner_address),
        }

    def from_response(self, payload):
        return RegistrationResult(plate=payload["plate"], reference=payload["dossier"])


def holder_canton(body: Mapping[str, Any]) -> str:
    """The canton of the holder's address in a registration body, else ZH."""
    address = body.get("address")
    canton = str(address.get("canton") or "").upper() if isinstance(address, Mapping) else ""
    return canton if canton in CANTONS else DEFAULT_CANTON


def plate_for(number: int, body: Mapping[str, Any]) -> str:
    """The ``number``-th plate: the holder's canton (see :func:`holder_canton`) and
    the number itself."""
    return f"{holder_canton(body)} {(number - 1) % 999_999 + 1}"


def sandbox():
    return registration_sandbox(
        __name__, StvaClient.path, REQUIRED, plate_for,
        lambda plate, reference, _body: {"plate": plate, "dossier": reference},
    )

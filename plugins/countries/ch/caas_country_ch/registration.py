"""Client and sandbox of a cantonal road traffic office (Strassenverkehrsamt) API."""
from typing import Any, Mapping

from caas import InvalidAddress, JsonRegistrationClient, RegistrationResult, registration_sandbox

from caas_country_ch.cantons import CANTONS, with_canton

REQUIRED = ("vin", "model", "holder_name", "holder_id", "address")


class StvaClient(JsonRegistrationClient):
    path = "/v1/registrations"

    def to_body(self, request):
        return {
            "vin": request.vin,
            "model": request.model,
            "holder_name": request.owner_name,
            "holder_id": request.owner_tax_id,
            "address": _with_canton_if_known(request.owner_address),
        }

    def from_response(self, payload):
        return RegistrationResult(plate=payload["plate"], reference=payload["dossier"])


def _with_canton_if_known(address: Mapping[str, str]) -> dict:
    """Sales keep the canton; an address recorded without one gets its postal code's, where
    that is sure. Otherwise it goes as it is, and the office refuses it."""
    try:
        return with_canton(address)
    except InvalidAddress:
        return dict(address)


def holder_canton(body: Mapping[str, Any]) -> str:
    """The canton of the holder's address in a registration body.

    :raises ValueError: no valid canton (the sandbox answers 422, as the office would).
    """
    address = body.get("address")
    canton = str(address.get("canton") or "").upper() if isinstance(address, Mapping) else ""
    if canton not in CANTONS:
        raise ValueError(f"the holder's address has no valid canton ({canton or 'none'})")
    return canton


def plate_for(number: int, body: Mapping[str, Any]) -> str:
    """The ``number``-th plate: the holder's canton (see :func:`holder_canton`) and
    the number itself."""
    return f"{holder_canton(body)} {(number - 1) % 999_999 + 1}"


def sandbox():
    return registration_sandbox(
        __name__, StvaClient.path, REQUIRED, plate_for,
        lambda plate, reference, _body: {"plate": plate, "dossier": reference},
    )

"""Client and sandbox of a vehicle registration body (the RDW's, as a test imagines it)."""
from caas import JsonRegistrationClient, RegistrationResult, registration_sandbox

REQUIRED = ("vin", "houder", "bsn")


class RdwClient(JsonRegistrationClient):
    path = "/rdw/kentekens"

    def to_body(self, request):
        return {"vin": request.vin, "model": request.model, "houder": request.owner_name,
                "bsn": request.owner_tax_id, "adres": dict(request.owner_address)}

    def from_response(self, payload):
        return RegistrationResult(plate=payload["kenteken"], reference=payload["dossier"])


def plate_for(number, body):
    """The ``number``-th plate: AA-000-A, AA-001-A..."""
    series, digits = divmod(number - 1, 1000)
    first, second = divmod(series // 26 % 676, 26)
    return f"{chr(65 + first)}{chr(65 + second)}-{digits:03d}-{chr(65 + series % 26)}"


def answer(plate, reference, body):
    return {"kenteken": plate, "dossier": reference}


def sandbox():
    return registration_sandbox(__name__, RdwClient.path, REQUIRED, plate_for, answer)

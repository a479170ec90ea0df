"""Errors use cases raise; the HTTP layer maps each to a status code.

Their message and field errors are :class:`~caas.i18n.LazyText` (``lazy_gettext``): the
HTTP layer renders them in the language of the response; ``str()`` is English.
"""
from caas.i18n import lazy_gettext
from caas.service_layer.gateways.payments import PaymentRejected


class ServiceError(Exception):
    status = 400

    def __init__(self, message, errors: dict | None = None, **details):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        self.details = details


class Invalid(ServiceError):
    status = 422


class Unauthorized(ServiceError):
    status = 401


class PaymentRequired(ServiceError):
    """The card was declined."""

    status = 402


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class UnsupportedMediaType(ServiceError):
    status = 415


class Throttled(ServiceError):
    status = 429

    def __init__(self, message, retry_after: int):
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class Unavailable(ServiceError):
    status = 503


def gateway_refusal(exc) -> ServiceError:
    """What the caller is told when the payment gateway refused a charge for a reason other
    than the card (:class:`~caas.service_layer.gateways.payments.PaymentRejected`, or an outage)."""
    if isinstance(exc, PaymentRejected):
        return Invalid(lazy_gettext("The payment gateway refused the request: %(reason)s",
                                    reason=str(exc)), {"card_token": [str(exc)]})
    return Unavailable(lazy_gettext("The payment gateway is unavailable; nothing was charged. "
                                    "Please try again later."))

"""Errors use cases raise; the HTTP layer maps each to a status code."""


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str, errors: dict | None = None, **details):
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


class Throttled(ServiceError):
    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class Unavailable(ServiceError):
    status = 503

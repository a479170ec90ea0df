"""Signing in, throttled so that guessing is slow yet nobody is locked out of a device they
signed in from, and resolving tokens to people."""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from caas.crypto import device_tokens, passwords, tokens
from caas.clock import wall_now
from caas.context import Actor
from caas.domain.sign_in import KnownDevice, SignInPolicy, client_key
from caas.domain.tenants import Tenant
from caas.i18n import lazy_gettext
from caas.service_layer.ports import ControlPlane
from caas.service_layer.errors import Throttled, Unauthorized

log = logging.getLogger(__name__)

WRONG_CREDENTIALS = lazy_gettext("Wrong email or password.")
TOO_MANY_FAILURES = lazy_gettext("Too many failed sign-ins; try again later.")
#: Reads of an account's count while concurrent attempts keep changing it, before giving up.
CLAIM_TRIES = 5


@dataclass(frozen=True)
class SignedIn:
    access_token: str
    actor: Actor
    #: Presented at this device's next sign-ins, it spares them the account's delays.
    device_token: str


@dataclass(frozen=True)
class _Claim:
    """The failure an attempt counted before its password was checked."""

    key: str  # the account's, or the known device's
    address: str | None  # the client address's; None for a known device
    at: datetime


def sign_in_policy(config) -> SignInPolicy:
    return SignInPolicy(
        failures_before_delay=config["CAAS_LOGIN_FAILURES_BEFORE_DELAY"],
        first_delay=config["CAAS_LOGIN_DELAY_SECONDS"],
        max_delay=config["CAAS_LOGIN_MAX_DELAY_SECONDS"],
        forget_after=timedelta(seconds=config["CAAS_LOGIN_FORGET_SECONDS"]),
        address_max_failures=config["CAAS_LOGIN_ADDRESS_MAX_FAILURES"],
        address_window=timedelta(seconds=config["CAAS_LOGIN_ADDRESS_WINDOW_SECONDS"]))


def issue_token(platform: ControlPlane, email: str, password: str, client_address: str | None,
                tenant: Tenant | None, device_token: str | None = None) -> SignedIn:
    """Check credentials; return the access token, the actor and this device's token.

    Without a tenant the credentials are an operator's. An attempt counts as a failure
    of its account and of its client address before the password is checked, and is
    taken back when the password was right. Within the account's delay, or past the
    address's limit, the answer is 429 whatever the password, so guessing gains nothing.
    A valid device token of the account replaces both with the device's own failures, so
    that nobody else's failures keep its owner out.

    :param client_address: the client's network address (behind trusted proxies, theirs).
    :param device_token: the one an earlier sign-in gave this device, if any.
    :raises Throttled: wait ``retry_after`` seconds.
    :raises Unauthorized: wrong credentials.
    """
    email = (email or "").strip().lower()
    config = platform.config
    slug = tenant.slug if tenant else None
    presented = device_tokens.read(device_token or "", config["CAAS_SECRET_KEY"])
    with _unit_of_work(platform, tenant) as uow:
        person = _person(uow, email, tenant)
        device = presented if (presented and person
                               and presented.is_for(slug, person.id, email)) else None
        claim = _claim(uow.throttle, sign_in_policy(config), email, client_address, device)
        uow.commit()
    if not passwords.verify_password(person.password_hash if person else None, password):
        raise Unauthorized(WRONG_CREDENTIALS)
    with _unit_of_work(platform, tenant) as uow:
        if claim.address:
            # Taken back, not reset: a good sign-in must not make room for more guesses.
            uow.throttle.uncount(claim.address, claim.at)
        uow.throttle.clear(claim.key)
        uow.commit()
    device = device or KnownDevice(secrets.token_urlsafe(16), slug, person.id, email)
    # The person's language travels in the token: every answer to them is written in it.
    actor = Actor(role=person.role, id=person.id, email=person.email, tenant=slug,
                  locale=person.locale if tenant else None)
    return SignedIn(
        tokens.issue(actor, config["CAAS_SECRET_KEY"], config["CAAS_TOKEN_TTL_SECONDS"]),
        actor,
        device_tokens.issue(device, config["CAAS_SECRET_KEY"],
                            config["CAAS_DEVICE_TOKEN_TTL_SECONDS"]))


def renew_token(platform: ControlPlane, actor: Actor, tenant: Tenant | None) -> str:
    """A new access token for ``actor``, whose current one is valid, while their account
    still exists and is active (a web session in use stays signed in).

    :raises Unauthorized: the account is gone or deactivated.
    """
    with _unit_of_work(platform, tenant) as uow:
        person = (uow.users if tenant else uow.operators).get(actor.id)
    if person is None or not getattr(person, "active", True):
        raise Unauthorized(lazy_gettext("This account no longer exists."))
    config = platform.config
    return tokens.issue(actor, config["CAAS_SECRET_KEY"], config["CAAS_TOKEN_TTL_SECONDS"])


def _unit_of_work(platform: ControlPlane, tenant: Tenant | None):
    return platform.for_tenant(tenant).uow() if tenant else platform.control_uow()


def _person(uow, email: str, tenant: Tenant | None):
    """The account ``email`` signs in to; ``None`` if there is none (or it is deactivated)."""
    if tenant is None:
        return uow.operators.by_email(email)
    person = uow.users.by_email(email)
    return person if person is not None and person.active else None


def _claim(throttle, policy: SignInPolicy, email: str,
           client_address: str | None, device: KnownDevice | None) -> _Claim:
    """Count this attempt as a failure, or refuse it with :class:`Throttled`.

    The address is counted first and the account (or device) second, in every
    transaction, so that concurrent sign-ins never wait for each other in a circle.
    """
    now = wall_now()
    address = None if device else f"address:{client_key(client_address)}"
    if address and not throttle.count_in_window(address, policy.address_max_failures,
                                                 policy.address_window, now):
        _refuse("address", policy.address_wait(throttle.failures(address), now))
    key = f"device:{device.device_id}" if device else f"account:{email}"
    for _ in range(CLAIM_TRIES):
        seen = throttle.failures(key)
        wait = policy.account_wait(seen, now)
        if wait:
            _refuse("device" if device else "account", wait)
        if throttle.count_in_a_row(key, seen, not policy.in_a_row(seen, now), now):
            return _Claim(key, address, now)
    _refuse("device" if device else "account", 1)


def _refuse(counter: str, seconds: int):
    seconds = max(1, seconds)
    log.warning("sign-in refused: too many failures of this %s", counter,
                extra={"retry_after": seconds})
    raise Throttled(TOO_MANY_FAILURES, retry_after=seconds)


def actor_from_token(platform: ControlPlane, token: str, tenant: Tenant | None) -> Actor:
    """The actor a bearer token stands for, checked against the request's tenant.

    :raises Unauthorized: invalid or expired token, a tenant token used on another tenant,
        or the account is deactivated.
    """
    return authenticated(platform, token, tenant)[0]


def authenticated(platform: ControlPlane, token: str, tenant: Tenant | None):
    """The actor a bearer token stands for and, for a tenant's account, the account as it
    is now (``None`` for operators); see :func:`actor_from_token`."""
    try:
        actor = tokens.read(token, platform.config["CAAS_SECRET_KEY"])
    except tokens.InvalidToken:
        raise Unauthorized(lazy_gettext("Invalid or expired token."))
    if actor.role == "operator":
        return actor, None
    if tenant is None or actor.tenant != tenant.slug:
        raise Unauthorized(lazy_gettext("This token is not valid for this tenant."))
    # Tokens are not stored, so the account decides on every request: a deactivated one is
    # refused at once, and a changed role applies at once.
    with platform.for_tenant(tenant).reader() as uow:
        person = uow.users.get(actor.id)
    if person is None or not person.active:
        raise Unauthorized(lazy_gettext("This account is deactivated."))
    return (actor if person.role == actor.role else replace(actor, role=person.role)), person

"""Logging in (with throttling of repeated failures) and resolving tokens to people."""
from __future__ import annotations

from caas.adapters import passwords, tokens
from caas.bootstrap import Platform
from caas.context import Actor
from caas.domain.tenants import Tenant
from caas.i18n import lazy_gettext
from caas.service_layer.errors import Throttled, Unauthorized

WRONG_CREDENTIALS = lazy_gettext("Wrong email or password.")


def issue_token(platform: Platform, email: str, password: str, client_ip: str,
                tenant: Tenant | None) -> tuple[str, Actor]:
    """Check credentials and return ``(token, actor)``.

    Without a tenant the credentials are an operator's. Failures are counted per
    account and per client address; past the limit the answer is 429 whatever
    the password, so guessing gains nothing.

    :raises Throttled: too many recent failures.
    :raises Unauthorized: wrong credentials.
    """
    email = (email or "").strip().lower()
    keys = (f"email:{email}", f"ip:{client_ip}")
    uow = platform.tenant_uow(tenant.slug) if tenant else platform.control_uow()
    with uow:
        wait = max(uow.throttle.retry_after(key) for key in keys)
        if wait:
            raise Throttled(lazy_gettext("Too many failed logins; try again later."),
                            retry_after=wait)
        if tenant is None:
            person = uow.operators.by_email(email)
        else:
            person = uow.users.by_email(email)
            if person is not None and not person.active:
                person = None
        if not passwords.verify_password(person.password_hash if person else None, password):
            for key in keys:
                uow.throttle.fail(key)
            uow.commit()
            raise Unauthorized(WRONG_CREDENTIALS)
        for key in keys:
            uow.throttle.clear(key)
        uow.commit()
    # The person's language travels in the token: every answer to them is written in it.
    actor = Actor(role=person.role, id=person.id, email=person.email,
                  tenant=tenant.slug if tenant else None,
                  locale=person.locale if tenant else None)
    return tokens.issue(actor, platform.config["CAAS_SECRET_KEY"],
                        platform.config["CAAS_TOKEN_TTL_SECONDS"]), actor


def actor_from_token(platform: Platform, token: str, tenant: Tenant | None) -> Actor:
    """The actor a bearer token stands for, checked against the request's tenant.

    :raises Unauthorized: invalid or expired token, or a tenant token used on another tenant.
    """
    try:
        actor = tokens.read(token, platform.config["CAAS_SECRET_KEY"])
    except tokens.InvalidToken:
        raise Unauthorized(lazy_gettext("Invalid or expired token."))
    if actor.role != "operator" and (tenant is None or actor.tenant != tenant.slug):
        raise Unauthorized(lazy_gettext("This token is not valid for this tenant."))
    return actor

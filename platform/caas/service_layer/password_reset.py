"""Password reset by an emailed link: single use, expiring, its token stored only as a hash.

Asking for a link answers the same whether the address has an account or not, so nobody
learns who has one. The link goes by email only (the routing table's credentials row,
which nobody may change); the token travels as a secret of the outbox job and is never
written to a notification, the audit log or a log line. Operators have no link: another
operator or the command line sets their password.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from caas.clock import wall_now
from caas.crypto import link_tokens, passwords
from caas.domain.notifications import CREDENTIALS_GENERATED
from caas.domain.sign_in import client_key
from caas.i18n import lazy_gettext
from caas.service_layer import notifications
from caas.service_layer.context import TenantContext
from caas.service_layer.errors import Invalid
from caas.service_layer.users import check_strong

log = logging.getLogger(__name__)

INVALID_LINK = lazy_gettext("This password reset link is invalid, used or expired.")


def reset_link(web_url: str, tenant_slug: str, token: str) -> str:
    """The web page that confirms a reset: ``<CAAS_WEB_URL>/t/<tenant>/password-reset/<token>``."""
    return f"{web_url.rstrip('/')}/t/{tenant_slug}/password-reset/{token}"


def request_reset(ctx: TenantContext, email: str, client_address: str | None) -> None:
    """Email a reset link to the account of ``email``, if there is one to send it to.

    Nothing tells the caller what happened: no account, a deactivated one, a link sent
    less than ``CAAS_PASSWORD_RESET_INTERVAL_SECONDS`` ago, or a client address past the
    sign-in limit (``CAAS_LOGIN_ADDRESS_MAX_FAILURES`` requests per window) all end
    quietly, without an email. A new link spends the account's older ones.
    """
    settings = ctx.settings
    email = (email or "").strip().lower()
    with ctx.uow() as uow:
        if not _counted(uow, settings, client_address):
            uow.commit()
            return
        person = uow.users.by_email(email)
        now = uow.now()
        if person is None or not person.active or _sent_lately(uow, settings, person.id, now):
            uow.commit()
            return
        token = link_tokens.new_token()
        ttl = settings["CAAS_PASSWORD_RESET_TTL_SECONDS"]
        uow.password_resets.spend_all(person.id, now)
        uow.password_resets.add(person.id, link_tokens.digest(token), now,
                                now + timedelta(seconds=ttl))
        uow.audit.record("user.password_reset_requested", "user", person.id)
        notifications.notify(
            uow, ctx.tenant, person.id, CREDENTIALS_GENERATED, "password_reset",
            {"minutes": max(1, ttl // 60)},
            secrets={"link": reset_link(settings["CAAS_WEB_URL"], ctx.tenant.slug, token)})
        uow.commit()


def _counted(uow, settings, client_address: str | None) -> bool:
    """Count the request against its client address; ``False`` past the address's limit."""
    counted = uow.throttle.count_in_window(
        f"reset-address:{client_key(client_address)}",
        settings["CAAS_LOGIN_ADDRESS_MAX_FAILURES"],
        timedelta(seconds=settings["CAAS_LOGIN_ADDRESS_WINDOW_SECONDS"]), wall_now())
    if not counted:
        log.warning("password reset ignored: too many requests from this address")
    return counted


def _sent_lately(uow, settings, user_id: int, now) -> bool:
    latest = uow.password_resets.latest_at(user_id)
    interval = timedelta(seconds=settings["CAAS_PASSWORD_RESET_INTERVAL_SECONDS"])
    return latest is not None and now - latest < interval


def confirm_reset(ctx: TenantContext, token: str, password: str) -> None:
    """Set the password of the link's account and spend the link.

    A weak password is refused before the link is touched, so it can be tried again.
    The account's other links are spent too, the change is audited
    (``user.password_reset``) and its owner told by email.

    :raises Invalid: a weak password, or a link that is unknown, used or expired.
    """
    check_strong(password)
    new_hash = passwords.hash_password(password)
    with ctx.uow() as uow:
        now = uow.now()
        user_id = uow.password_resets.spend(link_tokens.digest(token or ""), now)
        person = uow.users.get(user_id) if user_id is not None else None
        if person is None or not person.active:
            raise Invalid(INVALID_LINK, {"token": [INVALID_LINK]})
        uow.users.set_password(person.id, new_hash)
        uow.password_resets.spend_all(person.id, now)
        uow.audit.record("user.password_reset", "user", person.id)
        notifications.notify(uow, ctx.tenant, person.id, CREDENTIALS_GENERATED,
                             "password_changed", {})
        uow.commit()

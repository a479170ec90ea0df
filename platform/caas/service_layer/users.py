"""Accounts: operators, staff provisioned by admins, password changes."""
from __future__ import annotations


from caas.context import current_actor
from caas.crypto import passwords
from caas.domain.notifications import CREDENTIALS_GENERATED
from caas.domain.tenants import Tenant
from caas.domain.users import (STAFF_ROLES, Operator, User, WeakPassword, check_password_strength,
                               generate_password)
from caas.i18n import exception_text, lazy_gettext
from caas.service_layer import notifications
from caas.service_layer.context import TenantContext
from caas.service_layer.ports import ControlPlane
from caas.service_layer.errors import Conflict, Invalid, NotFound, Unauthorized
from caas.service_layer.unit_of_work import Duplicate


def check_strong(password: str, field: str = "password") -> str:
    """``password``, or :class:`Invalid` naming ``field`` when it is too weak."""
    try:
        check_password_strength(password)
    except WeakPassword as exc:
        raise Invalid(lazy_gettext("Password too weak."), {field: [exception_text(exc)]})
    return password


def create_operator(platform: ControlPlane, email: str, password: str, name: str = "") -> Operator:
    operator = Operator(email=email.strip().lower(), name=name,
                        password_hash=passwords.hash_password(check_strong(password)))
    try:
        with platform.control_uow() as uow:
            uow.operators.add(operator)
            uow.commit()
    except Duplicate:
        raise Conflict(lazy_gettext("An operator with email '%(email)s' already exists.",
                                    email=email))
    return operator


def set_operator_password(platform: ControlPlane, email: str, password: str) -> None:
    """Set an operator's password without the old one: operators have no reset link, so
    whoever runs the platform's command line sets it.

    :raises NotFound: no operator has this email.
    """
    check_strong(password)
    new_hash = passwords.hash_password(password)
    with platform.control_uow() as uow:
        operator = uow.operators.by_email(email.strip().lower())
        if operator is None:
            raise NotFound(lazy_gettext("Account not found."))
        uow.operators.set_password(operator.id, new_hash)
        uow.commit()


def _public(user: User) -> dict:
    return {"id": user.id, "email": user.email, "role": user.role, "locale": user.locale}


def add_account(uow, tenant: Tenant, *, email: str, role: str, name: str,
                locale: str | None = None, password: str | None = None) -> User:
    """Create an account inside the tenant unit of work ``uow``.

    When no password is given one is generated and emailed (credentials go by email
    only); the email is an outbox job, so it is sent only if ``uow`` commits.

    :raises Conflict: the email already has an account in this tenant.
    """
    offered = tenant.offered_locale(locale)
    if offered is None:
        raise Invalid(lazy_gettext("Locale not used by this tenant."), {"locale": [
            lazy_gettext("Must be one of %(choices)s.", choices=", ".join(tenant.locales))]})
    generated = password is None
    password = generate_password() if generated else check_strong(password)
    user = User(email=email.strip().lower(), role=role, name=name, locale=offered,
                password_hash=passwords.hash_password(password))
    if uow.users.by_email(user.email):
        raise Conflict(lazy_gettext("An account with email '%(email)s' already exists.",
                                    email=user.email))
    uow.users.add(user)
    uow.audit.record("user.created", "user", user.id, after=_public(user))
    if generated:
        notifications.notify(uow, tenant, user.id, CREDENTIALS_GENERATED, "credentials",
                             {"role": role, "login_hint": tenant.slug},
                             secrets={"password": password})
    uow.events.publish("user_provisioned", tenant=tenant.slug, user=_public(user))
    return user


def provision_user(ctx: TenantContext, **account) -> User:
    """Create an account in the tenant in its own transaction (see :func:`add_account`)."""
    try:
        with ctx.uow() as uow:
            user = add_account(uow, ctx.tenant, **account)
            uow.commit()
    except Duplicate:
        raise Conflict(lazy_gettext("An account with email '%(email)s' already exists.",
                                    email=account["email"].strip().lower()))
    return user


def provision_staff(ctx: TenantContext, *, email: str, role: str, name: str,
                    locale: str | None = None) -> User:
    _check_staff_role(role)
    return provision_user(ctx, email=email, role=role, name=name, locale=locale)


def change_password(platform: ControlPlane, tenant: Tenant | None, person_id: int,
                    old_password: str, new_password: str) -> None:
    """Change one's own password after proving the old one."""
    check_strong(new_password, "new_password")
    if old_password == new_password:
        raise Invalid(lazy_gettext("The new password must differ."),
                      {"new_password": [lazy_gettext("Same as the old one.")]})
    uow = platform.for_tenant(tenant).uow() if tenant else platform.control_uow()
    with uow:
        repository = uow.users if tenant else uow.operators
        person = repository.get(person_id)
        if person is None:
            raise NotFound(lazy_gettext("Account not found."))
        if not passwords.verify_password(person.password_hash, old_password):
            raise Unauthorized(lazy_gettext("The old password is wrong."))
        new_hash = passwords.hash_password(new_password)
        if tenant:
            uow.users.set_password(person_id, new_hash)
            uow.audit.record("user.password_changed", "user", person_id)
        else:
            uow.operators.set_password(person_id, new_hash)
        uow.commit()


def change_staff(ctx: TenantContext, user_id: int, *, role: str | None = None,
                 active: bool | None = None) -> User:
    """Change a staff account's role, or deactivate or reactivate it.

    A deactivated account is refused at once: its tokens and web sessions are checked
    against the account on every request (:func:`caas.service_layer.auth.actor_from_token`).
    Nobody changes their own account here, and the tenant keeps an active admin.

    :raises NotFound: no staff account has this id (customers are not staff).
    :raises Conflict: the change is the caller's own, or would leave no active admin.
    """
    if role is not None:
        _check_staff_role(role)
    actor = current_actor()
    with ctx.uow() as uow:
        user = _staff(uow.users.get(user_id))
        before = {"role": user.role, "active": user.active}
        after = {"role": user.role if role is None else role,
                 "active": user.active if active is None else active}
        if after == before:
            return user
        if actor.role != "operator" and actor.id == user.id:
            raise Conflict(lazy_gettext("You cannot change your own role or deactivate "
                                        "yourself; another admin can."))
        if before == {"role": "admin", "active": True} and \
                uow.users.lock_active_admins() <= 1:
            raise Conflict(lazy_gettext("The tenant must keep an active admin."))
        uow.users.change(user.id, **after)
        uow.audit.record("user.deactivated" if before["active"] and not after["active"]
                         else "user.reactivated" if after["active"] and not before["active"]
                         else "user.role_changed", "user", user.id, before=before, after=after)
        uow.commit()
    user.role, user.active = after["role"], after["active"]
    return user


def staff_page(ctx: TenantContext, offset: int, limit: int):
    with ctx.reader() as uow:
        return uow.users.staff(offset, limit)


def get_staff(ctx: TenantContext, user_id: int) -> User:
    """A staff account, active or not.

    :raises NotFound: no staff account has this id (customers are not staff).
    """
    with ctx.reader() as uow:
        return _staff(uow.users.get(user_id))


def _check_staff_role(role: str) -> None:
    if role not in STAFF_ROLES:
        raise Invalid(lazy_gettext("Invalid role."), {"role": [
            lazy_gettext("Must be one of %(choices)s.", choices=", ".join(STAFF_ROLES))]})


def _staff(user: User | None) -> User:
    """``user`` if it is a staff account; else :class:`NotFound` (customers are not staff)."""
    if user is None or user.role not in STAFF_ROLES:
        raise NotFound(lazy_gettext("Account not found."))
    return user


def has_account(ctx: TenantContext, email: str) -> bool:
    with ctx.reader() as uow:
        return uow.users.by_email(email) is not None


def get_account(platform: ControlPlane, tenant: Tenant | None, person_id: int):
    """The caller's own account; a read, so it skips the transaction where it can."""
    if tenant:
        with platform.for_tenant(tenant).reader() as uow:
            person = uow.users.get(person_id)
    else:
        with platform.control_uow() as uow:
            person = uow.operators.get(person_id)
    if person is None or (tenant and not person.active):
        raise Unauthorized(lazy_gettext("This account no longer exists."))
    return person

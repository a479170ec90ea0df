"""People who use the platform and what each role may do."""
from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime

from caas.i18n import lazy_gettext

OPERATOR, ADMIN, EMPLOYEE, CUSTOMER = "operator", "admin", "employee", "customer"
TENANT_ROLES = (ADMIN, EMPLOYEE, CUSTOMER)
STAFF_ROLES = (ADMIN, EMPLOYEE)
MIN_PASSWORD_LENGTH = 10


@dataclass
class User:
    """A person with an account in one tenant."""

    email: str
    role: str
    name: str
    locale: str
    password_hash: str
    id: int | None = None
    active: bool = True
    created_at: datetime | None = None
    password_changed_at: datetime | None = None

    def __post_init__(self):
        if self.role not in TENANT_ROLES:
            raise ValueError(f"unknown role {self.role!r}")


@dataclass
class Operator:
    """A person who runs the platform across all tenants."""

    email: str
    password_hash: str
    name: str = ""
    id: int | None = None
    created_at: datetime | None = None
    role: str = field(default=OPERATOR, init=False)
    locale: str = "en"


class WeakPassword(ValueError):
    pass


def check_password_strength(password: str) -> None:
    """Refuse passwords that are too short or made of one character class."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(lazy_gettext("Password must have at least %(length)s characters.",
                                        length=MIN_PASSWORD_LENGTH))
    if password.isdigit() or password.isalpha():
        raise WeakPassword(lazy_gettext("Password must mix letters with digits or symbols."))


def generate_password(length: int = 16) -> str:
    """A random password that passes :func:`check_password_strength`."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate

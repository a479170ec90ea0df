"""A tenant: one national operation of the car maker."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from caas.i18n import lazy_gettext, normalize_locale

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")


class InvalidSlug(ValueError):
    pass


def check_slug(slug: str) -> str:
    """Slugs name databases and URLs: 3-40 chars of a-z, 0-9 and inner hyphens."""
    if not isinstance(slug, str) or not SLUG_PATTERN.match(slug) or "--" in slug:
        raise InvalidSlug(lazy_gettext(
            "Slug must be 3 to 40 characters: lower-case letters, digits and single "
            "hyphens, starting with a letter."))
    return slug


@dataclass
class Tenant:
    slug: str
    name: str
    country: str
    currency: str
    locales: list[str]
    timezone: str
    id: int | None = None
    status: str = "active"
    created_at: datetime | None = None
    secrets: dict = field(default_factory=dict)

    @property
    def default_locale(self) -> str:
        return self.locales[0]

    def offered_locale(self, requested: str | None) -> str | None:
        """The tenant's locale a person asks for (``de_CH`` is ``de-CH``), or its default when
        they ask for none; ``None`` when the tenant does not offer it."""
        if not requested:
            return self.default_locale
        try:
            locale = normalize_locale(requested)
        except ValueError:
            return None
        return locale if locale in self.locales else None

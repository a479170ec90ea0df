"""The menu: each channel's module adds its pages' links, so no module lists another's."""
from __future__ import annotations

from dataclasses import dataclass

from caas.i18n import LazyText


@dataclass(frozen=True)
class Link:
    endpoint: str
    label: LazyText
    roles: frozenset[str]
    position: int
    #: The menu's part: ``None`` for the main one, ``"admin"`` for the admin console's.
    section: str | None = None


_LINKS: list[Link] = []


def link(endpoint: str, label: LazyText, *roles: str, position: int = 50,
         section: str | None = None) -> None:
    """Put the page ``endpoint`` in the menu of ``roles``; lower positions come first (the
    first link of a role's menu is where that role lands after signing in)."""
    _LINKS.append(Link(endpoint, label, frozenset(roles), position, section))
    _LINKS.sort(key=lambda each: each.position)


EVERY_SECTION = object()


def links_for(role: str, section=EVERY_SECTION) -> tuple[Link, ...]:
    """The menu of ``role`` (an operator acting inside a tenant sees the admin's), or only
    the links of its ``section``."""
    roles = {role, "admin"} if role == "operator" else {role}
    return tuple(each for each in _LINKS if roles & each.roles
                 and (section is EVERY_SECTION or each.section == section))

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


_LINKS: list[Link] = []


def link(endpoint: str, label: LazyText, *roles: str, position: int = 50) -> None:
    """Put the page ``endpoint`` in the menu of ``roles``; lower positions come first (the
    first link of a role's menu is where that role lands after signing in)."""
    _LINKS.append(Link(endpoint, label, frozenset(roles), position))
    _LINKS.sort(key=lambda each: each.position)


def links_for(role: str) -> tuple[Link, ...]:
    return tuple(each for each in _LINKS if role in each.roles)

"""Long lists a page at a time: which page the address asks for, and the links to the others."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request

PAGE_SIZE = 20


@dataclass(frozen=True)
class Paging:
    number: int
    size: int = PAGE_SIZE
    total: int = 0

    @classmethod
    def requested(cls, size: int = PAGE_SIZE) -> Paging:
        """The page ``?page=N`` asks for (the first for anything else)."""
        return cls(max(request.args.get("page", 1, type=int), 1), size)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def of(self, total: int) -> Paging:
        """This page, knowing how many items the whole list has."""
        return Paging(self.number, self.size, total)

    @property
    def last(self) -> int:
        return max((self.total + self.size - 1) // self.size, 1)

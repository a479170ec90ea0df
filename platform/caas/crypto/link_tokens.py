"""Single-use tokens carried by emailed links: random, and stored only as their hash."""
from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """A fresh token: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """The hex sha256 of ``token``: what is stored and looked up.

    A token has 256 random bits, so a fast hash is enough; no one can guess one from it.
    """
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()

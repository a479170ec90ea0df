"""JWT access tokens bound to a tenant and a role."""
from __future__ import annotations

import uuid

import jwt

from caas.clock import wall_time
from caas.context import Actor

ALGORITHM = "HS256"


class InvalidToken(Exception):
    pass


def issue(actor: Actor, secret: str, ttl_seconds: int) -> str:
    now = int(wall_time())
    claims = {"sub": str(actor.id), "role": actor.role, "email": actor.email,
              "tenant": actor.tenant, "locale": actor.locale, "iat": now, "exp": now + ttl_seconds,
              "jti": uuid.uuid4().hex, "iss": "caas"}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


# Verified tokens by their text: a token is immutable, so checking its signature
# once is enough; expiry is still checked on every use.
_verified: dict[tuple[str, str], tuple[int, Actor]] = {}
_VERIFIED_MAX = 20_000


def read(token: str, secret: str) -> Actor:
    key = (secret, token)
    cached = _verified.get(key)
    if cached is not None:
        expires, actor = cached
        if wall_time() < expires:
            return actor
        _verified.pop(key, None)
        raise InvalidToken("Signature has expired")
    actor, expires = _decode(token, secret)
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[key] = (expires, actor)
    return actor


def _decode(token: str, secret: str) -> tuple[Actor, int]:
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], issuer="caas",
                            options={"require": ["exp", "iat", "sub", "role"]})
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    return Actor(role=claims["role"], id=int(claims["sub"]), email=claims.get("email"),
                 tenant=claims.get("tenant"), locale=claims.get("locale")), claims["exp"]

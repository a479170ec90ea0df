"""JWT access tokens bound to a tenant and a role."""
from __future__ import annotations

import time
import uuid

import jwt

from caas.context import Actor

ALGORITHM = "HS256"


class InvalidToken(Exception):
    pass


def issue(actor: Actor, secret: str, ttl_seconds: int) -> str:
    now = int(time.time())
    claims = {"sub": str(actor.id), "role": actor.role, "email": actor.email,
              "tenant": actor.tenant, "iat": now, "exp": now + ttl_seconds,
              "jti": uuid.uuid4().hex, "iss": "caas"}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read(token: str, secret: str) -> Actor:
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], issuer="caas",
                            options={"require": ["exp", "iat", "sub", "role"]})
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    return Actor(role=claims["role"], id=int(claims["sub"]), email=claims.get("email"),
                 tenant=claims.get("tenant"))

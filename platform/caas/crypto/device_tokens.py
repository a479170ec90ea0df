"""Device tokens: signed proof that an app or browser signed in to one account before.

HMAC-SHA256 JWTs under a key derived from the secret key for this use alone, with their
own audience: neither an access token nor any other value the platform signs passes
for one, and one cannot be made without the secret key.
"""
from __future__ import annotations

import hashlib
import hmac

import jwt

from caas.clock import wall_time
from caas.domain.sign_in import KnownDevice

ALGORITHM = "HS256"
AUDIENCE = "caas:device"
#: Longer values are not tokens this platform issued; they are not worth decoding.
MAX_LENGTH = 1024


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"caas device token", hashlib.sha256).digest()


def issue(device: KnownDevice, secret: str, ttl_seconds: int) -> str:
    now = int(wall_time())
    claims = {"iss": "caas", "aud": AUDIENCE, "dev": device.device_id,
              "sub": str(device.account_id), "email": device.email, "tenant": device.tenant,
              "iat": now, "exp": now + ttl_seconds}
    return jwt.encode(claims, _key(secret), algorithm=ALGORITHM)


def read(token: str, secret: str) -> KnownDevice | None:
    """The device ``token`` names; ``None`` when it is forged, expired or not a device token."""
    if not token or len(token) > MAX_LENGTH:
        return None
    try:
        claims = jwt.decode(token, _key(secret), algorithms=[ALGORITHM], audience=AUDIENCE,
                            issuer="caas",
                            options={"require": ["exp", "iat", "sub", "dev", "email"]})
        return KnownDevice(device_id=str(claims["dev"]), tenant=claims.get("tenant"),
                           account_id=int(claims["sub"]), email=str(claims["email"]))
    except (jwt.PyJWTError, ValueError, TypeError):
        return None

"""Configuration: defaults for the embedded mode, overridden from ``CAAS_*`` variables."""
from __future__ import annotations

import json
import os
from pathlib import Path

DEFAULT_SECRET = "insecure-development-secret-change-me-in-production"


class ConfigError(RuntimeError):
    pass


def _bool(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def defaults(instance_path: str) -> dict:
    instance = Path(instance_path)
    return {
        "CAAS_ENV": "development",
        "CAAS_INSTANCE_PATH": str(instance),
        "CAAS_DATABASE_URL": f"sqlite:///{instance / 'control.db'}",
        # ``{slug}`` is replaced by the tenant's slug; ``{db}`` by ``caas_tenant_<slug>``.
        "CAAS_TENANT_DATABASE_URL": f"sqlite:///{instance / 'tenants' / '{slug}.db'}",
        "CAAS_TENANT_ENGINE_CACHE_SIZE": 1000,
        "CAAS_TENANT_POOL_SIZE": 2,
        "CAAS_BROKER_URL": "memory://",
        "CAAS_SECRET_KEY": DEFAULT_SECRET,
        "CAAS_TOKEN_TTL_SECONDS": 900,
        "CAAS_LOGIN_MAX_FAILURES": 5,
        "CAAS_LOGIN_WINDOW_SECONDS": 900,
        "CAAS_PLUGINS": None,  # comma-separated allow-list of entry-point names
        "CAAS_SANDBOX": True,
        "CAAS_SMTP_HOST": None,  # None with CAAS_SANDBOX: the in-process SMTP sandbox
        "CAAS_SMTP_PORT": 25,
        "CAAS_SMTP_USER": None,
        "CAAS_SMTP_PASSWORD": None,
        "CAAS_SMTP_STARTTLS": False,
        "CAAS_MAIL_FROM": "CaaS <no-reply@caas.example>",
        "CAAS_OUTBOX_LEASE_SECONDS": 60,
        "CAAS_OUTBOX_MAX_ATTEMPTS": 20,
        "CAAS_LOG_JSON": True,
        "CAAS_LOG_LEVEL": "INFO",
        "MAX_CONTENT_LENGTH": 256 * 1024,
    }


_TYPES = {bool: _bool, int: int}


def from_environment(config: dict, environ=os.environ) -> dict:
    """Override ``config`` with ``CAAS_*`` variables, keeping each default's type."""
    for key, default in list(config.items()):
        if key in environ:
            value = environ[key]
            config[key] = _TYPES.get(type(default), str)(value) if default is not None else value
    return config


def check(config: dict) -> None:
    """Refuse configurations that are unsafe for production."""
    if config["CAAS_ENV"] == "production":
        if config["CAAS_SECRET_KEY"] == DEFAULT_SECRET or len(config["CAAS_SECRET_KEY"]) < 32:
            raise ConfigError("CAAS_SECRET_KEY must be set to a random value of 32+ characters "
                              "in production")
        if config["CAAS_SANDBOX"]:
            raise ConfigError("CAAS_SANDBOX must be off in production")


def allowed_plugins(config: dict) -> set[str] | None:
    value = config.get("CAAS_PLUGINS")
    if value is None:
        return None
    if isinstance(value, (list, set, tuple)):
        return set(value)
    value = value.strip()
    if value.startswith("["):
        return set(json.loads(value))
    return {name.strip() for name in value.split(",") if name.strip()}

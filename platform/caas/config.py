"""Configuration: defaults for the embedded mode, overridden from ``CAAS_*`` variables."""
from __future__ import annotations

import json
import os
from pathlib import Path

DEFAULT_SECRET = "insecure-development-secret-change-me-in-production"


class ConfigError(RuntimeError):
    pass


_ON, _OFF = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _bool(value: str) -> bool:
    return value.strip().lower() in _ON


def on_off(value) -> bool | None:
    """A switch that may be left to the platform: ``True``/``False`` when set (a bool, or
    ``"1"``, ``"off"``...), ``None`` when unset, ``"auto"`` or anything else."""
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    return True if text in _ON else False if text in _OFF else None


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
        # Connections an engine opens beyond its pool at busy moments (closed after use).
        "CAAS_DB_MAX_OVERFLOW": 10,
        "CAAS_BROKER_URL": "memory://",
        "CAAS_SECRET_KEY": DEFAULT_SECRET,
        "CAAS_TOKEN_TTL_SECONDS": 900,
        # Sign-in throttling: after this many failures in a row an account (or known device)
        # waits the first delay before each further attempt, doubling up to the maximum;
        # its failures are forgotten a while after the last one. A client address may fail
        # this often per window, whichever accounts it tries.
        "CAAS_LOGIN_FAILURES_BEFORE_DELAY": 3,
        "CAAS_LOGIN_DELAY_SECONDS": 1,
        "CAAS_LOGIN_MAX_DELAY_SECONDS": 900,
        "CAAS_LOGIN_FORGET_SECONDS": 86400,
        "CAAS_LOGIN_ADDRESS_MAX_FAILURES": 100,
        "CAAS_LOGIN_ADDRESS_WINDOW_SECONDS": 900,
        # A device token (given at each sign-in) lets that device skip the delays this long.
        "CAAS_DEVICE_TOKEN_TTL_SECONDS": 90 * 86400,
        # Password reset: a link works this long, and an account is sent at most one link
        # per interval (more requests are answered alike and send nothing).
        "CAAS_PASSWORD_RESET_TTL_SECONDS": 3600,
        "CAAS_PASSWORD_RESET_INTERVAL_SECONDS": 60,
        # Where people open the links emails carry (a password reset's page).
        "CAAS_WEB_URL": "http://127.0.0.1:5000",
        # A web session in use renews its access token; this long after sign-in it no longer
        # does, and ends with its token (an idle one ends with its token, CAAS_TOKEN_TTL_SECONDS).
        "CAAS_WEB_SESSION_MAX_SECONDS": 12 * 3600,
        # Proxies in front of the app whose X-Forwarded-For entries are believed (0: none).
        "CAAS_TRUSTED_PROXIES": 0,
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
        # A failed job is tried again after this, doubling per attempt up to the maximum.
        "CAAS_OUTBOX_RETRY_SECONDS": 1.0,
        "CAAS_OUTBOX_RETRY_MAX_SECONDS": 600.0,
        # External systems; ``None`` with CAAS_SANDBOX on means the in-process sandbox.
        "CAAS_PAYMENTS_URL": None,
        "CAAS_FACTORY_URL": None,
        "CAAS_REGISTRATION_URLS": None,  # per country: "ES=https://...,FR=https://..."
        "CAAS_IOT_URL": None,
        "CAAS_VSS_URL": None,
        "CAAS_PUSH_URL": None,
        "CAAS_SMS_URL": None,
        # Notifications: attempts per channel delivery, the SMS sender name, and how often
        # the maintenance reminders run in the embedded mode.
        "CAAS_NOTIFICATION_MAX_ATTEMPTS": 5,
        "CAAS_SMS_SENDER": "CaaS",
        "CAAS_MAINTENANCE_REMINDER_SECONDS": 3600.0,
        # A vehicle's owner is reminded this many days before its maintenance is due.
        "CAAS_MAINTENANCE_NOTICE_DAYS": 14,
        "CAAS_HTTP_TIMEOUT_SECONDS": 10.0,
        "CAAS_BREAKER_FAIL_MAX": 5,
        "CAAS_BREAKER_RESET_SECONDS": 30,
        # A payment attempt still "processing" this long after its call (its process died)
        # is reconciled by its key like one whose answer was lost.
        "CAAS_PAYMENT_STALE_SECONDS": 120,
        # A payment the gateway says it never acted on counts as not made only once this
        # long has passed since it was sent (before that, it may still be on its way).
        "CAAS_PAYMENT_LOOKUP_GRACE_SECONDS": 60,
        # Payment news no payment here claims within this long is an orphan charge:
        # a support ticket, and a full refund.
        "CAAS_PAYMENT_ORPHAN_GRACE_SECONDS": 900,
        "CAAS_REGISTRATION_SYNC_ATTEMPTS": 3,
        "CAAS_REGISTRATION_RETRY_WAIT_SECONDS": 0.5,
        "CAAS_REGISTRATION_ESCALATE_SECONDS": 1800,
        # OTA activation defaults; a tenant admin may change them (PUT /api/v1/settings/ota).
        "CAAS_OTA_MAX_ATTEMPTS": 5,
        "CAAS_OTA_COMMAND_TIMEOUT_SECONDS": 30.0,
        "CAAS_OTA_BACKOFF_SECONDS": 2.0,
        # Activations whose next step is this late are picked up again by the sweeper.
        "CAAS_OTA_SWEEP_GRACE_SECONDS": 60,
        # Tenant settings read on hot paths are cached per process this long.
        "CAAS_SETTINGS_CACHE_SECONDS": 5.0,
        # Month-end billing: customers per batch (one transaction and one job each), charges
        # in flight at once per batch to a remote gateway, the age after which an unanswered
        # charge is looked up at the gateway, and the scheduler's check of due months (cron
        # fields, in UTC).
        "CAAS_BILLING_BATCH_SIZE": 500,
        "CAAS_BILLING_CHARGE_CONCURRENCY": 8,
        "CAAS_BILLING_RECONCILE_GRACE_SECONDS": 300,
        "CAAS_BILLING_SCHEDULE": "5 * * * *",
        # Customers are reminded this many days before a free trial turns into a paid month.
        "CAAS_TRIAL_REMINDER_DAYS": 3,
        # Sandbox behaviour for the demo: tok_ok payments settle, and the factory
        # advances orders, on their own after these many seconds (None: only on demand).
        "CAAS_SANDBOX_SETTLE_SECONDS": 3.0,
        "CAAS_SANDBOX_FACTORY_STEP_SECONDS": 20.0,
        # None ("auto"): JSON unless stderr is a terminal outside production; 1 or 0 forces it.
        "CAAS_LOG_JSON": None,
        "CAAS_LOG_LEVEL": "INFO",
        # The web pages: on a tenant's host name (e.g. "{tenant}.example.com"), else under
        # /t/<slug>/ on this server; and where the front-end packages were installed
        # (None: the source checkout's node_modules/, as `make install` leaves it).
        "CAAS_WEB_HOST_PATTERN": None,
        "CAAS_WEB_NODE_MODULES": None,
        "MAX_CONTENT_LENGTH": 256 * 1024,
    }


def _seconds(value: str) -> float | None:
    # Durations may be switched off: "", "none" or "off" mean None.
    return None if value.strip().lower() in ("", "none", "off") else float(value)


_TYPES = {bool: _bool, int: int, float: _seconds}


def from_environment(config: dict, environ=os.environ) -> dict:
    """Override ``config`` with ``CAAS_*`` variables, keeping each default's type."""
    for key, default in list(config.items()):
        if key in environ:
            value = environ[key]
            config[key] = _TYPES.get(type(default), str)(value) if default is not None else value
    return config


def check(config: dict) -> None:
    """Refuse configurations that are unsafe for production, or that make no sense."""
    if config["CAAS_DB_MAX_OVERFLOW"] < 0:
        raise ConfigError("CAAS_DB_MAX_OVERFLOW must be 0 or more")
    if config["CAAS_TRUSTED_PROXIES"] < 0:
        raise ConfigError("CAAS_TRUSTED_PROXIES must be 0 or a number of proxies")
    throttling = ("CAAS_LOGIN_FAILURES_BEFORE_DELAY", "CAAS_LOGIN_DELAY_SECONDS",
                  "CAAS_LOGIN_MAX_DELAY_SECONDS", "CAAS_LOGIN_FORGET_SECONDS",
                  "CAAS_LOGIN_ADDRESS_MAX_FAILURES", "CAAS_LOGIN_ADDRESS_WINDOW_SECONDS",
                  "CAAS_DEVICE_TOKEN_TTL_SECONDS", "CAAS_PASSWORD_RESET_TTL_SECONDS",
                  "CAAS_WEB_SESSION_MAX_SECONDS")
    not_positive = [key for key in throttling if config[key] < 1]
    if not_positive:
        raise ConfigError(f"{', '.join(not_positive)} must be 1 or more")
    if config["CAAS_LOGIN_FORGET_SECONDS"] <= config["CAAS_LOGIN_MAX_DELAY_SECONDS"]:
        # Otherwise waiting out the longest delay would earn a fresh allowance of guesses.
        raise ConfigError("CAAS_LOGIN_FORGET_SECONDS must be longer than "
                          "CAAS_LOGIN_MAX_DELAY_SECONDS")
    pattern = config.get("CAAS_WEB_HOST_PATTERN")
    if pattern and (pattern.count("{tenant}") != 1 or "/" in pattern):
        raise ConfigError("CAAS_WEB_HOST_PATTERN must be a host name with {tenant} once, "
                          "e.g. {tenant}.example.com")
    if config["CAAS_ENV"] == "production":
        if config["CAAS_SECRET_KEY"] == DEFAULT_SECRET or len(config["CAAS_SECRET_KEY"]) < 32:
            raise ConfigError("CAAS_SECRET_KEY must be set to a random value of 32+ characters "
                              "in production")
        if config["CAAS_SANDBOX"]:
            raise ConfigError("CAAS_SANDBOX must be off in production")
    if not config["CAAS_SANDBOX"]:
        missing = [key for key in ("CAAS_PAYMENTS_URL", "CAAS_FACTORY_URL",
                                   "CAAS_REGISTRATION_URLS", "CAAS_IOT_URL", "CAAS_VSS_URL",
                                   "CAAS_PUSH_URL", "CAAS_SMS_URL")
                   if not config.get(key)]
        if missing:
            raise ConfigError(f"{', '.join(missing)} must be set when CAAS_SANDBOX is off")


def url_map(value) -> dict[str, str]:
    """``"ES=https://a,FR=https://b"`` (or a mapping) → ``{"ES": "https://a", "FR": "https://b"}``."""
    if not value:
        return {}
    if isinstance(value, dict):
        return {key.upper(): url for key, url in value.items()}
    pairs = (item.partition("=") for item in value.split(",") if item.strip())
    return {key.strip().upper(): url.strip() for key, _, url in pairs}


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

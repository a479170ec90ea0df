"""Process-level behaviour: configuration safety, tenant engine cache, structured logs."""
import io
import json
import logging

import pytest

from caas.adapters.engines import TenantEngines
from caas.app import create_app
from caas.config import ConfigError


def test_production_refuses_the_default_secret_and_sandboxes(tmp_path):
    with pytest.raises(ConfigError, match="CAAS_SECRET_KEY"):
        create_app({"CAAS_INSTANCE_PATH": str(tmp_path), "CAAS_ENV": "production",
                    "CAAS_SANDBOX": False})
    with pytest.raises(ConfigError, match="CAAS_SANDBOX"):
        create_app({"CAAS_INSTANCE_PATH": str(tmp_path), "CAAS_ENV": "production",
                    "CAAS_SECRET_KEY": "x" * 40, "CAAS_SANDBOX": True})


def test_sign_in_throttling_settings_that_make_no_sense_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="CAAS_TRUSTED_PROXIES"):
        create_app({"CAAS_INSTANCE_PATH": str(tmp_path), "CAAS_TRUSTED_PROXIES": -1})
    with pytest.raises(ConfigError, match="CAAS_LOGIN_ADDRESS_MAX_FAILURES"):
        create_app({"CAAS_INSTANCE_PATH": str(tmp_path), "CAAS_LOGIN_ADDRESS_MAX_FAILURES": 0})
    with pytest.raises(ConfigError, match="CAAS_LOGIN_FORGET_SECONDS"):
        create_app({"CAAS_INSTANCE_PATH": str(tmp_path), "CAAS_LOGIN_FORGET_SECONDS": 600,
                    "CAAS_LOGIN_MAX_DELAY_SECONDS": 900})


def test_tenant_engines_are_lazy_bounded_and_disposed_when_evicted(tmp_path):
    engines = TenantEngines(f"sqlite:///{tmp_path}/{{slug}}.db", max_size=2, pool_size=1)
    assert len(engines) == 0
    alpha = engines.get("alpha")
    with alpha.connect():
        pass
    alpha_pool = alpha.pool
    assert engines.get("alpha") is alpha
    engines.get("bravo")
    engines.get("charlie")  # evicts alpha, the least recently used
    assert len(engines) == 2
    assert alpha.pool is not alpha_pool  # disposed: its connections were closed
    assert engines.get("alpha") is not alpha  # a fresh engine on next use
    engines.dispose_all()
    assert len(engines) == 0


def test_logs_are_json_with_tenant_request_id_and_user(app, tenant):
    stream = io.StringIO()
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_caas", False))
    previous_stream, previous_level = handler.stream, logging.getLogger().level
    handler.setStream(stream)
    from caas import logs
    handler.setFormatter(logs.JsonFormatter(
        "%(levelname)s %(name)s %(message)s %(tenant)s %(request_id)s %(user_id)s"))
    logging.getLogger().setLevel(logging.INFO)
    try:
        response = tenant.admin.get("/api/v1/me", headers={"X-Request-ID": "req-log-1"})
    finally:
        handler.setStream(previous_stream)
        logging.getLogger().setLevel(previous_level)
    record = next(json.loads(line) for line in stream.getvalue().splitlines()
                  if '"req-log-1"' in line)
    assert record["tenant"] == tenant.slug
    assert record["request_id"] == "req-log-1"
    assert record["user_id"] == response.json["id"]

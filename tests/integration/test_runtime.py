"""Process-level behaviour: configuration safety, tenant engine cache, structured logs."""
import io
import json
import logging
import re
import sys

import pytest

from caas.adapters.sql.engines import TenantEngines
from caas.config import ConfigError
from caas.entrypoints.http.app import create_app
from tests.support import terminal
from tests.support.platform import platform_config


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


def test_plain_logs_name_the_tenant_and_the_request(app, tenant):
    stream = io.StringIO()
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_caas", False))
    previous_stream, previous_level = handler.stream, logging.getLogger().level
    previous_formatter = handler.formatter
    handler.setStream(stream)
    from caas import logs
    handler.setFormatter(logs.PlainFormatter())
    logging.getLogger().setLevel(logging.INFO)
    try:
        tenant.admin.get("/api/v1/me", headers={"X-Request-ID": "req-plain-1"})
    finally:
        handler.setStream(previous_stream)
        handler.setFormatter(previous_formatter)
        logging.getLogger().setLevel(previous_level)
    [line] = [line for line in stream.getvalue().splitlines() if "req-plain-1" in line]
    assert re.fullmatch(rf"\d\d:\d\d:\d\d INFO    caas\.access \[{tenant.slug} req-plain-1\] "
                        r"request method=GET path=/api/v1/me status=200 duration_ms=[\d.]+", line)


#: A request to a platform built from the environment, which logs one access line.
ONE_REQUEST = ("from caas.entrypoints.http.app import create_app; create_app().test_client().get("
               "'/healthz', headers={'X-Request-ID': 'log-format-1'})")
PRODUCTION = {"CAAS_ENV": "production", "CAAS_SECRET_KEY": "p" * 40, "CAAS_SANDBOX": "0",
              **{f"CAAS_{system}_URL": "http://127.0.0.1:9" for system in (
                  "PAYMENTS", "FACTORY", "IOT", "VSS", "PUSH", "SMS")},
              "CAAS_REGISTRATION_URLS": "ES=http://127.0.0.1:9"}


@pytest.mark.parametrize("at_terminal, settings, as_json", [
    (True, {}, False),
    (False, {}, True),
    (True, {"CAAS_LOG_JSON": "1"}, True),
    (False, {"CAAS_LOG_JSON": "0"}, False),
    (True, PRODUCTION, True),
], ids=["terminal", "piped", "terminal-forced-json", "piped-forced-plain", "production-terminal"])
def test_logs_are_plain_at_a_terminal_and_json_otherwise(tmp_path, at_terminal, settings,
                                                         as_json):
    config = {**platform_config(tmp_path, CAAS_LOG_LEVEL="INFO"), **settings}
    env = terminal.environment(config, drop=() if "CAAS_LOG_JSON" in settings else (
        "CAAS_LOG_JSON",))
    code, output = terminal.run([sys.executable, "-c", ONE_REQUEST], env, terminal=at_terminal)
    assert code == 0, output
    [line] = [line for line in output.splitlines() if "log-format-1" in line]
    if as_json:
        record = json.loads(line)
        assert record == {**record, "level": "INFO", "name": "caas.access", "message": "request",
                          "request_id": "log-format-1", "path": "/healthz", "status": 200}
    else:
        assert re.fullmatch(r"\d\d:\d\d:\d\d INFO    caas\.access \[log-format-1\] request "
                            r"method=GET path=/healthz status=200 duration_ms=[\d.]+", line), line

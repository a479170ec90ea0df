"""The HTTP layer: flask-smorest blueprints that parse, call a use case, and answer."""
from __future__ import annotations

import logging

import swagger_ui_bundle
from flask import Flask, jsonify, send_from_directory
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest import abort
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException

from caas.i18n import lazy_gettext
from caas.plugins import PluginFailure
from caas.service_layer.errors import ServiceError, Throttled
from caas.tenancy import NoTenant, UnknownTenant

log = logging.getLogger(__name__)
API_PREFIX = "/api/v1"


class Api(SmorestApi):
    """The project's Api: every HTTP error carries a human ``message``, and it and the field
    errors are in the language of the response."""

    def handle_http_exception(self, error: HTTPException):
        from caas.entrypoints.http.api import field_messages, language

        payload, status, headers = super().handle_http_exception(error)
        if "message" not in payload:
            payload["message"] = field_messages.http_message(
                422 if "errors" in payload else status)
        payload.update(language.render({key: payload[key] for key in ("message", "errors")
                                        if key in payload}))
        # Keep the exception's own headers, e.g. ``Allow`` on a 405, which the parent drops.
        headers = dict(headers or {})
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                headers.setdefault(name, value)
        return payload, status, headers


#: Highest page number accepted: beyond it, (page - 1) * page_size no longer fits
#: the databases' 64-bit OFFSET and the query fails (a 500) instead of returning nothing.
MAX_PAGE = 2**31 - 1


class _PaginationParser(FlaskParser):
    def parse(self, *args, **kwargs):
        parameters = super().parse(*args, **kwargs)
        if parameters.page > MAX_PAGE:
            abort(422, errors={"query": {"page": [f"Must be less than or equal to {MAX_PAGE}."]}})
        return parameters


class Blueprint(SmorestBlueprint):
    """The project's Blueprint: pagination refuses page numbers no database can offset."""

    PAGINATION_ARGUMENTS_PARSER = _PaginationParser()


def error_response(status: int, message, errors: dict | None = None, headers=None, **extra):
    """The contract's error body; ``message`` and ``errors`` (text or
    :class:`~caas.i18n.LazyText`) in the language of the response."""
    from http import HTTPStatus

    from caas.entrypoints.http.api.language import render
    body = {"code": status, "status": HTTPStatus(status).phrase, "message": render(message)}
    if errors:
        body["errors"] = render(errors)
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def service_error_response(error: ServiceError):
    """The contract's error body for a use case's error, with its details (e.g. ``current_status``)."""
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, Throttled) else None
    if error.status == 401:
        headers = {"WWW-Authenticate": "Bearer"}
    # Field errors sit under the request location, as webargs reports them.
    errors = {"json": error.errors} if error.errors else None
    details = {key: value for key, value in error.details.items() if key != "retry_after"}
    return error_response(error.status, error.message, errors, headers, **details)


def _register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ServiceError, service_error_response)

    @app.errorhandler(UnknownTenant)
    def unknown_tenant(error: UnknownTenant):
        return error_response(404, lazy_gettext("Unknown tenant '%(slug)s'.", slug=error.slug))

    @app.errorhandler(NoTenant)
    def no_tenant(error: NoTenant):
        return error_response(400, lazy_gettext("This endpoint needs the X-Tenant header."))

    @app.errorhandler(PluginFailure)
    def plugin_failure(error: PluginFailure):
        return error_response(503, lazy_gettext(
            "The plugin '%(plugin)s' failed; the operators have been alerted. Please try again "
            "later.", plugin=error.plugin))

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return app.extensions["caas_api"].handle_http_exception(error)
        log.exception("unhandled error")
        return error_response(500, lazy_gettext(
            "Internal error; it has been logged with this request's id."))


def init_app(app: Flask) -> Api:
    app.config.update(
        API_TITLE="CaaS platform API", API_VERSION="v1", OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX, OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL=f"{API_PREFIX}/docs/assets/",
        API_SPEC_OPTIONS={
            "info": {"description": "Multi-tenant Car-as-a-Service platform. Tenant-scoped calls "
                                    "carry `X-Tenant`; authenticated calls a bearer token."},
            "components": {"securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
        },
    )
    api = Api(app)
    app.extensions["caas_api"] = api

    @app.get(f"{API_PREFIX}/docs/assets/<path:filename>")
    def swagger_assets(filename):
        # Served from the swagger-ui-bundle package so the docs work offline.
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)

    from caas.entrypoints.http.api import (audit, auth, billing, catalog, customer_record, health,
                                           models, notifications, platform,
                                           plugin_settings, sales, services, staff, stock,
                                           support, webhooks)
    for module in (platform, auth, staff, audit, models, catalog, sales, stock, services, billing,
                   support, webhooks, notifications, customer_record, plugin_settings):
        api.register_blueprint(module.blp, url_prefix=f"{API_PREFIX}{module.PREFIX}")
    app.register_blueprint(health.blp)
    _register_error_handlers(app)
    return api

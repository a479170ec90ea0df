"""Authentication and the caller's own account."""
from flask import Response, g, request
from flask.views import MethodView

from caas.entrypoints.http.api import Blueprint
from caas.entrypoints.http.api.schemas import (MeSchema, PasswordChangeSchema,
                                               PasswordResetConfirmSchema,
                                               PasswordResetRequestSchema, TokenRequestSchema,
                                               TokenSchema)
from caas.entrypoints.http.api.security import (BEARER, authenticate, platform, tenant_ctx,
                                                tenant_or_none)
from caas.service_layer import auth, password_reset, users

PREFIX = ""
blp = Blueprint("auth", __name__, description="Authentication and one's own account")


DEVICE_TOKEN = {"in": "header", "name": "X-Device-Token", "required": False,
                "schema": {"type": "string"},
                "description": "The `device_token` of this device's last sign-in to the same "
                               "account: neither the account's delays after failed attempts "
                               "nor the limit of the client's address apply to it, only this "
                               "device's own failures count."}


@blp.route("/auth/token")
class Token(MethodView):
    @blp.doc(parameters=[DEVICE_TOKEN])
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, description="Wrong credentials")
    @blp.alt_response(429, description="Too many failed attempts on this account or from this "
                                       "address; wait `Retry-After` seconds")
    def post(self, data):
        """Exchange email and password for an access token

        With `X-Tenant`, the credentials of a tenant's user; without it, an operator's.
        After a few failures in a row each further attempt on the account waits longer
        (429 with `Retry-After`, whatever the password), and a client address that fails
        too often is refused for a while; a device that sends back its `device_token` in
        `X-Device-Token` is spared both.
        """
        signed_in = auth.issue_token(platform(), data["email"], data["password"],
                                     request.remote_addr, tenant_or_none(),
                                     request.headers.get(DEVICE_TOKEN["name"]))
        return {"access_token": signed_in.access_token, "token_type": "Bearer",
                "role": signed_in.actor.role,
                "expires_in": platform().config["CAAS_TOKEN_TTL_SECONDS"],
                "device_token": signed_in.device_token}


@blp.route("/me")
class Me(MethodView):
    @blp.doc(security=BEARER)
    @blp.response(200, MeSchema)
    def get(self):
        """Who the token belongs to"""
        actor = authenticate()
        # A tenant's account was read to authenticate the token: no need to read it again.
        person = g.account or users.get_account(platform(), None, actor.id)
        return {"id": person.id, "email": person.email, "name": person.name,
                "role": person.role, "locale": person.locale, "tenant": actor.tenant}


@blp.route("/me/password")
class MyPassword(MethodView):
    @blp.doc(security=BEARER)
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    def post(self, data):
        """Change one's own password (the old one is required)"""
        actor = authenticate()
        tenant = tenant_or_none() if actor.role != "operator" else None
        users.change_password(platform(), tenant, actor.id, data["old_password"],
                              data["new_password"])
        g.audited = True


@blp.route("/auth/password-reset")
class PasswordReset(MethodView):
    @blp.arguments(PasswordResetRequestSchema)
    @blp.response(202)
    def post(self, data):
        """Email a link to choose a new password

        With `X-Tenant` (operators ask another operator, or use `caas operators`). The
        answer is 202 whether or not the address has an account, so it tells nobody who
        has one. The link opens `<CAAS_WEB_URL>/t/<tenant>/password-reset/<token>`, works
        once, for `CAAS_PASSWORD_RESET_TTL_SECONDS`, and a newer link replaces it. An
        account is sent at most one link per `CAAS_PASSWORD_RESET_INTERVAL_SECONDS`, and a
        client address past the sign-in limit is sent none (still 202).
        """
        password_reset.request_reset(tenant_ctx(), data["email"], request.remote_addr)
        return Response(status=202)  # no body: nothing to tell


@blp.route("/auth/password-reset/confirm")
class PasswordResetConfirm(MethodView):
    @blp.arguments(PasswordResetConfirmSchema)
    @blp.response(204)
    @blp.alt_response(422, description="A weak password (the link is kept), or a link that "
                                       "is unknown, used or expired")
    def post(self, data):
        """Choose a new password with the token of an emailed link

        With `X-Tenant`: the link's tenant. The token is spent; the account's other links
        too. The owner is told by email that the password changed.
        """
        password_reset.confirm_reset(tenant_ctx(), data["token"], data["password"])

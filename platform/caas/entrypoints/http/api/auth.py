"""Authentication and the caller's own account."""
from flask import g, request
from flask.views import MethodView

from caas.entrypoints.http.api import Blueprint
from caas.entrypoints.http.api.schemas import MeSchema, PasswordChangeSchema, TokenRequestSchema, TokenSchema
from caas.entrypoints.http.api.security import BEARER, authenticate, platform, tenant_or_none
from caas.service_layer import auth, users

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
        tenant = tenant_or_none() if actor.role != "operator" else None
        person = users.get_account(platform(), tenant, actor.id)
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

"""How long a web session lasts: it stays signed in while it is used, ends when left idle for
an access token's lifetime, and is never renewed past its maximum age."""
from __future__ import annotations

import time

import pytest

from caas.service_layer.tenants import create_tenant
from caas.service_layer.users import provision_user
from caas.tenancy import tenant_context
from tests.support.api import ADMIN_PASSWORD
from tests.support.platform import build_app, new_slug
from tests.support.web import sign_in

#: Short enough to wait out: tokens live 2 to 3 s (their expiry is in whole seconds) and are
#: renewed past 1.5 s.
TOKEN_SECONDS = 3


@pytest.fixture
def signed_in(tmp_path):
    def start(**settings):
        app = build_app(tmp_path, CAAS_TOKEN_TTL_SECONDS=TOKEN_SECONDS, **settings)
        slug = new_slug("es")
        shop = create_tenant(app.extensions["caas"], slug, "Sesiones", "ES")
        with tenant_context(shop):
            provision_user(app.extensions["caas"].for_tenant(shop), email=f"employee@{slug}.test",
                           role="employee", name="Eva", password=ADMIN_PASSWORD)
        client = app.test_client()
        assert sign_in(client, slug, f"employee@{slug}.test", ADMIN_PASSWORD).status_code == 303
        def orders(**request):
            response = client.get(f"/t/{slug}/orders", **request)
            if response.status_code == 204:
                assert response.headers["HX-Redirect"] == f"/t/{slug}/sign-in"
            return response.status_code
        return orders
    return start


def test_a_session_in_use_outlives_its_first_token(signed_in):
    orders = signed_in()
    for _ in range(3):  # 4.8 s of use: past the first token's 3 s
        time.sleep(1.6)
        assert orders() == 200


def test_an_idle_session_ends_with_its_token(signed_in):
    orders = signed_in()
    time.sleep(TOKEN_SECONDS + 0.2)
    assert orders() == 302


def test_a_session_is_not_renewed_past_its_maximum_age(signed_in):
    orders = signed_in(CAAS_WEB_SESSION_MAX_SECONDS=1)
    time.sleep(1.6)
    assert orders() == 200  # its token is still good, but not renewed
    time.sleep(1.6)
    assert orders() == 302


def test_a_live_part_of_a_page_whose_session_ended_sends_the_whole_page_to_sign_in(signed_in):
    orders = signed_in()
    time.sleep(TOKEN_SECONDS + 0.2)
    assert orders(headers={"HX-Request": "true"}) == 204  # htmx follows HX-Redirect

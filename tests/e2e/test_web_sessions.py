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
        return lambda: client.get(f"/t/{slug}/orders").status_code
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

"""``caas seed --demo-sales``: each demo tenant gets a customer with a delivered, app-linked
vehicle, who signs in with the tenant file's password (``make run`` prints it)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

from caas.entrypoints.http.app import create_app
from caas.service_layer import auth, sales
from tests.support.platform import new_slug, platform_config
from tests.support.repo import REPO


def test_a_demo_customer_gets_a_delivered_vehicle_once(tmp_path):
    slug, folder = new_slug("demo"), tmp_path / "tenants"
    folder.mkdir()
    shutil.copy(REPO / "tenants" / "platform.toml", folder)
    (folder / f"{slug}.toml").write_text(
        (REPO / "tenants" / "es-demo.toml").read_text().replace("es-demo", slug))
    config = platform_config(tmp_path / "instance")
    # Its own process and in-process broker: the walk's worker runs beside it, not ours.
    env = {**os.environ, **{key: "off" if value is None else str(value)
                            for key, value in config.items()}, "CAAS_BROKER_URL": "memory://"}
    caas = [str(Path(sys.executable).parent / "caas")]

    def seed():
        done = subprocess.run([*caas, "seed", "--demo-sales", "--folder", str(folder)],
                              env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    subprocess.run([*caas, "db", "upgrade"], env=env, check=True, capture_output=True,
                   timeout=120)
    assert f"walking a demo sale for customer@{slug}.caas.example" in seed()
    assert "walked 0 demo sales" in seed()

    platform = create_app(config).extensions["caas"]
    try:
        tenant = platform.tenant(slug)
        signed_in = auth.issue_token(platform, f"customer@{slug}.caas.example",
                                     "customer-demo-1", "127.0.0.1", tenant)
        assert signed_in.actor.role == "customer"
        [order], _ = sales.order_page(platform.for_tenant(tenant), 0, 10,
                                      customer_id=signed_in.actor.id)
        assert order["status"] == "operational" and order["plate"]
    finally:
        platform.close()

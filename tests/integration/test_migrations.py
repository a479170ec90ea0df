"""Alembic migrations take an empty database to a schema identical to the code's tables."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from caas.adapters.sql import migrations, tables
from caas.adapters.sql.engines import make_engine
from tests.support.platform import build_app, new_slug


@pytest.mark.parametrize("which, metadata", [("control", tables.control_metadata),
                                             ("tenant", tables.tenant_metadata)])
def test_empty_database_upgrades_to_head_matching_the_models(tmp_path, which, metadata):
    app = build_app(tmp_path)  # a fresh control plane on the configured backend
    platform = app.extensions["caas"]
    if which == "control":
        engine = make_engine(app.config["CAAS_DATABASE_URL"])
    else:
        slug = new_slug("mig")
        platform.tenant_engines.create_database(slug)
        engine = platform.tenant_engines.get(slug)
        assert migrations.current_revision(engine) is None
        migrations.upgrade(engine, "tenant")
    assert migrations.current_revision(engine) == migrations.head_revision(which)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    # Upgrading again is a no-op.
    migrations.upgrade(engine, which)
    assert migrations.current_revision(engine) == migrations.head_revision(which)
    if which == "tenant":
        platform.tenant_engines.drop_database(slug)


def test_tickets_opened_before_their_history_start_it_with_their_opening(shop, operator,
                                                                          platform):
    """t0010 gives tickets of an older schema an opening entry, and staff can change them."""
    from alembic import command

    from tests.support.tickets import TICKETS, detail, open_ticket
    ticket = open_ticket(shop, operator)
    engine = platform.tenant_engines.get(shop.slug)
    config = migrations.alembic_config("tenant")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "t0009")
    assert migrations.current_revision(engine) == "t0009"
    migrations.upgrade(engine, "tenant")

    found = detail(shop, ticket["id"])
    [opened] = found["history"]
    assert (opened["change"], opened["at"], opened["actor"]["role"]) == (
        "opened", ticket["created_at"], "system")
    assert opened["after"] == {"status": "open", "kind": ticket["kind"],
                               "summary": ticket["summary"]}
    assert found["updated_at"] == found["created_at"] and found["assignee_id"] is None
    taken = shop.employee.patch(f"{TICKETS}/{ticket['id']}", json={"status": "in_progress"})
    assert taken.status_code == 200 and taken.json["status"] == "in_progress"

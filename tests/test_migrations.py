"""Alembic migrations take an empty database to a schema identical to the code's tables."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from caas.adapters import migrations, schema
from caas.adapters.engines import make_engine
from conftest import build_app, new_slug


@pytest.mark.parametrize("which, metadata", [("control", schema.control_metadata),
                                             ("tenant", schema.tenant_metadata)])
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

"""The operator console's use cases over the in-memory platform: tenants searched a page at
a time, created with their first admin, their health, and an operator's visits audited."""
import pytest

from caas.context import Actor, actor_var
from caas.service_layer import tenant_health, tenants, tickets
from caas.service_layer.errors import Conflict, Invalid
from caas.tenancy import UnknownTenant
from tests.support.fakes import FakeControlPlane

ADMIN = {"email": "First@Admin.TEST", "name": "First Admin", "locale": "de-CH"}


@pytest.fixture
def plane():
    return FakeControlPlane()


def created(plane, slug, name="Tenant", country="ES", **fields):
    return tenants.create_tenant_with_admin(
        plane, slug=slug, name=name, country=country,
        admin={"email": f"admin@{slug}.test", "name": "Admin"}, **fields)


def test_tenants_are_searched_by_slug_or_name_a_page_at_a_time(plane):
    for slug, name in [("es-one", "Uno Motors"), ("es-two", "Dos Autos"),
                       ("ch-three", "Drei Motors"), ("fr-four", "Quatre")]:
        created(plane, slug, name)
    first, total = tenants.search(plane, None, 0, 2)
    assert [t.slug for t in first] == ["ch-three", "es-one"] and total == 4
    second, _ = tenants.search(plane, "", 2, 2)
    assert [t.slug for t in second] == ["es-two", "fr-four"]
    found, total = tenants.search(plane, "  MOTORS ", 0, 10)
    assert [t.slug for t in found] == ["ch-three", "es-one"] and total == 2
    assert tenants.search(plane, "ES-T", 0, 10)[1] == 1
    assert tenants.search(plane, "nothing", 0, 10) == ([], 0)


def test_a_tenant_is_created_with_its_first_admin_whose_credentials_are_emailed(plane):
    tenant, admin = tenants.create_tenant_with_admin(
        plane, slug="ch-new", name="Neu", country="CH", admin=ADMIN)
    assert (tenant.currency, tenant.locales[0], tenant.status) == ("CHF", "de-CH", "active")
    assert (admin.email, admin.role, admin.locale) == ("first@admin.test", "admin", "de-CH")
    world = plane.worlds["ch-new"]
    [job] = world.jobs_of("deliver_notification")
    assert job["secrets"]["password"]
    assert [row["action"] for row in world.audit()][:1] == ["tenant.created"]
    assert [t.slug for t in plane.tenants()] == ["ch-new"]


def test_a_taken_slug_or_a_bad_one_creates_nothing(plane):
    created(plane, "es-taken")
    with pytest.raises(Conflict):
        created(plane, "es-taken")
    with pytest.raises(Invalid) as refused:
        created(plane, "Bad Slug!")
    assert "slug" in refused.value.errors
    assert [t.slug for t in plane.tenants()] == ["es-taken"]


def test_a_fresh_tenant_is_healthy_with_its_first_jobs_pending(plane):
    created(plane, "es-fresh")
    world = plane.worlds["es-fresh"]
    health = tenant_health.health(plane, "es-fresh")
    assert health.at_head and not health.failing
    assert health.jobs.pending == len(world.rows("outbox")) > 0
    assert health.jobs.oldest_at == world.clock.now()
    assert (health.jobs.retrying, health.jobs.abandoned, health.open_tickets) == (0, 0, 0)
    assert health.clock == world.clock.now() and health.clock_ahead_seconds > 0


def test_failing_jobs_open_tickets_and_an_old_schema_show(plane):
    created(plane, "es-ill")
    world = plane.worlds["es-ill"]
    with world.ctx.uow() as uow:
        first, second, *_ = uow.outbox.table.rows
        uow.outbox.release(first, "SMTP down", 30)
        uow.outbox.give_up(second, {}, "SMTP down for good")
        opened = uow.tickets.open("ota_failed", "No answer", {})
        uow.tickets.open("ota_failed", "Another", {})
        uow.commit()
    tickets.update(world.ctx, opened, {"status": "resolved"})
    plane.revisions["es-ill"] = "older"
    health = tenant_health.health(plane, "es-ill")
    assert (health.jobs.retrying, health.jobs.abandoned, health.open_tickets) == (1, 1, 1)
    assert health.revision == "older" and not health.at_head and health.failing


def test_an_unknown_tenant_has_no_health(plane):
    with pytest.raises(UnknownTenant):
        tenant_health.health(plane, "nowhere")


def test_an_operator_entering_and_leaving_a_tenant_is_in_its_audit_log(plane):
    created(plane, "es-visited")
    operator = Actor(role="operator", id=7, email="op@caas.test", tenant=None)
    token = actor_var.set(operator)
    try:
        tenants.enter_as_operator(plane, "es-visited")
        tenants.leave_as_operator(plane, "es-visited")
    finally:
        actor_var.reset(token)
    visits = plane.worlds["es-visited"].audit()[-2:]
    assert [(row["action"], row["entity_id"], row["actor_role"], row["actor_email"])
            for row in visits] == [("operator.entered", "es-visited", "operator", "op@caas.test"),
                                   ("operator.left", "es-visited", "operator", "op@caas.test")]

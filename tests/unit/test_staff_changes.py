"""Admins change staff accounts: a role, deactivation and reactivation, audited; nobody
changes their own account, and the tenant keeps an active admin."""
import pytest

from caas.context import Actor, actor_var
from caas.service_layer import users
from caas.service_layer.errors import Conflict, Invalid, NotFound


@pytest.fixture
def staff(world):
    """(the acting admin, another admin, an employee), the first one acting."""
    made = [users.provision_staff(world.ctx, email=f"{name}@shop.test", role=role, name=name)
            for name, role in (("ana", "admin"), ("bea", "admin"), ("eva", "employee"))]
    actor_var.set(Actor(role="admin", id=made[0].id, email=made[0].email, tenant="es-test"))
    return made


def stored(world, user):
    return next(row for row in world.rows("users") if row.id == user.id)


def test_an_employee_is_deactivated_then_reactivated_each_audited(world, staff):
    _, _, eva = staff
    assert users.change_staff(world.ctx, eva.id, active=False).active is False
    assert stored(world, eva).active is False
    assert users.change_staff(world.ctx, eva.id, active=True).active is True
    [off] = world.audit("user.deactivated")
    [on] = world.audit("user.reactivated")
    assert off["before"] == {"role": "employee", "active": True} == on["after"]
    assert off["after"] == {"role": "employee", "active": False} == on["before"]
    assert off["actor_email"] == "ana@shop.test" and off["entity_id"] == str(eva.id)


def test_a_role_change_is_audited_and_a_deactivated_account_keeps_it(world, staff):
    _, _, eva = staff
    users.change_staff(world.ctx, eva.id, role="admin")
    [entry] = world.audit("user.role_changed")
    assert (entry["before"]["role"], entry["after"]["role"]) == ("employee", "admin")
    users.change_staff(world.ctx, eva.id, role="employee", active=False)
    assert [e["action"] for e in world.audit()][-1] == "user.deactivated"
    assert (stored(world, eva).role, stored(world, eva).active) == ("employee", False)


def test_no_change_records_nothing(world, staff):
    _, _, eva = staff
    entries = len(world.audit())
    users.change_staff(world.ctx, eva.id, role="employee", active=True)
    assert len(world.audit()) == entries


def test_nobody_changes_their_own_account(world, staff):
    ana = staff[0]
    for change in ({"active": False}, {"role": "employee"}):
        with pytest.raises(Conflict):
            users.change_staff(world.ctx, ana.id, **change)
    assert (stored(world, ana).role, stored(world, ana).active) == ("admin", True)
    assert not world.audit("user.deactivated") and not world.audit("user.role_changed")


def test_the_tenant_keeps_an_active_admin(world, staff):
    ana, bea, _ = staff
    users.change_staff(world.ctx, bea.id, active=False)
    # An operator acting inside the tenant may change any account, but not this one away.
    actor_var.set(Actor(role="operator", id=ana.id, email="op@caas.test"))
    for change in ({"active": False}, {"role": "employee"}):
        with pytest.raises(Conflict):
            users.change_staff(world.ctx, ana.id, **change)
    assert stored(world, ana).active is True
    users.change_staff(world.ctx, bea.id, active=True)  # another active admin again
    users.change_staff(world.ctx, ana.id, role="employee")
    assert world.audit("user.role_changed")[-1]["actor_email"] == "op@caas.test"


def test_customers_and_unknown_ids_are_not_staff(world, staff):
    customer = users.provision_user(world.ctx, email="c@shop.test", role="customer", name="C")
    for user_id in (customer.id, 999):
        with pytest.raises(NotFound):
            users.change_staff(world.ctx, user_id, active=False)
        with pytest.raises(NotFound):
            users.get_staff(world.ctx, user_id)
    assert stored(world, customer).active is True


def test_an_unknown_role_is_invalid(world, staff):
    with pytest.raises(Invalid) as refused:
        users.change_staff(world.ctx, staff[2].id, role="customer")
    assert "role" in refused.value.errors and stored(world, staff[2]).role == "employee"


def test_a_deactivated_account_is_still_read_as_staff(world, staff):
    eva = staff[2]
    users.change_staff(world.ctx, eva.id, active=False)
    assert users.get_staff(world.ctx, eva.id).active is False
    listed, total = users.staff_page(world.ctx, 0, 10)
    assert total == 3 and [p.active for p in listed] == [True, True, False]

"""PATCH /staff/{id}: an admin changes a role, or deactivates or reactivates an account, audited;
a deactivated account's token is refused at once, and a changed role applies at once."""
from __future__ import annotations

import pytest

from caas.service_layer.users import provision_user
from caas.tenancy import tenant_context
from tests.support.api import ADMIN_PASSWORD, assert_error_shape, fields_of, login

API = "/api/v1"


def staff_ids(tenant) -> dict[str, int]:
    return {person["email"].split("@")[0]: person["id"]
            for person in tenant.admin.get(f"{API}/staff").json}


def patch(tenant, user_id, **change):
    return tenant.admin.patch(f"{API}/staff/{user_id}", json=change)


def test_a_deactivated_employees_token_is_refused_at_once_and_works_again_reactivated(
        tenant, client, platform):
    with tenant_context(tenant.tenant):
        provision_user(platform.for_tenant(tenant.tenant), email=f"other@{tenant.slug}.test",
                       role="employee", name="Other", password=ADMIN_PASSWORD)
    other = login(client, f"other@{tenant.slug}.test", ADMIN_PASSWORD, tenant.slug)
    ids = staff_ids(tenant)
    assert tenant.employee.get(f"{API}/me").status_code == 200
    off = patch(tenant, ids["employee"], active=False)
    assert off.status_code == 200 and off.json["active"] is False
    assert_error_shape(tenant.employee.get(f"{API}/orders"), 401)
    # Nor may they sign in again; another employee's token keeps working.
    assert tenant.anonymous.post(f"{API}/auth/token", json={
        "email": f"employee@{tenant.slug}.test", "password": ADMIN_PASSWORD}).status_code == 401
    assert other.get(f"{API}/orders").status_code == 200
    on = patch(tenant, ids["employee"], active=True)
    assert on.status_code == 200 and on.json["active"] is True
    assert tenant.employee.get(f"{API}/orders").status_code == 200  # the same token, again
    login(client, f"employee@{tenant.slug}.test", ADMIN_PASSWORD, tenant.slug)


def test_a_changed_role_applies_to_the_existing_token_at_once(tenant):
    ids = staff_ids(tenant)
    assert tenant.employee.get(f"{API}/staff").status_code == 403
    promoted = patch(tenant, ids["employee"], role="admin")
    assert promoted.status_code == 200 and promoted.json["role"] == "admin"
    assert tenant.employee.get(f"{API}/staff").status_code == 200
    assert patch(tenant, ids["employee"], role="employee").status_code == 200
    assert tenant.employee.get(f"{API}/staff").status_code == 403


def test_each_change_is_audited_as_its_admin(tenant):
    ids = staff_ids(tenant)
    for change in ({"role": "admin"}, {"active": False}, {"active": True}):
        assert patch(tenant, ids["employee"], **change).status_code == 200
    entries = [e for e in tenant.admin.get(f"{API}/audit", query_string={"entity": "user"}).json
               if e["action"] in ("user.role_changed", "user.deactivated", "user.reactivated")]
    assert sorted(e["action"] for e in entries) == [
        "user.deactivated", "user.reactivated", "user.role_changed"]
    assert {e["actor_email"] for e in entries} == {f"admin@{tenant.slug}.test"}
    assert {e["entity_id"] for e in entries} == {str(ids["employee"])}
    off = next(e for e in entries if e["action"] == "user.deactivated")
    assert off["before"] == {"role": "admin", "active": True}
    assert off["after"] == {"role": "admin", "active": False}


def test_a_customers_id_is_404(tenant, platform):
    with tenant_context(tenant.tenant):
        buyer = provision_user(platform.for_tenant(tenant.tenant), email="c@buyer.test",
                               role="customer", name="C", password=ADMIN_PASSWORD)
    assert_error_shape(patch(tenant, buyer.id, active=False), 404)
    assert_error_shape(patch(tenant, 999_999, active=False), 404)


@pytest.mark.parametrize("change", [{"active": False}, {"role": "employee"}])
def test_ones_own_account_is_409_even_beside_another_admin(tenant, change):
    assert tenant.admin.post(f"{API}/staff", json={
        "email": f"second@{tenant.slug}.test", "name": "Second", "role": "admin"}
    ).status_code == 201
    assert_error_shape(patch(tenant, staff_ids(tenant)["admin"], **change), 409)
    assert tenant.admin.get(f"{API}/me").json["role"] == "admin"


def test_the_last_active_admin_stays(tenant, operator):
    ids = staff_ids(tenant)
    as_operator = operator.patch(f"{API}/staff/{ids['admin']}", json={"active": False},
                                 headers={"X-Tenant": tenant.slug})
    body = assert_error_shape(as_operator, 409)
    assert "admin" in body["message"]
    assert tenant.admin.get(f"{API}/me").status_code == 200


@pytest.mark.parametrize("change", [{"role": "customer"}, {"role": "operator"},
                                    {"active": "maybe"}, {"email": "x@y.test"}])
def test_bad_input_is_422_and_changes_nothing(tenant, change):
    ids = staff_ids(tenant)
    body = assert_error_shape(patch(tenant, ids["employee"], **change), 422)
    assert set(change) <= fields_of(body["errors"])
    assert tenant.employee.get(f"{API}/me").json["role"] == "employee"


def test_employees_may_not_change_staff(tenant):
    ids = staff_ids(tenant)
    refused = tenant.employee.patch(f"{API}/staff/{ids['admin']}", json={"active": False})
    assert_error_shape(refused, 403)
    assert tenant.admin.get(f"{API}/me").status_code == 200

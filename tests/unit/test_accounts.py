"""Staff and customer accounts: provisioning, credentials by email, passwords."""
import pytest

from caas.crypto import passwords
from caas.service_layer import users
from caas.service_layer.errors import Conflict, Invalid, NotFound, Unauthorized


class OnePlatform:
    """The control plane as the password use cases see it: one tenant's context."""

    def __init__(self, world):
        self.world = world

    def for_tenant(self, tenant):
        assert tenant is self.world.tenant
        return self.world.ctx


def test_staff_are_provisioned_with_generated_credentials_sent_by_email(world):
    user = users.provision_staff(world.ctx, email=" Clerk@Shop.TEST ", role="employee",
                                 name="Clerk")
    assert user.email == "clerk@shop.test" and user.locale == "es-ES"
    [notice] = world.rows("notifications")
    assert notice["event"] == "credentials_generated" and notice["channel"] == "email"
    [job] = world.jobs_of("deliver_notification")
    assert passwords.verify_password(world.rows("users")[0].password_hash,
                                     job["secrets"]["password"])
    assert "password" not in str(notice["context"])


def test_a_customer_role_is_not_staff(world):
    with pytest.raises(Invalid) as refused:
        users.provision_staff(world.ctx, email="x@shop.test", role="customer", name="X")
    assert "role" in refused.value.errors and world.rows("users") == []


def test_an_email_has_one_account_per_tenant(world):
    users.provision_staff(world.ctx, email="clerk@shop.test", role="employee", name="Clerk")
    with pytest.raises(Conflict):
        users.provision_staff(world.ctx, email="CLERK@shop.test", role="admin", name="Again")
    assert len(world.rows("users")) == 1
    assert len(world.jobs_of("deliver_notification")) == 1  # the refused one sent nothing


def test_a_locale_the_tenant_does_not_use_is_invalid(world):
    with pytest.raises(Invalid) as refused:
        users.provision_staff(world.ctx, email="x@shop.test", role="admin", name="X",
                              locale="fr-FR")
    assert "locale" in refused.value.errors


def test_a_given_password_must_be_strong_and_sends_no_email(world):
    with pytest.raises(Invalid) as refused:
        users.provision_user(world.ctx, email="x@shop.test", role="admin", name="X",
                             password="short")
    assert "password" in refused.value.errors
    users.provision_user(world.ctx, email="x@shop.test", role="admin", name="X",
                         password="a-strong-password-1")
    assert world.rows("notifications") == []


def test_provisioning_is_audited_and_published(world):
    user = users.provision_staff(world.ctx, email="clerk@shop.test", role="employee", name="C")
    [entry] = world.audit("user.created")
    assert entry["after"] == {"id": user.id, "email": "clerk@shop.test", "role": "employee",
                              "locale": "es-ES"}
    [event] = [p for p in world.jobs_of("plugin_event") if p["hook"] == "user_provisioned"]
    assert event["kwargs"]["user"]["email"] == "clerk@shop.test"


def test_the_staff_list_leaves_customers_out(world):
    users.provision_staff(world.ctx, email="a@shop.test", role="admin", name="A")
    users.provision_user(world.ctx, email="c@shop.test", role="customer", name="C")
    staff, total = users.staff_page(world.ctx, 0, 10)
    assert [person.email for person in staff] == ["a@shop.test"] and total == 1


def test_a_password_is_changed_after_proving_the_old_one(world):
    user = users.provision_user(world.ctx, email="a@shop.test", role="admin", name="A",
                                password="old-password-123")
    users.change_password(OnePlatform(world), world.tenant, user.id, "old-password-123",
                          "new-password-456")
    stored = world.rows("users")[0]
    assert passwords.verify_password(stored.password_hash, "new-password-456")
    assert stored.password_changed_at == world.clock.now()
    assert world.audit("user.password_changed")


def test_a_wrong_old_password_changes_nothing(world):
    user = users.provision_user(world.ctx, email="a@shop.test", role="admin", name="A",
                                password="old-password-123")
    with pytest.raises(Unauthorized):
        users.change_password(OnePlatform(world), world.tenant, user.id, "not-it-at-all",
                              "new-password-456")
    assert passwords.verify_password(world.rows("users")[0].password_hash, "old-password-123")


def test_the_new_password_must_differ_and_be_strong(world):
    user = users.provision_user(world.ctx, email="a@shop.test", role="admin", name="A",
                                password="old-password-123")
    for new in ("old-password-123", "weak"):
        with pytest.raises(Invalid) as refused:
            users.change_password(OnePlatform(world), world.tenant, user.id, "old-password-123",
                                  new)
        assert "new_password" in refused.value.errors


def test_an_unknown_account_cannot_change_its_password(world):
    with pytest.raises(NotFound):
        users.change_password(OnePlatform(world), world.tenant, 99, "old-password-123",
                              "new-password-456")


def test_ones_own_account_is_read_and_a_gone_one_is_unauthorized(world):
    user = users.provision_staff(world.ctx, email="a@shop.test", role="admin", name="A")
    assert users.get_account(OnePlatform(world), world.tenant, user.id).email == "a@shop.test"
    with pytest.raises(Unauthorized):
        users.get_account(OnePlatform(world), world.tenant, 99)


def test_an_account_created_meanwhile_by_another_request_is_a_conflict(world, monkeypatch):
    from tests.support.fakes.repositories import Users
    users.provision_staff(world.ctx, email="clerk@shop.test", role="employee", name="Clerk")
    monkeypatch.setattr(Users, "by_email", lambda self, email: None)  # read before it existed
    with pytest.raises(Conflict):
        users.provision_staff(world.ctx, email="clerk@shop.test", role="admin", name="Again")
    assert len(world.rows("users")) == 1

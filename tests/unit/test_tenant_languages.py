"""The languages a tenant offers and its default: the country's and English, of those the
platform speaks; the change is audited in the tenant's log and the tenant read afresh."""
import pytest

from caas.service_layer import tenant_languages
from caas.service_layer.errors import Invalid
from tests.support.fakes import FakeWorld
from tests.support.fakes.control_plane import FakeControlPlane


@pytest.fixture
def swiss():
    world = FakeWorld("CH", locales=["de-CH", "fr-CH"])
    return world, FakeControlPlane(world)


def test_the_choices_are_the_countrys_languages_and_english(swiss):
    world, platform = swiss
    assert tenant_languages.choices(platform, world.tenant) == [
        "de-CH", "fr-CH", "it-CH", "en-CH"]


def test_languages_are_offered_with_the_default_first_audited(swiss):
    world, platform = swiss
    changed = tenant_languages.set_languages(platform, world.tenant,
                                             ["de_CH", "it-ch", "en-CH"], "it-CH")
    assert changed.locales == ["it-CH", "de-CH", "en-CH"] and changed.default_locale == "it-CH"
    assert platform.tenant(world.tenant.slug).locales == ["it-CH", "de-CH", "en-CH"]
    assert platform.forgotten == [world.tenant.slug]
    [entry] = world.audit("tenant.locales_changed")
    assert entry["before"] == {"locales": ["de-CH", "fr-CH"]}
    assert entry["after"] == {"locales": ["it-CH", "de-CH", "en-CH"]}
    assert entry["entity"] == "tenant" and entry["entity_id"] == world.tenant.slug


def test_the_same_languages_again_change_nothing(swiss):
    world, platform = swiss
    tenant_languages.set_languages(platform, world.tenant, ["fr-CH", "de-CH"], "de-CH")
    assert world.audit("tenant.locales_changed") == [] and platform.forgotten == []


@pytest.mark.parametrize("offered, default, field", [
    ([], "de-CH", "locales"),                   # nothing offered
    (["en-CH"], "en-CH", "locales"),            # English only: the country's language too
    (["de-CH", "es-ES"], "de-CH", "locales"),   # another country's language
    (["de-CH", "xx-YY"], "de-CH", "locales"),   # no such locale
    (["de-CH", "fr-CH"], "it-CH", "default"),   # the default is not offered
    (["de-CH", "fr-CH"], "", "default"),
    (["de-CH", "fr-CH"], "nonsense", "default"),
])
def test_refused_choices_change_nothing(swiss, offered, default, field):
    world, platform = swiss
    with pytest.raises(Invalid) as refused:
        tenant_languages.set_languages(platform, world.tenant, offered, default)
    assert field in refused.value.errors
    assert platform.tenant(world.tenant.slug).locales == ["de-CH", "fr-CH"]
    assert world.audit("tenant.locales_changed") == []


def test_only_languages_the_platform_speaks(swiss, monkeypatch):
    world, platform = swiss
    monkeypatch.setattr(tenant_languages, "languages", lambda: ("en", "de", "fr"))
    assert "it-CH" not in tenant_languages.choices(platform, world.tenant)
    with pytest.raises(Invalid) as refused:
        tenant_languages.set_languages(platform, world.tenant, ["de-CH", "it-CH"], "de-CH")
    assert "it-CH" in str(refused.value.errors["locales"][0])

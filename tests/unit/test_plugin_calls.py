"""Hooks are called through pluggy's callers: wrappers, firstresult, tracing and subsets
work as pluggy documents them, and a plugin that raises is still contained."""
import pluggy
import pytest

from caas import hookimpl
from caas.plugins import Plugins

hookspec = pluggy.HookspecMarker("caas")


class ChoosingSpecs:
    """A contract with a hook answered by the first plugin that knows."""

    @hookspec(firstresult=True)
    def choose_carrier(self, country):
        """Return the carrier for ``country``. Stops at first non-None result."""


class Recorder:
    def __init__(self, seen: list, label: str):
        self.seen, self.label = seen, label

    @hookimpl
    def tenant_created(self, tenant):
        self.seen.append((self.label, tenant))


class Broken:
    @hookimpl
    def tenant_created(self, tenant):
        raise RuntimeError("broken event handler")


@pytest.fixture
def plugins():
    """A manager with no entry point loaded; tests register throwaway plugins."""
    return Plugins(allowed=set()).load()


def test_a_wrapper_plugin_sees_the_call_around_the_others(plugins):
    seen = []

    class Wrapper:
        @hookimpl(wrapper=True)
        def tenant_created(self, tenant):
            seen.append(("before", tenant))
            result = yield
            seen.append(("after", tenant))
            return result

    plugins.register(Recorder(seen, "recorder"), name="recorder")
    plugins.register(Wrapper(), name="wrapper")
    assert plugins.call_each("tenant_created", tenant="acme") == []
    assert seen == [("before", "acme"), ("recorder", "acme"), ("after", "acme")]


def test_an_old_style_hookwrapper_sees_the_outcome(plugins):
    outcomes = []

    class OldStyle:
        @hookimpl(hookwrapper=True)
        def tenant_created(self, tenant):
            outcome = yield
            outcomes.append(outcome.get_result())

    plugins.register(Recorder([], "recorder"), name="recorder")
    plugins.register(OldStyle(), name="old-style")
    plugins.call_each("tenant_created", tenant="acme")
    assert outcomes == [[]]  # event hooks answer nothing


def test_a_raising_wrapper_is_contained_and_the_call_goes_on(plugins, caplog):
    seen = []

    class BrokenBefore:
        @hookimpl(wrapper=True)
        def tenant_created(self, tenant):
            raise RuntimeError("broken before the call")
            yield

    class BrokenAfter:
        @hookimpl(wrapper=True)
        def tenant_created(self, tenant):
            yield
            raise RuntimeError("broken after the call")

    plugins.register(Recorder(seen, "recorder"), name="recorder")
    plugins.register(BrokenBefore(), name="broken-before")
    plugins.register(BrokenAfter(), name="broken-after")
    failures = plugins.call_each("tenant_created", tenant="acme")
    assert seen == [("recorder", "acme")]
    assert sorted(failure.plugin for failure in failures) == ["broken-after", "broken-before"]
    assert {getattr(r, "plugin", None) for r in caplog.records} >= {"broken-after",
                                                                    "broken-before"}


def test_firstresult_hooks_stop_at_the_first_answer(plugins):
    asked = []

    def carrier_plugin(name, answer):
        class Carrier:
            @hookimpl
            def choose_carrier(self, country):
                asked.append(name)
                return answer
        return Carrier()

    plugins.pm.add_hookspecs(ChoosingSpecs)
    plugins.register(carrier_plugin("fallback", "post"), name="fallback")
    plugins.register(carrier_plugin("specialist", "courier"), name="specialist")
    plugins.register(carrier_plugin("undecided", None), name="undecided")
    # pluggy calls the last registered first: the undecided one passes, the specialist answers.
    assert plugins.hook("choose_carrier")(country="ES") == "courier"
    assert asked == ["undecided", "specialist"]


def test_a_raising_implementation_of_a_firstresult_hook_lets_the_next_answer(plugins):
    class Failing:
        @hookimpl
        def choose_carrier(self, country):
            raise RuntimeError("carrier lookup down")

    class Answering:
        @hookimpl
        def choose_carrier(self, country):
            return "post"

    plugins.pm.add_hookspecs(ChoosingSpecs)
    plugins.register(Answering(), name="answering")
    plugins.register(Failing(), name="failing")
    assert plugins.hook("choose_carrier")(country="FR") == "post"


def test_a_tenant_limited_call_skips_the_excluded_plugins(plugins):
    seen = []
    plugins.register(Recorder(seen, "a"), name="a")
    plugins.register(Recorder(seen, "b"), name="b")
    plugins.register(Broken(), name="broken")
    failures = plugins.call_each("tenant_created", exclude={"b", "broken"}, tenant="acme")
    assert seen == [("a", "acme")] and failures == []
    # The subset caller is built once per set of excluded plugins...
    assert plugins.hook("tenant_created", {"b"}) is plugins.hook("tenant_created", ["b"])
    # ...and again when plugins change, so that a new one is reached.
    plugins.register(Recorder(seen, "c"), name="c")
    seen.clear()
    plugins.call_each("tenant_created", exclude={"b", "broken"}, tenant="acme")
    assert sorted(seen) == [("a", "acme"), ("c", "acme")]


def test_pluggy_tracing_sees_the_calls(plugins):
    traced = []
    plugins.register(Recorder([], "recorder"), name="recorder")
    undo = plugins.pm.add_hookcall_monitoring(
        lambda hook_name, impls, kwargs: traced.append((hook_name, kwargs)),
        lambda outcome, hook_name, impls, kwargs: None)
    try:
        plugins.call_each("tenant_created", tenant="acme")
    finally:
        undo()
    assert traced == [("tenant_created", {"tenant": "acme"})]


def test_a_registration_hook_that_raises_is_recorded_against_its_plugin_only(plugins):
    class BrokenCountries:
        @hookimpl
        def register_countries(self):
            raise RuntimeError("broken country plugin")

    class NoCountries:
        @hookimpl
        def register_countries(self):
            return []

    plugins.register(NoCountries(), name="none")
    plugins.register(BrokenCountries(), name="broken")
    assert "broken country plugin" in plugins.loaded["broken"].error
    assert plugins.loaded["none"].error is None

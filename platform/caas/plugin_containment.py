"""Containment of plugin code (docs/decisions/0003-plugin-containment.md).

Each hook implementation is wrapped when its plugin registers, so that pluggy's own
caller runs the hooks (wrappers, ``firstresult``, tracing) while a plugin that raises
is logged against its name and left out of that call; the other plugins still run.
Calls into a plugin's :class:`Country` or :class:`CatalogOption` go through
:class:`Guarded` instead.
"""
from __future__ import annotations

import functools
import logging
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator

import pluggy

log = logging.getLogger("caas.plugins")
#: Marks a function already wrapped, so registering again does not wrap it twice.
_CONTAINED = "__caas_contained__"
#: The failures of the hook call in progress, when its caller asked for them.
_failures: ContextVar[list[PluginFailure] | None] = ContextVar("plugin_failures", default=None)


class PluginFailure(Exception):
    """A plugin raised while the platform was calling it."""

    def __init__(self, plugin: str, error: BaseException):
        super().__init__(f"plugin {plugin!r} failed: {error!r}")
        self.plugin = plugin
        self.error = error


@contextmanager
def collecting_failures() -> Iterator[list[PluginFailure]]:
    """The failures contained during the hook calls made inside the block."""
    failures: list[PluginFailure] = []
    token = _failures.set(failures)
    try:
        yield failures
    finally:
        _failures.reset(token)


def _contained_failure(plugin: str, hook: str, error: Exception) -> None:
    log.error("plugin hook failed", exc_info=error, extra={"plugin": plugin, "hook": hook})
    collected = _failures.get()
    if collected is not None:
        collected.append(PluginFailure(plugin, error))


def contain_plugin(pm: pluggy.PluginManager, plugin: object) -> None:
    """Wrap every hook implementation of the registered ``plugin`` in containment.

    pluggy reads an implementation's arguments when it registers it, so replacing its
    function afterwards changes what runs, not what it is passed.
    """
    for caller in pm.get_hookcallers(plugin) or []:
        for impl in caller.get_hookimpls():
            if impl.plugin is plugin and not hasattr(impl.function, _CONTAINED):
                contain = _contained_wrapper if impl.wrapper or impl.hookwrapper else _contained
                impl.function = contain(impl.function, impl.plugin_name, caller.name)


def _marked(contained: Callable, function: Callable) -> Callable:
    functools.update_wrapper(contained, function)
    setattr(contained, _CONTAINED, True)
    return contained


def _contained(function: Callable, plugin: str, hook: str) -> Callable:
    """An implementation that answers ``None`` (no result) instead of raising."""
    def contained(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception as exc:  # a plugin's bug costs only its own part of the call
            _contained_failure(plugin, hook, exc)
            return None
    return _marked(contained, function)


def _contained_wrapper(function: Callable, plugin: str, hook: str) -> Callable:
    """A wrapper (new or old style) whose own raise leaves the call as if it were absent.

    What the wrapped call raises still reaches the wrapper, and passes on unless the
    wrapper handles it.
    """
    def contained(*args, **kwargs):
        try:
            teardown = function(*args, **kwargs)
            next(teardown)
        except Exception as exc:
            _contained_failure(plugin, hook, exc)
            return (yield)
        try:
            outcome = yield
        except GeneratorExit:
            teardown.close()
            raise
        except BaseException as exc:
            return _tear_down(teardown, teardown.throw, exc, plugin, hook)
        return _tear_down(teardown, teardown.send, outcome, plugin, hook)
    return _marked(contained, function)


def _tear_down(teardown, step, outcome, plugin: str, hook: str):
    """Run a wrapper's part after the call; a raise of its own is contained."""
    try:
        step(outcome)
    except StopIteration as done:
        return done.value
    except Exception as exc:
        if exc is outcome:
            raise
        _contained_failure(plugin, hook, exc)
    else:
        teardown.close()
        _contained_failure(plugin, hook, RuntimeError("the hook wrapper yielded twice"))
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


class Guarded:
    """Wraps a plugin's :class:`Country` or :class:`CatalogOption` so that its failures
    are attributed to the plugin."""

    _EXPECTED = (ValueError,)  # InvalidTaxId and friends are answers, not failures

    def __init__(self, provided, plugin: str):
        self._provided = provided
        self.plugin = plugin

    def __getattr__(self, name):
        value = getattr(self._provided, name)
        if not callable(value):
            return value

        def guarded(*args, **kwargs):
            try:
                return value(*args, **kwargs)
            except self._EXPECTED:
                raise
            except Exception as exc:
                log.exception("plugin failed", extra={"plugin": self.plugin})
                raise PluginFailure(self.plugin, exc) from exc

        return guarded

"""The plugin manager: entry-point discovery, an allow-list, and hook calls.

Bundled plugins are ordinary distributions on the ``caas`` entry point, found
exactly as a third party's would be. A plugin that fails to import or to
register is logged with its name and left out; the rest of the platform runs.
Hooks are called through pluggy's callers, with each implementation contained
(:mod:`caas.plugin_containment`).
"""
from __future__ import annotations

import importlib.metadata
import logging
import warnings
from collections.abc import Collection
from dataclasses import dataclass, field

import pluggy

from caas import PLUGIN_API_VERSION, hookspecs, i18n
from caas.domain.catalog import CatalogOption
from caas.domain.countries import Country
from caas.plugin_containment import Guarded, PluginFailure, collecting_failures, contain_plugin

log = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "caas"
#: The core's own distribution, which in-tree plugins come with.
CORE_DISTRIBUTION = "caas-platform"
#: The module attribute a plugin declares the plugin-API version it was written for with.
API_ATTRIBUTE = "caas_plugin_api"
#: The module attribute a country plugin declares the least share (0 to 1) of the platform's
#: messages its languages must read translated with; the conformance kit checks it.
COVERAGE_ATTRIBUTE = "caas_translation_coverage"
#: Assumed for a plugin that declares nothing: the contract before declarations existed.
UNDECLARED_API = "1.0"


class IncompatiblePlugin(Exception):
    """A plugin was written for a plugin API this core does not provide."""


def _api_version(text: str) -> tuple[int, int]:
    major, _, minor = str(text).partition(".")
    return int(major), int(minor or 0)


def check_api_version(plugin: str, declared: str | None, provided: str = PLUGIN_API_VERSION) -> None:
    """Refuse a plugin whose declared plugin-API version this core cannot serve.

    Within a major version the contract only grows (hooks and arguments are added,
    never removed), so a plugin written for ``1.0`` runs on a ``1.3`` core; one
    written for ``1.3`` may use a hook a ``1.0`` core lacks, and any other major
    version is a different contract.

    :raises IncompatiblePlugin: naming the plugin and both versions.
    """
    try:
        wanted, have = _api_version(declared or UNDECLARED_API), _api_version(provided)
    except ValueError:
        raise IncompatiblePlugin(
            f"plugin {plugin!r} declares plugin API {declared!r}, which is not a "
            f"'major.minor' version; this core provides plugin API {provided}") from None
    if wanted[0] != have[0] or wanted[1] > have[1]:
        raise IncompatiblePlugin(
            f"plugin {plugin!r} was written for plugin API {declared}; this core provides "
            f"plugin API {provided}")


@dataclass
class LoadedPlugin:
    name: str
    distribution: str | None
    version: str | None
    countries: list[str] = field(default_factory=list)
    catalog_options: list[str] = field(default_factory=list)
    error: str | None = None
    #: The plugin-API version the plugin declares it was written for (``None``: undeclared).
    api_version: str | None = None


class Plugins:
    """Everything the loaded plugins contributed, with where it came from."""

    def __init__(self, allowed: set[str] | None = None):
        self.pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
        self.pm.add_hookspecs(hookspecs)
        self.allowed = allowed
        self.loaded: dict[str, LoadedPlugin] = {}
        #: Names on the allow-list that no installed entry point has.
        self.not_installed: set[str] = set()
        self.countries: dict[str, Country] = {}
        self.catalog_options: dict[str, CatalogOption] = {}
        #: Per-tenant settings schemas (marshmallow) by plugin name.
        self.settings_schemas: dict = {}
        #: Folders of compiled message catalogs the plugins ship.
        self.translation_dirs: list[str] = []
        self._owner: dict[str, str] = {}
        #: pluggy's callers by hook name and set of excluded plugins.
        self._callers: dict[tuple[str, frozenset[str]], pluggy.HookCaller] = {}

    def load(self) -> "Plugins":
        for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if self.allowed is not None and entry_point.name not in self.allowed:
                continue
            dist = entry_point.dist
            record = LoadedPlugin(entry_point.name, dist and dist.metadata["Name"],
                                  dist and dist.version)
            self.loaded[entry_point.name] = record
            try:
                module = entry_point.load()
            except Exception as exc:  # a broken plugin must not stop the platform
                record.error = f"failed to load: {exc!r}"
                log.exception("plugin failed to load", extra={"plugin": entry_point.name})
                continue
            if self._compatible(record, module):
                try:
                    self._register_contained(module, entry_point.name)
                except Exception as exc:
                    record.error = f"failed to load: {exc!r}"
                    log.exception("plugin failed to load", extra={"plugin": entry_point.name})
        if self.allowed is not None:
            self.not_installed = set(self.allowed) - self.loaded.keys()
        # Refuses an implementation of a hook that has no spec.
        self.pm.check_pending()
        self._collect()
        return self

    def _compatible(self, record: LoadedPlugin, module) -> bool:
        declared = getattr(module, API_ATTRIBUTE, None)
        record.api_version = declared
        if declared is None:
            log.warning("plugin declares no plugin-API version (%s); assuming %s",
                        API_ATTRIBUTE, UNDECLARED_API, extra={"plugin": record.name})
        try:
            check_api_version(record.name, declared)
        except IncompatiblePlugin as exc:
            record.error = f"refused: {exc}"
            log.error("plugin refused: %s", exc, extra={"plugin": record.name})
            return False
        return True

    def _register_contained(self, module, name: str) -> None:
        """Register ``module`` with each of its hook implementations contained; pluggy's
        warnings about deprecated hook arguments it accepts are logged against the
        plugin and then raised again for its author's tests."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", hookspecs.HookArgumentDeprecated)
            self.pm.register(module, name=name)
        contain_plugin(self.pm, module)
        self._callers.clear()
        for warning in caught:
            if issubclass(warning.category, hookspecs.HookArgumentDeprecated):
                log.warning("%s", warning.message, extra={"plugin": name})
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)

    def register(self, module, name: str) -> None:
        """Register an in-tree module as a plugin (used for the core's own defaults)."""
        self._register_contained(module, name)
        self.loaded[name] = LoadedPlugin(name, CORE_DISTRIBUTION, None)
        self.pm.check_pending()
        self._collect()

    def unregister(self, name: str) -> None:
        """Remove plugin ``name`` and what it contributed (tests register throwaway plugins)."""
        self.pm.unregister(name=name)
        self._callers.clear()
        self.loaded.pop(name, None)
        self._collect()

    def _collect(self) -> None:
        self.countries.clear()
        self.catalog_options.clear()
        self._owner.clear()
        self.settings_schemas.clear()
        before = list(self.translation_dirs)
        self.translation_dirs.clear()
        for name, record in self.loaded.items():
            if record.error:
                continue
            record.countries, record.catalog_options = [], []
            for country in self.call_one(name, "register_countries") or []:
                self.countries[country.code] = country
                self._owner[f"country:{country.code}"] = name
                record.countries.append(country.code)
            for option in self.call_one(name, "register_catalog_options") or []:
                self.catalog_options[option.code] = option
                self._owner[f"option:{option.code}"] = name
                record.catalog_options.append(option.code)
            self._collect_settings_schema(name, record)
            for directory in self.call_one(name, "register_translations") or []:
                self.translation_dirs.append(str(directory))
        # An unregistered plugin's catalogs go with it (its languages among them).
        i18n.remove_plugin_catalogs(set(before) - set(self.translation_dirs))
        i18n.add_plugin_catalogs(self.translation_dirs)

    def _collect_settings_schema(self, name: str, record: LoadedPlugin) -> None:
        import marshmallow

        declared = self.call_one(name, "register_plugin_settings")
        if isinstance(declared, type) and issubclass(declared, marshmallow.Schema):
            declared = declared()
        if isinstance(declared, marshmallow.Schema):
            self.settings_schemas[name] = declared
        elif declared is not None:
            record.error = (f"register_plugin_settings returned {type(declared).__name__}, "
                            "not a marshmallow Schema")
            log.error("%s", record.error, extra={"plugin": name})

    def hook(self, hook_name: str, exclude: Collection[str] = ()) -> pluggy.HookCaller:
        """pluggy's caller of a hook, leaving out the plugins named in ``exclude``.

        Wrappers, ``firstresult`` and tracing work as pluggy documents them; an
        implementation that raises is logged against its plugin and gives no result.
        A subset caller is built once per set of excluded plugins.
        """
        key = (hook_name, frozenset(exclude))
        caller = self._callers.get(key)
        if caller is None:
            excluded = [self.pm.get_plugin(name) for name in key[1]]
            caller = self.pm.subset_hook_caller(
                hook_name, [plugin for plugin in excluded if plugin is not None])
            self._callers[key] = caller
        return caller

    def call_one(self, plugin_name: str, hook_name: str, **kwargs):
        """Call one plugin's implementation of a hook; its raise is recorded as its error.

        :returns: its result, or ``None`` when it raised or gave none.
        """
        others = [name for name, _ in self.pm.list_name_plugin() if name != plugin_name]
        with collecting_failures() as failures:
            results = self.hook(hook_name, exclude=others)(**kwargs)
        for failure in failures:
            self.loaded[plugin_name].error = f"{hook_name} raised {failure.error!r}"
        return results[0] if results else None

    def implements(self, hook_name: str) -> bool:
        """Whether any loaded plugin implements the hook."""
        return bool(getattr(self.pm.hook, hook_name).get_hookimpls())

    def call_each(self, hook_name: str, *, exclude: Collection[str] = (),
                  **kwargs) -> list[PluginFailure]:
        """Call every implementation of an event hook (but those of the plugins named in
        ``exclude``); one raising does not stop the others.

        :returns: the failures, each naming its plugin (already logged).
        """
        with collecting_failures() as failures:
            self.hook(hook_name, exclude)(**kwargs)
        return failures

    def owner_of_country(self, code: str) -> str:
        return self._owner.get(f"country:{code}", "?")

    def country(self, code: str) -> "Guarded":
        """The country ``code`` with its calls contained: a raise becomes :class:`PluginFailure`."""
        return Guarded(self.countries[code], self.owner_of_country(code))

    def option(self, code: str) -> "Guarded":
        """The catalog option ``code``, its calls contained like :meth:`country`'s."""
        return Guarded(self.catalog_options[code], self._owner.get(f"option:{code}", "?"))


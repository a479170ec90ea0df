"""The installed plugins: distributions, versions, plugin-API versions and load errors, as
``GET /api/v1/platform/plugins`` reports them."""
from __future__ import annotations

from caas import PLUGIN_API_VERSION
from caas.entrypoints.web import rendering
from caas.entrypoints.web.operator.console import blp, operator_only
from caas.entrypoints.web.pages import platform


@blp.get("/plugins")
@operator_only
def plugins():
    loaded = platform().plugins
    return rendering.page("operator/plugins.html", api_version=PLUGIN_API_VERSION,
                          plugins=sorted(loaded.loaded.values(), key=lambda each: each.name),
                          not_installed=sorted(loaded.not_installed))

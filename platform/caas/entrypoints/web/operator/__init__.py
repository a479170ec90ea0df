"""The operator console, platform-wide at ``/operator``: tenants (searched, created with their
first admin, their health), plugins, and acting inside a tenant's admin console.

Only operators see it (403 for anyone else: a tenant's session is never honoured here); its
pages call the same use cases as ``/api/v1/platform``.
"""
from __future__ import annotations

# Each module adds its views to the console's blueprint as it is imported.
from caas.entrypoints.web.operator import account, plugins, tenants  # noqa: F401
from caas.entrypoints.web.operator.console import blp

__all__ = ["blp"]

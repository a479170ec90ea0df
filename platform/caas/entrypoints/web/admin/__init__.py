"""The tenant admin console: the catalog, staff, settings, billing, the audit log and the
dashboard, for the tenant's admins (and an operator acting inside the tenant).

Its links are the menu's ``"admin"`` section; its pages are ``signed_in(*ADMIN)``.
"""
# Each module adds its views to the pages' blueprint as it is imported.
from caas.entrypoints.web.admin import (audit, billing, billing_invoices,  # noqa: F401
                                        catalog, dashboard, languages, settings,
                                        settings_plugins, settings_routes, staff)

"""What the command line says, in one line, when the platform is not ready for a command:
its database, the tenant asked for, or its plugins. Each message says what to run."""
from __future__ import annotations

import sys

from sqlalchemy.engine import make_url

from caas.adapters.sql.readiness import MISSING, NOT_SET_UP, OUTDATED, DatabaseNotReady
from caas.plugins import Plugins

UPGRADE = "run `caas db upgrade`"


def unready_database(problem: DatabaseNotReady, config: dict) -> str:
    """``problem`` explained, naming the setting of ``config`` that points at the database."""
    url = make_url(problem.url)
    control = problem.url == make_url(config.get("CAAS_DATABASE_URL", "sqlite://")
                                      ).render_as_string(hide_password=True)
    setting = "CAAS_DATABASE_URL" if control else "CAAS_TENANT_DATABASE_URL"
    at = f"the database at {problem.url}"
    if problem.reason == NOT_SET_UP:
        return f"{at} is not set up; {UPGRADE}"
    if problem.reason == OUTDATED:
        return f"{at} is at an older revision than this release ({problem.detail}); {UPGRADE}"
    if problem.reason == MISSING:
        if control:
            return (f"{at} does not exist; create it (`createdb {url.database}` on that "
                    f"server) or point {setting} at another")
        return f"{at} does not exist; {UPGRADE}, which creates every tenant's database"
    if url.get_backend_name() == "sqlite":
        return (f"cannot open {at} ({problem.detail}); check that its folder exists and is "
                f"writable, or point {setting} at another file")
    return f"cannot reach {at} ({problem.detail}); start the server or correct {setting}"


def unknown_tenant(slug: str) -> str:
    return f"unknown tenant {slug!r}; `caas tenants list` lists the tenants"


def plugin_problem(plugins: Plugins) -> str | None:
    """Why the plugins the settings ask for are not all there, or ``None``."""
    if plugins.not_installed:
        names = " or ".join(repr(name) for name in sorted(plugins.not_installed))
        return (f"no installed plugin is named {names} (CAAS_PLUGINS asks for it); install its "
                f"distribution (`{sys.executable} -m pip install <distribution>`) or take the "
                "name out of CAAS_PLUGINS")
    for record in plugins.loaded.values():
        if record.error:
            error = " ".join(record.error.split())
            return (f"plugin {record.name!r} ({record.distribution}) {error}; fix or uninstall "
                    f"{record.distribution}, or leave {record.name!r} out of CAAS_PLUGINS")
    return None

"""The ``caas`` command: Flask's CLI plus the platform's own commands, a module per group."""
from __future__ import annotations

import click

from caas import __version__
from caas.entrypoints.cli import (billing, db, demo, plugins, run, sandboxes, seed, sweeps,
                                  tenants, users, worker)
from caas.entrypoints.cli.base import CaasGroup


main = click.version_option(__version__, prog_name="caas")(
    CaasGroup(help="CaaS platform command line."))

for command in (run.run, db.db, tenants.tenants, users.operators, users.users, seed.seed,
                worker.worker, worker.outbox, sweeps.ota, sweeps.payments, sweeps.maintenance,
                billing.billing, sandboxes.sandboxes, demo.demo, plugins.plugins):
    main.add_command(command)

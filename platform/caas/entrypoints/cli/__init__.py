"""The ``caas`` command: Flask's CLI plus the platform's own commands."""
from __future__ import annotations

import os
import sys
import time
import tomllib
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo, routes_command, shell_command, with_appcontext
from flask_smorest.spec import openapi_cli

from caas import __version__
from caas.entrypoints.http.app import create_app


def _platform():
    return current_app.extensions["caas"]


class CaasGroup(FlaskGroup):
    def __init__(self, **kwargs):
        super().__init__(create_app=lambda: create_app(), add_default_commands=False,
                         add_version_option=False, load_dotenv=False, set_debug_flag=False,
                         **kwargs)
        # Flask's --app, --env-file and --debug: the app is always the platform, configured
        # from CAAS_* variables (python-dotenv is not installed), so they only confuse --help.
        self.params = []
        self.add_command(routes_command)
        self.add_command(shell_command)
        # flask-smorest adds it to the app's commands; here it is listed without building one.
        self.add_command(openapi_cli)
        self._plugin_commands_added = False

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        finally:
            # Release database connections when the command ends, not at interpreter exit.
            app = getattr(ctx.find_object(ScriptInfo), "_loaded_app", None)
            if app is not None:
                app.extensions["caas"].close()

    def list_commands(self, ctx):
        # Not FlaskGroup's: it builds the app (logging, databases, sandboxes) just for --help.
        self._add_plugin_commands()
        return click.Group.list_commands(self, ctx)

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is None:
            self._add_plugin_commands()
            command = super().get_command(ctx, name)
        return command

    def _add_plugin_commands(self):
        if not self._plugin_commands_added:
            self._plugin_commands_added = True
            from caas import config as configuration
            from caas.plugins import Plugins
            settings = configuration.from_environment(configuration.defaults("instance"))
            Plugins(configuration.allowed_plugins(settings)).load().call_each(
                "register_commands", cli=self)


main = click.version_option(__version__, prog_name="caas")(
    CaasGroup(help="CaaS platform command line."))


def _fail(message: str):
    raise click.ClickException(message)


def _service_call(function, *args, **kwargs):
    from caas.service_layer.errors import ServiceError
    try:
        return function(*args, **kwargs)
    except ServiceError as exc:
        # The command line speaks English: the messages' str().
        details = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in exc.errors.items())
        _fail(f"{exc.message} {details}".strip())


def _password_option(function):
    return click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
                        help="Prompted for when omitted.")(function)


# --- run --------------------------------------------------------------------


@main.command("run")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", 5000)),
              show_default="PORT or 5000")
@with_appcontext
def run(host, port):
    """Serve the platform; on the embedded broker, with its worker in process."""
    from werkzeug.serving import run_simple
    app = current_app._get_current_object()
    if app.config["CAAS_BROKER_URL"].startswith("memory://"):
        from caas.entrypoints.worker.embedded import EmbeddedWorker
        EmbeddedWorker(app, app.extensions["caas_broker"]).start()
    base = f"http://{host}:{port}"
    click.secho(f"CaaS platform on {base}", fg="green", bold=True)
    click.echo(f"  API docs (Swagger UI): {base}/api/v1/docs")
    click.echo(f"  OpenAPI document:      {base}/api/v1/openapi.json")
    _print_demo_accounts(Path("tenants"))
    click.echo("\nPress Ctrl+C to stop.")
    run_simple(host, port, app, threaded=True, use_reloader=False)


def _print_demo_accounts(folder: Path) -> None:
    if not folder.is_dir():
        return
    platform_file = folder / "platform.toml"
    if platform_file.exists():
        click.echo("\nDemo accounts:")
        for operator in tomllib.loads(platform_file.read_text())["operators"]:
            click.echo(f"  operator              {operator['email']} / {operator['password']}")
    for path in sorted(folder.glob("*.toml")):
        if path.name == "platform.toml":
            continue
        data = tomllib.loads(path.read_text())
        for user in data.get("users", []):
            click.echo(f"  {data['slug']:<8} {user['role']:<12} {user['email']} / "
                       f"{user['password']}   (X-Tenant: {data['slug']})")


# --- db ---------------------------------------------------------------------


@main.group()
def db():
    """Database migrations."""


@db.command("upgrade")
@with_appcontext
def db_upgrade():
    """Upgrade the control plane and every tenant database to the head revision."""
    from caas.adapters.sql import migrations
    platform = _platform()
    migrations.upgrade(platform.control_engine, "control")
    click.echo("control plane: at head")
    tenants = platform.tenants()
    failures = {}
    with click.progressbar(tenants, label="tenant databases", show_pos=True,
                           item_show_func=lambda t: t.slug if t else "") as bar:
        for tenant in bar:
            try:
                platform.tenant_engines.create_database(tenant.slug)
                migrations.upgrade(platform.tenant_engines.get(tenant.slug), "tenant")
            except Exception as exc:  # report and go on with the others
                failures[tenant.slug] = f"{type(exc).__name__}: {exc}"
    for slug, error in failures.items():
        click.secho(f"  {slug}: FAILED {error}", fg="red", err=True)
    click.echo(f"{len(tenants) - len(failures)} of {len(tenants)} tenant databases at head")
    if failures:
        sys.exit(1)


# --- tenants, operators, users ------------------------------------------------


@main.group()
def tenants():
    """Tenants of the platform."""


@tenants.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--country", required=True, help="ISO code of a loaded country plugin.")
@click.option("--locale", "locales", multiple=True, help="Repeat for several; default: the country's.")
@click.option("--currency")
@with_appcontext
def tenants_create(slug, name, country, locales, currency):
    """Create a tenant and its database."""
    from caas.service_layer.tenants import create_tenant
    tenant = _service_call(create_tenant, _platform(), slug=slug, name=name, country=country,
                           locales=list(locales) or None, currency=currency)
    click.echo(f"created {tenant.slug} ({tenant.country}, {tenant.currency}, "
               f"{', '.join(tenant.locales)})")


@tenants.command("list")
@with_appcontext
def tenants_list():
    """List tenants."""
    for tenant in _platform().tenants():
        click.echo(f"{tenant.slug:<24} {tenant.country}  {tenant.currency}  {tenant.status:<12} "
                   f"{', '.join(tenant.locales)}  {tenant.name}")


@main.group()
def operators():
    """Platform operators."""


@operators.command("create")
@click.option("--email", required=True)
@_password_option
@click.option("--name", default="")
@with_appcontext
def operators_create(email, password, name):
    """Create an operator account."""
    from caas.service_layer.users import create_operator
    _service_call(create_operator, _platform(), email, password, name)
    click.echo(f"operator {email} created")


@main.group()
def users():
    """Tenant users."""


@users.command("create")
@click.option("--tenant", "slug", required=True)
@click.option("--role", type=click.Choice(["admin", "employee"]), required=True)
@click.option("--email", required=True)
@_password_option
@click.option("--name", default="")
@click.option("--locale")
@with_appcontext
def users_create(slug, role, email, password, name, locale):
    """Create an admin or employee in a tenant."""
    from caas.service_layer.users import provision_user
    from caas.tenancy import UnknownTenant, tenant_context
    try:
        tenant = _platform().tenant(slug)
    except UnknownTenant:
        _fail(f"unknown tenant {slug!r}")
    with tenant_context(tenant):
        _service_call(provision_user, _platform().for_tenant(tenant), email=email, role=role,
                      name=name or email, locale=locale, password=password)
    click.echo(f"{role} {email} created in {slug}")


# --- seed, worker, outbox -------------------------------------------------------


@main.command()
@click.option("--folder", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default="tenants", show_default=True)
@with_appcontext
def seed(folder):
    """Create the tenants, accounts, models and plans of ``tenants/*.toml`` that do not exist."""
    from caas.entrypoints.tooling.seeding import seed_folder
    files = sorted(folder.glob("*.toml"))
    with click.progressbar(files, label="seeding", item_show_func=lambda p: p.name if p else "") as bar:
        created = _service_call(seed_folder, _platform(), bar)
    click.echo(f"created {created['tenants']} tenants, {created['accounts']} accounts, "
               f"{created['models']} models, {created['plans']} plans, "
               f"{created['options']} catalog options")


@main.command()
@click.option("--processes", "-p", type=int, default=None, help="Default: one per CPU.")
@click.option("--threads", "-t", type=int, default=8, show_default=True)
@click.option("--queues", "-Q", multiple=True)
def worker(processes, threads, queues):
    """Run dramatiq workers for this app (needs a Redis or RabbitMQ CAAS_BROKER_URL)."""
    if os.environ.get("CAAS_BROKER_URL", "memory://").startswith("memory://"):
        _fail("caas worker needs CAAS_BROKER_URL (redis:// or amqp://); the embedded "
              "default runs its worker inside `caas run`")
    # A thread that finds no pooled connection opens one and closes it after its job: a new
    # PostgreSQL backend per job, which measured 3/4 of the database's CPU per activation.
    os.environ.setdefault("CAAS_TENANT_POOL_SIZE", str(threads))
    args = [sys.executable, "-m", "dramatiq", "caas.entrypoints.worker.process", "--threads", str(threads)]
    if processes:
        args += ["--processes", str(processes)]
    for queue in queues:
        args += ["--queues", queue]
    os.execv(sys.executable, args)


@main.group()
def outbox():
    """The transactional outbox."""


@outbox.command("relay")
@click.option("--every", type=float, default=0, help="Repeat every N seconds (0: once).")
@click.option("--older-than", type=int, default=5, show_default=True,
              help="Only jobs at least this many seconds old.")
@with_appcontext
def outbox_relay(every, older_than):
    """Send unfinished outbox jobs of every tenant to the broker."""
    from caas.entrypoints.worker.fanout import relay
    while True:
        sent = relay(_platform(), older_than)
        click.echo(f"relayed {sent} jobs")
        if not every:
            return
        time.sleep(every)


@main.group()
def ota():
    """Over-the-air activations."""


@ota.command("sweep")
@click.option("--every", type=float, default=0, help="Repeat every N seconds (0: once).")
@with_appcontext
def ota_sweep(every):
    """Resume activations whose retry was lost or whose worker died."""
    from caas.entrypoints.worker.fanout import sweep
    while True:
        click.echo(f"resumed {sweep(_platform())} activations")
        if not every:
            return
        time.sleep(every)


def _gateway_shared_or_fail() -> None:
    """Refuse to ask a gateway of this process's own: with the embedded sandboxes, the
    charges live in the ``caas run`` process, and a lookup here would find none of them."""
    if _platform().external.payments_in_process():
        _fail("the payments sandbox lives in the `caas run` process, which reconciles every "
              "few seconds by itself; set CAAS_PAYMENTS_URL to reconcile from here")


@main.group()
def payments():
    """Payments whose outcome is not known yet."""


@payments.command("reconcile")
@click.option("--every", type=float, default=0, help="Repeat every N seconds (0: once).")
@with_appcontext
def payments_reconcile(every):
    """Ask the gateway, by key, about every payment whose answer was lost, every hold nothing
    will capture, every unconfirmed month-end charge, and news about unknown payments."""
    from caas.entrypoints.worker.fanout import reconcile_payments
    _gateway_shared_or_fail()
    while True:
        click.echo(f"looked at {reconcile_payments(_platform())} payments")
        if not every:
            return
        time.sleep(every)


@main.group()
def maintenance():
    """Maintenance reminders from the VSS."""


@maintenance.command("remind")
@click.option("--every", type=float, default=0, help="Repeat every N seconds (0: once).")
@click.option("--tenant", "slugs", multiple=True, help="Only these tenants (repeat); default: all.")
@with_appcontext
def maintenance_remind(every, slugs):
    """Queue one reminder job per tenant: owners whose maintenance is due are notified once."""
    from caas.entrypoints.worker.fanout import schedule_reminders
    while True:
        click.echo(f"queued the reminders of {schedule_reminders(_platform(), slugs or None)} "
                   "tenants")
        if not every:
            return
        time.sleep(every)


# --- month-end billing -----------------------------------------------------------------


@main.group()
def billing():
    """Month-end billing of subscriptions."""


def _tenant_or_fail(slug):
    from caas.tenancy import UnknownTenant
    try:
        return _platform().tenant(slug)
    except UnknownTenant:
        _fail(f"unknown tenant {slug!r}")


@billing.command("run")
@click.option("--tenant", "slug", required=True, help="The tenant's slug.")
@click.option("--period", required=True, help="The month to bill, YYYY-MM (it must be over).")
@click.option("--batch-size", type=int, default=None, help="Customers per batch (transaction).")
@with_appcontext
def billing_run(slug, period, batch_size):
    """Bill a tenant's month now, in this process; a month already billed bills nothing again."""
    from caas.domain.billing import InvalidPeriod, Period
    from caas.service_layer.billing import runs, views
    from caas.tenancy import tenant_context
    try:
        month = Period.parse(period)
    except InvalidPeriod as exc:
        raise click.BadParameter(str(exc), param_hint="--period")
    tenant = _tenant_or_fail(slug)
    ctx = _platform().for_tenant(tenant)
    with tenant_context(tenant):
        plan = _service_call(runs.plan_run, ctx, month, trigger="cli", batch_size=batch_size)
        customers = sum(len(batch) for batch in plan.batches)
        with click.progressbar(length=customers, label=f"billing {slug} {month}",
                               show_pos=True) as bar:
            for batch in plan.batches:
                runs.bill_batch(ctx, plan.run_id, month, batch)
                bar.update(len(batch))
        outcome = views.run_view(ctx, plan.run_id)
    amounts = ", ".join(f"{money.amount} {money.currency}" for money in outcome["amounts"])
    click.echo(f"run {outcome['id']}: {outcome['invoices']} invoices ({amounts or 'nothing'}); "
               + ", ".join(f"{count} {status}" for status, count in outcome["by_status"].items()))
    for failure in outcome["failures"]:
        click.secho(f"  {failure['number']}: {failure['status']} {failure['error'] or ''}",
                    fg="red", err=True)


@billing.command("reconcile")
@with_appcontext
def billing_reconcile():
    """Ask the gateway about every invoice whose charge went unanswered, in every tenant."""
    from caas.service_layer.billing import charging
    from caas.tenancy import tenant_context
    _gateway_shared_or_fail()
    looked = 0
    for tenant in _platform().tenants():
        if tenant.status == "active":
            with tenant_context(tenant):
                looked += charging.reconcile(_platform().for_tenant(tenant))
    click.echo(f"looked up {looked} invoices")


@billing.command("scheduler")
@click.option("--schedule", default=None,
              help="Cron fields (UTC) of the check; default CAAS_BILLING_SCHEDULE.")
@with_appcontext
def billing_scheduler(schedule):
    """Check every tenant for months to bill on a schedule (APScheduler), sending jobs.

    Each check sends one job per tenant; the job bills every month the tenant's clock
    closed that no run finished. Run one scheduler, or more for availability: a month
    is never billed twice, since every line is unique per (subscription, month).
    """
    from caas.entrypoints.worker import scheduler
    scheduler.blocking(_platform(), schedule or _platform().config["CAAS_BILLING_SCHEDULE"])


# --- sandboxes ----------------------------------------------------------------------


@main.group()
def sandboxes():
    """The external systems' sandboxes, shared over HTTP by several processes."""


def _seconds_or_off(value):
    if value is None or isinstance(value, float):
        return value
    return None if value.strip().lower() in ("", "none", "off") else float(value)


@sandboxes.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, required=True, help="0: a free port (printed).")
@click.option("--platform-url", help="The platform's web server, where the sandboxes send "
                                     "their signed webhooks; none are sent without it.")
@click.option("--smtp-port", type=int, default=None,
              help="Also serve the SMTP sandbox on this port (0: a free one).")
@click.option("--settle-seconds", default=None,
              help="Captured payments settle after this long, or 'off'; "
                   "default CAAS_SANDBOX_SETTLE_SECONDS.")
@click.option("--factory-step-seconds", default=None,
              help="The factory moves orders on this often, or 'off'; "
                   "default CAAS_SANDBOX_FACTORY_STEP_SECONDS.")
@click.option("--iot-failure-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Share of IoT commands that fail.")
@click.option("--seed", type=int, help="Seed of the IoT failure draws.")
@with_appcontext
def sandboxes_serve(host, port, platform_url, smtp_port, settle_seconds, factory_step_seconds,
                    iot_failure_rate, seed):
    """Serve payments, IoT, VSS, factory and registration sandboxes from one process.

    Webhook secrets are read from this environment's control database. Point the
    platform's processes at the printed CAAS_* settings.
    """
    from caas.sandboxes.server import SandboxServer, platform_environment, serve
    platform = _platform()
    config = current_app.config
    try:
        settle = _seconds_or_off(settle_seconds if settle_seconds is not None
                                 else config["CAAS_SANDBOX_SETTLE_SECONDS"])
        step = _seconds_or_off(factory_step_seconds if factory_step_seconds is not None
                               else config["CAAS_SANDBOX_FACTORY_STEP_SECONDS"])
    except ValueError as exc:
        _fail(f"--settle-seconds and --factory-step-seconds take seconds or 'off': {exc}")
    server = SandboxServer(platform.webhook_secret, platform_url, platform.plugins.countries,
                           settle_after=settle, factory_step_seconds=step,
                           iot_failure_rate=iot_failure_rate, seed=seed, smtp_port=smtp_port)

    def ready(base_url):
        click.echo(f"sandboxes on {base_url}; point the platform at them with:")
        for key, value in platform_environment(base_url, server.registration,
                                               server.smtp_address).items():
            click.echo(f"  {key}={value}")
        click.echo(f"webhooks to {platform_url or '(none: no --platform-url)'}", nl=True)
        sys.stdout.flush()

    serve(server, host, port, ready)


# --- demo -------------------------------------------------------------------------


@main.group()
def demo():
    """Scripted journeys against a running platform (``make run``)."""


def _walk_options(command):
    """The options of the demo walks: where the platform is, who acts, what is sold."""
    options = [
        click.option("--url", default=lambda: f"http://127.0.0.1:{os.environ.get('PORT', 5000)}",
                     show_default="http://127.0.0.1:$PORT, or :5000",
                     help="The running platform."),
        click.option("--tenant", "slug", default="es-demo", show_default=True),
        click.option("--folder", type=click.Path(file_okay=False, path_type=Path),
                     default="tenants", show_default=True,
                     help="Tenant files with the demo accounts."),
        click.option("--employee-email", help="Default: the tenant file's employee."),
        click.option("--employee-password"),
        click.option("--operator-email", help="Default: the first operator of platform.toml."),
        click.option("--operator-password"),
        click.option("--country", help="Default: the tenant file's, else asked of the platform."),
        click.option("--model", help="Vehicle model code; default: the cheapest."),
        click.option("--plan", help="Plan code; default: the one with the smallest reservation."),
        click.option("--option", "options", multiple=True,
                     help="Factory option code (repeat); default: the model's first."),
        click.option("--timeout", type=float, default=30.0, show_default=True,
                     help="Seconds per HTTP call, and to wait for an email or a status."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@demo.command("sale", with_appcontext=False)  # a client of the running platform
@_walk_options
def demo_sale(**walk):
    """Walk a sale to an app-linked vehicle over HTTP, printing each step and the order status.

    Needs the sandboxes (the default embedded mode). Exits non-zero at the first failed step.
    """
    from caas.entrypoints.tooling.demo import walk_sale
    _walk(walk_sale, walk)
    click.secho("\nThe sale is done: the vehicle is delivered and linked to the customer's app.",
                fg="green")


@demo.command("usage", with_appcontext=False)
@_walk_options
@click.option("--daily-quantity", default="0.800", show_default=True,
              help="GB of data the vehicle reports each day.")
def demo_usage(daily_quantity, **walk):
    """Walk a sale, then a premium-connectivity month whose data reaches the invoice.

    The customer subscribes, the telemetry sandbox reports the vehicle's daily data, the
    billing clock moves 45 days on (past the free trial and a month end) and the invoice's
    usage line is shown. The tenant must price the option's data (`caas seed` does).
    """
    from caas.entrypoints.tooling.demo import walk_usage
    _walk(walk_usage, walk, daily_quantity=daily_quantity)
    click.secho("\nThe month is billed: its data usage is on the invoice.", fg="green")


def _walk(walker, walk: dict, **extra) -> None:
    from caas.entrypoints.tooling.demo import Credentials, DemoFailed, demo_tenant, http_client
    folder, slug, timeout = walk["folder"], walk["slug"], walk["timeout"]
    known = demo_tenant(folder, slug)
    employee = _demo_credentials("employee", walk["employee_email"], walk["employee_password"],
                                 known.employee, f"{folder}/*.toml has no employee for {slug}")
    operator = _demo_credentials("operator", walk["operator_email"], walk["operator_password"],
                                 known.operator, f"{folder}/platform.toml has no operator")
    with http_client(walk["url"], timeout) as client:
        try:
            walker(client, tenant=slug, country=walk["country"] or known.country,
                   employee=Credentials(*employee), operator=Credentials(*operator),
                   model=walk["model"], plan=walk["plan"], options=list(walk["options"]) or None,
                   customer=known.customer, mail_timeout=min(timeout, 10.0),
                   status_timeout=timeout, **extra)
        except DemoFailed as failed:
            click.secho(f"\nFAILED: {failed}", fg="red", err=True)
            sys.exit(1)


def _demo_credentials(role, email, password, known, missing):
    if known is not None and (email is None or email == known.email):
        return email or known.email, password or known.password
    if email is None or password is None:
        _fail(f"{missing}: pass --{role}-email and --{role}-password")
    return email, password


# --- plugins ------------------------------------------------------------------------


@main.group()
def plugins():
    """Plugin authors' tools."""


@plugins.group("new")
def plugins_new():
    """Lay out a new plugin distribution, its required pieces marked FILL_IN."""


def _scaffolded(make, name: str, output: Path | None, default: str):
    from caas.entrypoints.tooling.scaffold import ScaffoldError
    target = output or Path(default)
    try:
        make(name, target)
    except ScaffoldError as exc:
        _fail(str(exc))
    markers = sum(path.read_text(encoding="utf-8").count('FILL_IN("')
                  for path in target.rglob("*.py"))
    click.echo(f"created {target}/ with {markers} FILL_IN markers to complete:")
    click.echo(f"  grep -rn 'FILL_IN(\"' {target}")
    click.echo(f"then: pip install -e {target} && python -m pytest {target}/tests")


@plugins_new.command("country", with_appcontext=False)
@click.argument("code")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to create; default ./caas-country-<code>.")
def plugins_new_country(code, output):
    """A country plugin for CODE (ISO 3166-1 alpha-2), with its registration body."""
    from caas.entrypoints.tooling.scaffold import new_country
    _scaffolded(new_country, code, output, f"caas-country-{code.lower()}")


@plugins_new.command("option", with_appcontext=False)
@click.argument("name")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to create; default ./caas-option-<name>.")
def plugins_new_option(name, output):
    """A catalog-option plugin NAME (lower case, '_' between words)."""
    from caas.entrypoints.tooling.scaffold import new_option
    _scaffolded(new_option, name, output, f"caas-option-{name.replace('_', '-').lower()}")

"""The plugin contract: every hook a CaaS plugin may implement.

Implementations may accept fewer arguments than a spec declares, so specs only
ever gain arguments. An argument on its way out is declared with
``@hookspec(warn_on_impl_args=deprecated_arguments(old="why and what instead"))``:
pluggy warns every plugin that still accepts it, one plugin-API minor version
before a major version removes it. Event hooks run after the change that caused them has
committed, in a background job of the tenant concerned, which they receive as
its slug (``tenant``); an event hook that raises is logged against its plugin and
does not undo the change.
"""
from __future__ import annotations

from collections.abc import Mapping
from os import PathLike
from typing import TYPE_CHECKING, Any, Literal

from pluggy import HookspecMarker

if TYPE_CHECKING:  # for the annotations only: the contract imports nothing it calls
    import click
    import flask
    import marshmallow

    from caas.domain.catalog import CatalogOption
    from caas.domain.countries import Country

hookspec = HookspecMarker("caas")


class HookArgumentDeprecated(DeprecationWarning):
    """A plugin's hook implementation accepts an argument that is going away."""


def deprecated_arguments(**reasons: str) -> dict[str, HookArgumentDeprecated]:
    """``warn_on_impl_args`` for :data:`hookspec`: one warning per deprecated argument."""
    return {name: HookArgumentDeprecated(f"hook argument {name!r} is deprecated: {reason}")
            for name, reason in reasons.items()}


# --- Registration: called once at start-up -------------------------------


@hookspec
def register_countries() -> list[Country] | None:
    """Return a list of :class:`caas.Country` objects this plugin provides.

    :returns: a list of countries (usually one per plugin).
    """


@hookspec
def register_catalog_options() -> list[CatalogOption] | None:
    """Return a list of :class:`caas.CatalogOption` objects this plugin provides.

    :returns: a list of catalog options.
    """


@hookspec
def register_translations() -> list[str | PathLike[str]] | None:
    """Return folders of compiled message catalogs this plugin ships.

    Each folder holds ``<language>/LC_MESSAGES/messages.mo`` (what ``pybabel compile``
    writes). Their messages join the platform's own for every text it renders; where
    both translate the same message, the platform's translation is used.

    :returns: a list of folder paths (``str`` or :class:`pathlib.Path`).
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``caas`` command-line tool.

    :param cli: the root :class:`click.Group`; call ``cli.command()`` on it.
    """


@hookspec
def register_plugin_settings() -> type[marshmallow.Schema] | marshmallow.Schema | None:
    """Return a :class:`marshmallow.Schema` of the per-tenant settings this plugin takes.

    Tenant administrators read and set them through
    ``/api/v1/plugins/{name}/settings``. Fields declared ``load_only=True`` are
    secrets: written, never returned, masked in the audit log.

    :returns: a schema class or instance, or ``None`` for no settings.
    """


# --- Lifecycle -------------------------------------------------------------


@hookspec
def startup(app: flask.Flask) -> None:
    """Prepare the plugin once the application is configured.

    :param app: the :class:`flask.Flask` application.
    """


# --- Events: called after commit, in the tenant's background job -----------


@hookspec
def tenant_created(tenant: str) -> None:
    """React to a new tenant whose database exists and is migrated.

    :param tenant: the tenant's slug.
    """


@hookspec
def user_provisioned(tenant: str, user: Mapping[str, Any]) -> None:
    """React to a new staff member or customer account.

    :param tenant: the tenant's slug.
    :param user: mapping with ``id``, ``email``, ``role``, ``locale`` (never the password).
    """


@hookspec
def order_status_changed(tenant: str, order_id: int, old_status: str | None,
                         new_status: str) -> None:
    """React to an order moving through its lifecycle.

    :param tenant: the tenant's slug.
    :param order_id: the order's id.
    :param old_status: the previous state, ``None`` for a new order.
    :param new_status: the state it is in now.
    """


@hookspec
def vehicle_registered(tenant: str, vin: str, plate: str) -> None:
    """React to a vehicle registered with the country's administration.

    :param tenant: the tenant's slug.
    :param vin: vehicle identification number.
    :param plate: the licence plate returned by the registration body.
    """


@hookspec
def service_activated(tenant: str, service_id: int, vin: str, option: str) -> None:
    """React to a catalog option confirmed active on a vehicle.

    :param tenant: the tenant's slug.
    :param service_id: the purchased service's id.
    :param vin: the vehicle.
    :param option: the option's code.
    """


@hookspec
def service_activation_failed(tenant: str, service_id: int, vin: str, option: str,
                              error: str) -> None:
    """React to an activation that failed for good (the payment was released).

    :param tenant: the tenant's slug.
    :param service_id: the purchased service's id.
    :param vin: the vehicle.
    :param option: the option's code.
    :param error: a human-readable description of the last failure.
    """


@hookspec
def payment_settled(tenant: str, payment_id: str,
                    outcome: Literal["settled", "failed"]) -> None:
    """React to the gateway's settlement of a payment.

    :param tenant: the tenant's slug.
    :param payment_id: the gateway's payment id.
    :param outcome: ``"settled"`` or ``"failed"``.
    """


@hookspec
def invoice_issued(tenant: str, invoice_id: int, number: str) -> None:
    """React to an invoice or credit note being issued.

    :param tenant: the tenant's slug.
    :param invoice_id: the invoice's id.
    :param number: its gapless number, formatted.
    """

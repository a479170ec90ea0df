"""``caas demo sale``: one vehicle sale, from the dealership to an app-linked vehicle, over HTTP;
``caas demo usage``: then a premium-connectivity month whose data reaches the invoice.

Everything goes through the REST contract and the ``/sandbox`` control routes, as any client
would: an employee registers the sale and takes the payments, the operator drives the factory
sandbox and reads the sandbox mailbox, and the customer signs in with the emailed credentials
and links the mobile app. :func:`walk_sale` takes an ``httpx.Client`` whose base URL is the
platform (in the tests, one bound to the app with ``httpx.WSGITransport``). :func:`walk_usage`
goes on: the customer subscribes to premium connectivity, the telemetry sandbox plays the
vehicle's daily data, the operator moves the tenant's billing clock past the free trial and
a month end, and the customer reads the invoice with its usage line.
"""
from __future__ import annotations

import random
import time
from typing import Callable

import click
import httpx

from caas.entrypoints.tooling.demo_accounts import Credentials, demo_tenant
from caas.entrypoints.tooling.demo_sale import SaleWalk
from caas.entrypoints.tooling.demo_text import DemoFailed
from caas.entrypoints.tooling.demo_usage import UsageWalk

#: What ``caas demo`` and its tests use; the walks themselves are in ``demo_sale`` and
#: ``demo_usage``.
__all__ = ["Credentials", "DemoFailed", "demo_tenant", "http_client", "walk_sale", "walk_usage"]


def http_client(url: str, timeout: float) -> httpx.Client:
    """The client ``caas demo`` talks to the platform with."""
    return httpx.Client(base_url=url, timeout=timeout)


def walk_sale(client: httpx.Client, *, tenant: str, employee: Credentials,
              operator: Credentials, country: str | None = None, model: str | None = None,
              plan: str | None = None, options: list[str] | None = None,
              customer: dict | None = None, echo: Callable[[str], None] = click.echo,
              wait: Callable[[float], None] = time.sleep,
              mail_timeout: float = 10.0, status_timeout: float = 60.0,
              rng: random.Random | None = None) -> dict:
    """Walk one sale to an app-linked vehicle, printing each step; raise :class:`DemoFailed`.

    ``wait(seconds)`` is called between polls (the mailbox, an order on its way to a status);
    ``country`` defaults to the tenant's, looked up with the operator's token. The customer
    is a new person (:func:`caas.entrypoints.tooling.demo_customers.new_customer`, drawing
    from ``rng``) with the contact details of ``customer`` (a tenant file's
    ``[demo_customer]``) or the country's. Returns the final order, the customer (name, tax id, email and password),
    and the linked vehicle.
    """
    return SaleWalk(client, tenant, employee, operator, country, model, plan, options, echo,
                    wait, mail_timeout, status_timeout, customer, rng).run()


def walk_usage(client: httpx.Client, *, daily_quantity: str = "0.800", **walk) -> dict:
    """:func:`walk_sale`, then a premium-connectivity month with ``daily_quantity`` GB a day
    reaching the invoice; returns the sale's result with the ``invoice``."""
    arguments = dict(echo=click.echo, wait=time.sleep, mail_timeout=10.0, status_timeout=60.0,
                     country=None, model=None, plan=None, options=None, customer=None, rng=None)
    arguments.update(walk)
    return UsageWalk(client, arguments.pop("tenant"), arguments.pop("employee"),
                     arguments.pop("operator"), daily_quantity=daily_quantity,
                     **arguments).run()

"""Names of what the billing pages show (runs, their triggers, invoices), in the reader's
language; a value the platform does not name yet is shown as it is."""
from __future__ import annotations

from caas.entrypoints.web.customer.record_labels import INVOICE_KIND, INVOICE_STATUS, named
from caas.i18n import lazy_gettext

__all__ = ["INVOICE_KIND", "INVOICE_STATUS", "RUN_STATUS", "TRIGGER", "named"]

RUN_STATUS = {"running": lazy_gettext("Running"), "finished": lazy_gettext("Finished")}

#: Who started a run.
TRIGGER = {"api": lazy_gettext("through the API"), "web": lazy_gettext("from the console"),
           "cli": lazy_gettext("from the command line"),
           "schedule": lazy_gettext("by the schedule"),
           "clock": lazy_gettext("by the test clock")}

"""Subscriptions and month-end billing ("mes vencido"), invoices and credit notes.

The rules are the domain's (:mod:`caas.domain.billing`); the modules of this package apply
them, one concept each:

* :mod:`.subscriptions`: a monthly service the vehicle confirmed becomes a subscription;
  cancelling one, reminding of a trial's end, ending what is due;
* :mod:`.runs`: a month is billed once it has ended in the tenant's time zone, by the
  tenant's billing clock (:mod:`caas.service_layer.clock`), in batches of customers. Each
  batch's invoices, lines and numbers are written in one transaction; the unique
  (subscription, period) line is the guard that makes a second run, or two at once, bill
  nothing twice;
* :mod:`.charging`: each invoice is charged through the gateway with a key derived from its
  number, several at a time; an unanswered charge is left ``unconfirmed`` and
  :func:`~.charging.reconcile` asks the gateway what happened before anything is sent again.
  The receipts of a batch's paid invoices are one job, so that messaging customers is not
  on the run's path;
* :mod:`.unpaid`: a refused charge cancels its subscriptions, switches them off over the air
  and tells the customer;
* :mod:`.pricing`: VAT, monthly and usage prices, and moving subscriptions to a new price;
* :mod:`.numbering`, :mod:`.purchases`, :mod:`.credit_notes`: gapless numbers, the invoice
  of a one-time purchase, and credit notes with their refunds;
* :mod:`.views`: invoices and runs as the API and the pages read them;
* :mod:`.notices`: what customers are told.
"""



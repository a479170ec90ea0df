"""Repositories of billing, one module per concept as in the service layer: subscriptions,
invoices with their lines and numbers, billing runs.

Month-end billing is set-based: a batch of subscriptions is read in one query,
its invoices and lines are written with one multi-row insert each, and its
numbers are taken from the counter with one update. Subscriptions and invoices are read
as the domain's entities; lines, runs and the customers' billing details as plain rows.
"""



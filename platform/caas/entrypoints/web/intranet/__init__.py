"""The dealership Intranet (employees, and the tenant's admins): sales operations."""
from caas.entrypoints.web.intranet import orders, sale, stock, tickets, work_queue  # noqa: F401

"""The customer Web Platform: vehicles, their catalog, services, and the records of both."""
from caas.entrypoints.web.customer import (catalog, documents, invoices, maintenance,  # noqa: F401
                                           notifications, services, vehicles)

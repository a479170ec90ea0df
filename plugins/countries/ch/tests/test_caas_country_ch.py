"""The conformance kit, run against this plugin alone."""
from caas.testing import CountryConformance


class TestConformance(CountryConformance):
    plugin = "ch"
    # The cantonal office needs the holder's canton: Zürich's postal code gives it.
    address = {"street": "Bahnhofstrasse 1", "city": "Zürich", "postal_code": "8001"}

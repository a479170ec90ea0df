"""The conformance kit, run against this plugin alone."""
from caas.testing import CountryConformance


class TestConformance(CountryConformance):
    plugin = "es"

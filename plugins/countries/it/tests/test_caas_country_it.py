"""The conformance kit, run against this plugin alone (see caas.testing)."""
from caas.testing import CountryConformance


class TestConformance(CountryConformance):
    plugin = "it"

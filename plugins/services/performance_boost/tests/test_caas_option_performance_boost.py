"""The conformance kit, run against this plugin alone."""
from caas.testing import OptionConformance


class TestConformance(OptionConformance):
    plugin = "performance_boost"

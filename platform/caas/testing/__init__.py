"""The plugin conformance kit: what every country and catalog-option plugin must satisfy.

Installed with the core and registered with pytest through the ``pytest11`` entry
point, so a plugin's own test file needs nothing but::

    from caas.testing import CountryConformance


    class TestItaly(CountryConformance):
        plugin = "it"  # the plugin's entry-point name

The fixtures (:mod:`caas.testing.fixtures`) start the platform with only that
plugin loaded, on a throwaway SQLite instance with the in-process sandboxes.
"""
from caas.testing.conformance import CountryConformance, OptionConformance

__all__ = ["CountryConformance", "OptionConformance"]

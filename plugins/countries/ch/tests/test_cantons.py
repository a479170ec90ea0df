"""The postal-code table the canton of a Swiss address comes from."""
import pytest

from caas_country_ch.cantons import CANTONS, RANGES, cantons_of


def test_the_ranges_are_ordered_apart_and_name_real_cantons():
    for (first, last, cantons), following in zip(RANGES, RANGES[1:] + ((10_000, 0, ""),)):
        assert 1000 <= first <= last < following[0], (first, last)
        named = cantons.split()
        assert named and set(named) <= set(CANTONS) and len(set(named)) == len(named), cantons


def test_every_canton_has_postal_codes_of_its_own():
    alone = {cantons for _, _, cantons in RANGES if " " not in cantons}
    assert alone == set(CANTONS)


@pytest.mark.parametrize("postal_code, cantons", [
    ("8001", ("ZH",)), ("1000", ("VD",)), ("1299", ("GE", "VD")), ("4126", ("BS",)),
    ("9490", ()), ("0999", ()), ("80010", ()), ("80a1", ()), ("", ()),
])
def test_a_postal_code_lies_in_the_cantons_of_its_range(postal_code, cantons):
    assert cantons_of(postal_code) == cantons

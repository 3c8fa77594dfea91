"""What kind of thing a span of text names: figures, dates, places, organisations, people.

Answering uses these to check that a sentence holds the kind of answer a question
asks for; briefing uses them for key figures and organisations. Rule-based and
general: word lists describe English and the world, never this corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .terms import fold, similar_words

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
_MONTH_RE = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
NUMBER_WORDS = {
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty",
    "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "hundreds", "thousand", "thousands",
    "million", "millions", "billion", "billions", "dozen", "dozens", "half",
}
_UNIT = r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?)"
_NUMBER = r"(?:\d[\d,]*(?:\.\d+)?\+?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"

# 1000-2099: history answers "when" with 1562 as often as news does with 2021.
YEAR = re.compile(r"\b(?:1\d\d\d|20\d\d)s?\b")
_ORDINAL_WORDS = "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|twenty-first"
CENTURY = re.compile(r"\b(?:\d{1,2}(?:st|nd|rd|th)|" + _ORDINAL_WORDS + r")[\s-]+(?:century|centuries|millennium)\b", re.IGNORECASE)
MONEY = re.compile(
    r"(?:[$€£]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:million|billion|trillion|thousand|[mbk]n?)\b)?"
    # "pounds" is money unless it weighs something ("4,500 pounds of fentanyl").
    r"|\b\d[\d,]*(?:\.\d+)?\s?(?:million|billion|trillion)?\s?(?:dollars|euros|pounds sterling|pounds(?!\s+of\b)|kroner|kronor|krona"
    r"|yen|yuan|rupees|francs|pesos|rubles|roubles|dinars|USD|EUR|GBP)\b"
    r"|\bmulti-?(?:million|billion|trillion)-dollar\b|\b(?:million|billion|trillion)-dollar\b)",
    re.IGNORECASE,
)
PERCENT = re.compile(r"\b\d[\d,]*(?:\.\d+)?\s?(?:%|percent\b|per cent\b)", re.IGNORECASE)
COUNT = re.compile(r"\b" + _NUMBER + r"\b(?!\s?%)", re.IGNORECASE)
DIGITS = re.compile(r"\d[\d,]*(?:\.\d+)?\+?")
DATE = re.compile(
    r"\b" + _MONTH_RE + r"\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?\b|\b\d{1,2}\s+" + _MONTH_RE + r"\b(?:\s+\d{4})?"
    r"|\b" + _MONTH_RE + r"\s+\d{4}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(?:1[89]|20)\d\d-\d\d-\d\d\b"
)
MONTH = re.compile(r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b")
RELATIVE_TIME = re.compile(
    r"\b(?:last|past|previous|next|this|coming)\s+(?:\w+\s+)?(?:week|month|year|decade|quarter|spring|summer|autumn|fall|winter)s?\b"
    r"|\b(?:yesterday|today|recently|since|ago)\b|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b",
    re.IGNORECASE,
)
DURATION = re.compile(r"\b" + _NUMBER + r"[\s-]+(?:\w+\s+)?" + _UNIT + r"\b|\b(?:a|an|several|few)\s+" + _UNIT + r"\b", re.IGNORECASE)

COUNTRIES = frozenset(fold(c) for c in """
afghanistan albania algeria andorra angola argentina armenia australia austria azerbaijan bahamas bahrain
bangladesh barbados belarus belgium belize benin bhutan bolivia bosnia botswana brazil brunei bulgaria burkina
burundi cambodia cameroon canada chad chile china colombia comoros congo croatia cuba cyprus czechia czech
denmark djibouti dominica dominican ecuador egypt salvador eritrea estonia eswatini ethiopia fiji finland france
gabon gambia georgia germany ghana greece grenada guatemala guinea guyana haiti honduras hungary iceland india
indonesia iran iraq ireland israel italy jamaica japan jordan kazakhstan kenya kiribati korea kosovo kuwait
kyrgyzstan laos latvia lebanon lesotho liberia libya liechtenstein lithuania luxembourg madagascar malawi
malaysia maldives mali malta mauritania mauritius mexico micronesia moldova monaco mongolia montenegro morocco
mozambique myanmar namibia nauru nepal netherlands nicaragua niger nigeria macedonia norway oman pakistan palau
panama paraguay peru philippines poland portugal qatar romania russia rwanda samoa senegal serbia seychelles
singapore slovakia slovenia somalia spain sri lanka sudan suriname sweden switzerland syria taiwan tajikistan
tanzania thailand togo tonga trinidad tunisia turkey turkmenistan tuvalu uganda ukraine uruguay uzbekistan vanuatu
venezuela vietnam yemen zambia zimbabwe uk britain england scotland wales usa us u.s. america
""".split()) | {"united states", "united kingdom", "el salvador", "costa rica", "sri lanka", "south africa", "new zealand", "saudi arabia", "puerto rico", "united arab emirates"}
# Words that make a capitalised phrase a region rather than a city or a country.
REGION_WORDS = frozenset("""america americas asia europe africa oceania caribbean pacific atlantic mediterranean arctic
middle east latin central northern southern eastern western border borders triangle region gulf coast""".split())
ORG_WORDS = frozenset("""department agency office bureau administration center centre cell force task operation operations
enforcement investigations investigation patrol guard police cartel council community security service services customs
protection immigration homeland federal national international institute university committee court congress ministry
commission union nations group team unit division program programme initiative campaign act crimes crime drug drugs
board party army navy corps association foundation company corporation bank treasury justice intelligence
interpol coalition network networks front gang gangs organization organisation authority house senate""".split())
_JOINERS = {"of", "de", "del", "la", "los", "las", "and", "for", "the", "y", "da", "do", "van", "von", "al", "el"}
_INITIALISM = re.compile(r"(?:[A-Za-z]\.){2,}$")
_TOKEN = re.compile(r"[“\"]?[A-Za-zÀ-ÿ0-9][\w’'.\-]*[”\"]?|\(|\)")


@dataclass(frozen=True)
class Name:
    """A capitalised phrase or acronym, with its offsets in the text it came from."""

    text: str
    start: int
    end: int

    @property
    def words(self) -> list[str]:
        return [fold(w).strip("“”\"'.’") for w in self.text.split()]

    @property
    def is_acronym(self) -> bool:
        return bool(re.fullmatch(r"[A-Z][A-Z0-9&.\-]{1,9}", self.text)) and sum(c.isupper() for c in self.text) >= 2


def _capitalised(token: str) -> bool:
    bare = token.strip("“”\"'")
    return bool(bare) and (bare[0].isupper() or bare[0].isdigit() and "-" in bare)


@lru_cache(maxsize=65536)
def names(text: str, *, skip_first_word: bool = False) -> tuple[Name, ...]:
    """Capitalised phrases ("Joint Task Force Alpha", "Tren de Aragua") and acronyms ("HSI")."""
    found: list[Name] = []
    tokens = list(_TOKEN.finditer(text))
    i = 0
    while i < len(tokens):
        token = tokens[i].group()
        first_of_sentence = i == 0 or (i > 0 and re.search(r"[.!?:]\s*$", text[tokens[i - 1].start() : tokens[i].start()]) is not None)
        if not _capitalised(token) or (skip_first_word and i == 0) or token in "()" or len(token) == 1:
            i += 1
            continue
        j = i
        while j + 1 < len(tokens):
            current, nxt = tokens[j].group(), tokens[j + 1].group()
            gap = text[tokens[j].end() : tokens[j + 1].start()]
            if gap not in (" ", "") or nxt in "()" or current.endswith(("”", '"', ",", "’s", "'s")):
                break  # a possessive ends a name: "ICE's San Francisco case" holds two
            if current.endswith(".") and not _INITIALISM.search(current):
                break  # "Mexico. This" ends one phrase; "U.S. Coast Guard" does not
            if _capitalised(nxt):
                j += 1
                continue
            after = tokens[j + 2] if j + 2 < len(tokens) else None
            joins = (
                nxt.lower() in _JOINERS
                and after is not None
                and _capitalised(after.group())
                and text[tokens[j + 1].end() : after.start()] == " "
                # "ICE and DHS", "hand HSI the El Chapo case": an acronym ends its name before these
                and not (nxt.lower() in ("and", "the") and (Name(current, 0, 0).is_acronym or _INITIALISM.search(current)))
            )
            if not joins:
                break
            j += 2
        start, end = tokens[i].start(), tokens[j].end()
        phrase = text[start:end].strip("“”\"")
        if not _INITIALISM.search(phrase):
            phrase = phrase.rstrip(".,;:’'")
        if phrase.endswith("’s") or phrase.endswith("'s"):
            phrase = phrase[:-2]
        single_common = i == j and first_of_sentence and not Name(phrase, 0, 0).is_acronym
        if phrase and not single_common:
            offset = text.find(phrase, start)
            found.append(Name(phrase, offset, offset + len(phrase)))
        i = j + 1
    return tuple(found)


def is_country(phrase: str) -> bool:
    return fold(phrase).strip(". ") in COUNTRIES or fold(phrase).removeprefix("the ") in COUNTRIES


def is_nationality(name: Name) -> bool:
    """One word naming a country's people or things: "Venezuelan", "Mexican", "Colombian"."""
    if len(name.words) != 1:
        return False
    word = name.words[0]
    return any(word != country and similar_words(word, country) for country in COUNTRIES if " " not in country)


def is_org(name: Name) -> bool:
    return name.is_acronym or any(w in ORG_WORDS for w in name.words)


def is_region(name: Name) -> bool:
    return any(w in REGION_WORDS for w in name.words)


def is_person(name: Name, common_words: frozenset[str] = frozenset()) -> bool:
    """Two or more capitalised words that are not an organisation, a place or ordinary words.

    ``common_words`` are words seen in lower case elsewhere; "Arrest Location" is made of
    them, "Joaquín Guzmán" is not.
    """
    words = [w for w in name.words if w not in _JOINERS]
    if len(words) < 2 or is_org(name) or is_region(name) or is_country(name.text):
        return False
    if any(w in common_words for w in words):
        return False
    return all(w.isalpha() for w in words) and not any(w in MONTHS for w in words)


def acronyms(text: str) -> dict[str, str]:
    """Acronyms the text defines, "Homeland Security Investigations (HSI)" -> {"HSI": "Homeland Security Investigations"}."""
    found: dict[str, str] = {}
    for match in re.finditer(r"\(([A-Z][A-Za-z0-9&\-]{1,9})\)", text):
        acronym = match.group(1)
        if sum(c.isupper() for c in acronym) < 2:
            continue
        before = re.sub(r"’s$|'s$", "", text[: match.start()].rstrip())
        words = before.split()
        letters = [c for c in acronym if c.isupper()]
        # Walk back over as many words as the acronym has capitals, skipping joiners.
        taken, capitals = [], 0
        for word in reversed(words[-(len(letters) * 2 + 2) :]):
            clean = word.strip("“”\"(),")
            if not clean:
                break
            if clean[0].isupper():
                capitals += 1
                taken.append(clean)
            elif clean.lower() in _JOINERS and taken:
                taken.append(clean)
            else:
                break
            if capitals == len(letters):
                break
        if not taken or capitals < max(2, len(letters) - 1):
            continue
        expansion = " ".join(reversed(taken)).removesuffix("’s").removesuffix("'s")
        if expansion[0].upper() == letters[0]:
            found.setdefault(acronym, expansion)
    return found

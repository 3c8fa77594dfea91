"""Question -> what it asks for: answer type, names, years, figures, article references.

Pure text analysis, no index: "how many" wants a count, "what year" a year, "the name of
the official" a person; "according to the piece on X" names an article. ``holds_answer_type``
checks a sentence for a new span of the wanted kind.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from . import entities
from .terms import STOPWORDS, content_stems, fold, stem, words

# One country, many spellings: "American guns" are "U.S. firearms".
UNITED_STATES = frozenset({"u.s.", "u.s", "us", "usa", "u.s.a.", "united states", "america", "american", "americans"})
_GEO_GENERIC = {
    "city", "town", "country", "nation", "region", "state", "place", "location", "area", "province", "territory",
    "neighborhood", "neighbourhood", "district", "county", "suburb", "borough", "village", "municipality",
}
_FACILITIES = {"airport", "port", "prison", "jail", "base", "facility", "building", "hospital", "school", "university", "station", "court", "embassy", "camp"}
_PERSON_NOUNS = {
    "person", "official", "director", "secretary", "leader", "head", "chief", "commissioner", "president",
    "minister", "spokesperson", "spokesman", "spokeswoman", "agent", "officer", "judge", "prosecutor",
    "attorney", "governor", "mayor", "senator", "kingpin", "founder", "author", "reporter", "commander", "executive",
    "chairman", "chairwoman", "ceo", "manager", "coordinator", "administrator", "ambassador", "sheriff", "captain", "lawyer",
    "member",
}
_ORG_NOUNS = {
    "agency", "agencies", "branch", "branches", "division", "divisions", "department", "departments", "office", "offices",
    "unit", "units", "bureau", "bureaus", "organization", "organizations", "organisation", "organisations", "directorate",
    "component", "components", "ministry", "institution", "institutions", "committee", "committees", "commission",
    "commissions", "council", "councils", "court", "courts", "board", "boards", "taskforce",
}
# Prepositions that place the thing asked about; a noun after one is where it is, not what it is.
_PLACING = {"within", "in", "inside", "at", "under", "from", "by", "on", "into", "with"}
_MONEY_WORDS = {"money", "currency", "cash", "funding", "fund", "funds", "cost", "costs", "revenue", "spend", "spent",
                "invest", "invested", "investing", "worth", "value", "budget", "price", "dollar", "dollars", "paid", "pay", "earn", "profit"}


@dataclass(frozen=True)
class Question:
    text: str
    answer_type: str | None  # count, amount, quantity, percent, year, date, time, duration, person, agent, organisation, country, city, place, facility
    focus: str | None
    names: tuple[str, ...]
    years: tuple[str, ...]
    numbers: tuple[str, ...]
    stems: tuple[str, ...]
    wants_list: bool
    conjunctive: bool
    frames: tuple[str, ...] = ()  # "the piece on Venezuelan gang influence" -> "Venezuelan gang influence"
    core: str = ""  # the question without its leading or trailing article reference
    measured: str | None = None  # "how many pounds of fentanyl" -> "fentanyl": what the count is of
    excluded: tuple[str, ...] = ()  # "besides the DEA" -> ("DEA",): ruled out as the answer
    table: str | None = None  # "according to the operation detail table" -> "operation detail"
    named_kind: str | None = None  # "Which international bank ...?" -> "bank": something known by its name


def analyse_question(text: str) -> Question:
    folded = _spelled_out(fold(text))
    tokens = words(folded)
    answer_type, focus = _answer_type(folded, tokens)
    years = tuple(entities.YEAR.findall(text))
    numbers = tuple(n for n in entities.DIGITS.findall(text) if n not in years and not re.fullmatch(r"\d", n))
    found_names = [n for n in entities.names(text, skip_first_word=True) if not entities.YEAR.fullmatch(n.text) and not n.text.isdigit()]
    excluded, kept_text = _exclusions(text, found_names)
    names = tuple(n.text for n in found_names if n.text not in excluded)
    wants_list = bool(
        re.search(r"\b(list|name the|what are|which are|who are|what were|which were|who were|what .*\binclude|which .*\binclude)\b", folded)
        or answer_type is None and any(_plural(noun) for noun in (focus, _head_before_auxiliary(folded)))
    )
    conjunctive = bool(re.search(r"\bboth\b|\band (?:is|as|also|in)\b|\banother article\b|\balso\b", folded) or _LINKS.match(text))
    frames = tuple(m.group(1).strip() for m in _FRAME_AFTER.finditer(text)) + tuple(m.group(1).strip() for m in _FRAME_BEFORE.finditer(text))
    core = " ".join(_FRAME_CLAUSE.sub("", kept_text).split()).strip(" ,") or text
    measured = None
    if answer_type in ("count", "amount", "quantity"):
        of = re.search(r"\bhow (?:many|much) [\w'-]+ of (?:the |these |those |illicit |illegal )?([\w'-]+)", folded)
        measured = of.group(1) if of and of.group(1) not in STOPWORDS else None
    table = _TABLE_NAME.search(text)
    if table and any(w.lower() in STOPWORDS for w in words(table.group(1))):  # "the formula for table salt"
        table = None
    return Question(
        text, answer_type, focus, names, years, numbers, tuple(content_stems(text)), wants_list, conjunctive, frames, core, measured,
        excluded, table.group(1).replace("-", " ").strip() if table else None, _named_kind(folded),
    )


# "What's the name ...?" is read as "What is the name ...?": the patterns below are written for the long form.
_CONTRACTED_IS = re.compile(r"\b(what|who|where|when|which|how|that|there|it|here)'s\b")
_CONTRACTED = {"'re": " are", "'ve": " have", "'ll": " will", "'d": " did"}


def _spelled_out(folded: str) -> str:
    folded = _CONTRACTED_IS.sub(r"\1 is", folded)
    return re.sub(r"\b(what|who|where|when|which|how)('re|'ve|'ll|'d)\b", lambda m: m.group(1) + _CONTRACTED[m.group(2)], folded)


# Kinds of thing known by a proper name. "Which bank ...?" is answered by naming a bank; a sentence
# that names nothing ("... and collaborating with international financial institutions") cannot.
NAMED_KINDS = frozenset({
    "bank", "banks", "company", "companies", "corporation", "corporations", "firm", "firms", "airline", "airlines",
    "market", "markets", "marketplace", "marketplaces", "newspaper", "newspapers", "website", "websites", "brand", "brands",
    "cryptocurrency", "cryptocurrencies", "committee", "committees", "court", "courts",
    # People asked for by their office want their names: "Which Venezuelan officials were named in the
    # sanctions?" is not answered by a sentence about "individuals and entities" (three blind sets).
    "official", "officials", "politician", "politicians", "minister", "ministers", "senator", "senators",
    "judge", "judges", "prosecutor", "prosecutors",
})
# "What is the name of ...?", "What is the operation called?": something known by its name.
_ASKS_NAME = re.compile(r"\b(?:what|which) (?:is|was|are|were) (?:the )?names? (?:of|for|given)\b|\bwhat (?:is|was) [\w\s’']{1,40}? called\b")
# Words between "which" and the noun that do not end the phrase: "which exact firm". "What kind of bank"
# asks for a kind, not a name, so "kind", "sort" and "type" end it.
_KIND_LEAD = {"the", "a", "an", "exact", "specific", "particular"}
_KIND_OF = {"kind", "kinds", "sort", "sorts", "type", "types"}


def _named_kind(folded: str) -> str | None:
    """The kind of named thing a which- or what-question asks for: "Which darknet drug market ...?" -> "market",
    and "What is the name of the platform ...?" -> "name": a sentence that names nothing cannot answer it."""
    if _ASKS_NAME.search(folded):
        return "name"
    match = re.search(r"\b(?:which|what)\s+(.*)", folded)
    if not match:
        return None
    following = list(itertools.dropwhile(lambda w: w in _KIND_LEAD, words(match.group(1))))
    for word in following[:3]:
        if word in _CLAUSE_BREAKS or word in _AUXILIARIES or word in _KIND_OF:
            return None
        if word in NAMED_KINDS:
            return word
    return None


def names_nothing_new(question: Question, sentence_names: tuple[entities.Name, ...]) -> bool:
    """Does a sentence name nothing the question does not, when the question asks which bank, firm or
    market? A capitalised word that only opens the sentence is no name (``entities.names``), and a
    country or a nationality ("Venezuelan gangs") is not the name of a bank."""
    return question.named_kind is not None and not any(
        _fresh([n.text], question) and not entities.is_country(n.text) and not entities.is_nationality(n) for n in sentence_names
    )


# "the operation detail table", "this security-aspect table": a table named by its headers.
_TABLE_NAME = re.compile(r"\b(?:the|this|that) ((?:[\w’'\-]+ ){0,3}?[\w’'\-]+) table\b", re.I)


# "Which agency besides the DEA ...": the name after these is ruled out as an answer, not asked about.
_EXCLUSION = re.compile(r",?\s*\b(?:besides|other than|apart from|aside from|except(?: for)?|excluding|in addition to)\s+(?:the\s+)?", re.I)

_JOINED_NAME = re.compile(r",?\s+(?P<conjunction>and|or)\s+(?:the\s+)?|,\s*(?:the\s+)?")


def _exclusions(text: str, names: list[entities.Name]) -> tuple[tuple[str, ...], str]:
    """The names a question rules out, and the question without the phrases that rule them out.

    A ruled-out name is not a constraint: the answer need not mention it, and matching sentences
    against it would favour the very thing the question sets aside.
    """
    starts = {n.start: n for n in names}
    excluded, kept, position = [], [], 0
    for match in _EXCLUSION.finditer(text):
        name = starts.get(match.end())
        # "Besides Sinaloa's top bosses" rules out the bosses, not Sinaloa.
        if name is None or match.start() < position or text.startswith(("'s", "’s"), name.end):
            continue
        kept.append(text[position : match.start()])
        # "other than ICE and HSI" and "besides Confucianism, Buddhism, and Islam" rule out every
        # name of the list; in "Besides the DEA, HSI works with ..." the comma ends the phrase.
        chain, closed = [name], 1
        while (joined := _JOINED_NAME.match(text, chain[-1].end)) and (following := starts.get(joined.end())):
            chain.append(following)
            if joined["conjunction"]:
                closed = len(chain)
        excluded += [n.text for n in chain[:closed]]
        position = chain[closed - 1].end
    kept.append(text[position:])
    return tuple(excluded), "".join(kept)


_DOC_WORDS = r"(?:piece|article|report|story|post|item|write-up)"
_FRAME_AFTER = re.compile(_DOC_WORDS + r" (?:on|about|covering|describing) ([^,?;]+?)(?=,|\?|;|$| single| say| says| describe| list| mention| give| report)", re.I)
_FRAME_BEFORE = re.compile(r"\b(?:the|this|that) ((?:[\w’'.\-]+ ){1,4}?)" + _DOC_WORDS + r"\b", re.I)
_NAMED_DOC = r"(?:the|this|that) (?:(?:[\w’'.\-]+ ){1,4}?" + _DOC_WORDS + r"|" + _DOC_WORDS + r" (?:on|about) [^,?]+?)"
# "According to the article on X, ...", "In the HSI piece, ...", "... does the Sinaloa deportation
# article say should be prioritized?": the words that name the article are not asked about.
_FRAME_CLAUSE = re.compile(
    r"^(?:according to|in|from|per) " + _NAMED_DOC + r",\s*"
    r"|,?\s*(?:according to|in|per) " + _NAMED_DOC + r"(?=\?|$)"
    r"|\b(?:does|do|did) " + _NAMED_DOC + r" (?:say|says|claim|state|report|suggest|list|name)\b",
    re.I,
)


_AUXILIARIES = {"is", "was", "are", "were", "the", "a", "an", "does", "do", "did", "has", "have", "kind", "sort", "type", "of", "exact", "specific"}
_TYPE_NOUNS = {
    "date": "date", "day": "date", "month": "time", "year": "year", "budget": "amount", "cost": "amount",
    "price": "amount", "value": "amount", "amount": "amount", "sum": "amount", "funding": "amount",
    "revenue": "amount", "salary": "amount", "percentage": "percent", "percent": "percent", "proportion": "percent",
    "number": "count", "total": "quantity", "duration": "duration", "period": "duration",
}
_AUXILIARY_VERBS = {"did", "does", "do", "is", "are", "was", "were", "has", "have", "had", "will", "can", "could", "would", "should"}
_CLAUSE_BREAKS = _AUXILIARY_VERBS | {"of", "in", "on", "at", "for", "per", "from", "to", "by", "with", "that", "who", "which"}
_GENERIC_COUNTED = {"people", "persons", "individuals", "times", "units", "total", "cases", "instances"}
_BEFORE_VERBS = {"will", "would", "can", "could", "to", "may", "might", "must", "should", "shall", "does", "do", "did", "not", "and", "or"}
_AFTER_VERBS = {"off", "up", "the", "a", "an", "its", "their"}
# Person nouns that are also noun modifiers: "the chief drug", "the head office", "a member state".
_MODIFYING_PERSON_NOUNS = {"chief", "head", "leader", "agent", "founder", "member"}
_NAMED_NOUNS = {"operative", "member", "suspect", "individual", "detainee", "victim", "smuggler", "kingpin", "man", "woman"}


# "When ICE teams up with the DEA, what do the agencies pool?": the leading clause sets a scene, and the
# question proper, which decides what is asked for, follows its comma.
_SCENE_CLAUSE = re.compile(
    r"^(?:when|if|after|before|once|while|since|as|although|though|because|whenever|until)\b[^?]*?,\s*"
    r"(?=(?:what|which|who|whom|whose|how|where|why|when|in what|in which)\b)"
)
# "What kind of institutions ...?" asks for a description ("international financial institutions"),
# not for one known by a proper name, so it takes none of the named types.
_KIND_QUESTION = re.compile(r"\b(?:what|which)\s+(?:kinds?|sorts?|types?|forms?)\s+of\b")
# "What does the agency hope people will flag?": after "what does", the noun is the clause's subject,
# not the kind of thing asked for.
_SUBJECT_FOLLOWS = re.compile(r"\b(?:what|which)\s+(?:do|does|did|has|have|had|will|would|can|could|should)\b")
# The answer types that ask for something known by its name.
NAMED_TYPES = frozenset({"person", "agent", "organisation", "country", "city", "facility", "place"})


def _answer_type(folded: str, tokens: list[str]) -> tuple[str | None, str | None]:
    folded = _SCENE_CLAUSE.sub("", folded, count=1)
    answer_type, focus = _typed(folded, tokens)
    if answer_type in NAMED_TYPES and (_KIND_QUESTION.search(folded) or _SUBJECT_FOLLOWS.search(folded)):
        return None, focus
    return answer_type, focus


def _typed(folded: str, tokens: list[str]) -> tuple[str | None, str | None]:
    def phrase_after(pattern: str, text: str = folded) -> list[str]:
        match = re.search(pattern + r"\s+(.*)", text)
        if not match:
            return []
        following = [w.removesuffix("'s") for w in words(match.group(1))]
        while following and following[0] in _AUXILIARIES:
            following = following[1:]
        return following[:8]

    if re.match(r"(is|are|was|were|has|have|had|does|do|did|will|can|could|should)\b.+\bor\b", folded):
        return "comparison", None
    if (how_many := re.search(r"\bhow many\b", folded)) and not _complement(folded, how_many.start()):
        # "Through how many foreign offices, and in how many countries, ...": the counted noun
        # ends at the comma (not one inside "2,000"), or "and" would be what is counted.
        clause = re.split(r"[;:?()]|,(?!\d)", folded[how_many.start() :])[0]
        noun_phrase = []
        for word in phrase_after(r"how many", clause):
            if word in _CLAUSE_BREAKS:
                break
            if noun_phrase and word.endswith("ed") and (_plural(noun_phrase[-1]) or noun_phrase[-1] in _IRREGULAR_PLURALS):
                break  # "How many smugglers arrested ...?": the participle opens a clause about the smugglers
            noun_phrase.append(word)
        return "count", (noun_phrase[-1] if noun_phrase else None)
    if re.search(r"\bin (?:money|dollar|monetary|financial) terms\b|\bhow much (?:money|cash)\b", folded):
        return "amount", None
    if (how_much := re.search(r"\bhow much\b", folded)) and not _complement(folded, how_much.start()):
        return ("amount" if set(tokens) & _MONEY_WORDS else "quantity"), next(iter(phrase_after(r"how much")[:1]), None)
    if re.search(r"\bby (what|how much) percent|\bhow much percent", folded):
        return "percent", None
    if re.search(r"\b(?:what|which) share of\b", folded):  # "What share of the gang members ...?" asks for a proportion
        return "percent", "share"
    if re.search(r"\bhow far (?:from|away|is|was|are|were|apart|into|inside|out|off)\b", folded):  # a distance: a number
        return "quantity", "far"
    if re.search(r"\bhow long\b|\bfor how long\b", folded):
        return "duration", None
    if re.search(r"^when\b|\bwhen (did|was|were|is|will|does|do|has|had)\b", folded):
        return "time", None
    wh_phrase = phrase_after(r"\b(?:which|what)")
    known = _TYPE_NOUNS.keys() | _GEO_GENERIC | _FACILITIES | _PERSON_NOUNS | {"name", "country", "nation", "countries", "nations", "city", "cities"}
    focus = _focus(wh_phrase, known)
    if focus == "name" and len(wh_phrase) > 1:  # "the name of the official" asks for a person
        named = next((w for w in wh_phrase[1:] if w in _PERSON_NOUNS | _NAMED_NOUNS), None)
        if named:
            return "person", named
    if focus in _TYPE_NOUNS:
        kind = _TYPE_NOUNS[focus]
        # "the amount of cocaine" is a quantity; "what sum" is money however the question goes on.
        if kind == "amount" and focus in {"value", "amount"} and not set(tokens) & _MONEY_WORDS - {"value"}:
            kind = "quantity"
        return kind, focus
    if first_wh_word(folded) in ("who", "whom", "whose") or focus in _PERSON_NOUNS:
        person_noun = next(
            (w for i, w in enumerate(tokens) if w in _PERSON_NOUNS and not _used_as_verb(tokens[max(0, i - 1) : i], tokens[i + 1 : i + 2])
             and not _modifies(w, tokens[i + 1 : i + 2])),
            focus if focus in _PERSON_NOUNS else None,
        )
        return ("person" if person_noun else "agent"), person_noun
    if focus in {"country", "nation", "countries", "nations"}:
        return "country", focus
    if focus in {"city", "town", "cities", "towns"}:
        return "city", focus
    if focus in _FACILITIES:
        return "facility", focus
    if focus in _GEO_GENERIC:
        return "place", focus
    # "Which of ICE's two main branches ...": the noun may come after a name and a number, but not
    # after a place it is in ("What is HSI within the Department of ...?" asks what HSI is).
    head = list(itertools.takewhile(lambda w: w not in _PLACING, wh_phrase[:4]))
    body = next((w for w in head if w in _ORG_NOUNS), None)
    if body:
        return "organisation", body
    return None, focus


_IRREGULAR_PLURALS = frozenset({"people", "men", "women", "children", "police", "personnel", "staff"})
WH_WORDS = ("what", "which", "who", "whom", "whose", "when", "where", "why", "how")


def _complement(folded: str, start: int) -> bool:
    """Is the "how many/much" at ``start`` a clause inside a question another wh-word asks? "Which topics
    shape how much ICE can do?" asks for topics; "What year, and how many arrests?" asks for both."""
    opener = re.search(r"\b(?:what|which|who|whom|whose|why|where|when)\b", folded[:start])
    return opener is not None and not re.search(r"[,;]|\b(?:and|or)\b", folded[opener.end() : start])


def first_wh_word(folded: str) -> str | None:
    """The question's own wh-word, the first among its first twelve words: in "How do the highlights
    profile the individual who was removed?" it is "how"; the "who" opens a relative clause."""
    return next((w for w in words(folded)[:12] if w in WH_WORDS), None)


def wh_word(folded: str) -> int:
    """1-based position of the question's wh-word in WH_WORDS; 0 for a yes/no question or a command."""
    first = first_wh_word(folded)
    return WH_WORDS.index(first) + 1 if first else 0


def _plural(noun: str | None) -> bool:
    return noun is not None and noun.endswith("s") and not noun.endswith(("ss", "us", "is"))


def _head_before_auxiliary(folded: str) -> str | None:
    """The last word of a wh-phrase of up to four words that an auxiliary closes: "Which law
    enforcement partners does HSI name ...?" asks about partners, where the focus is its first
    word. Without the auxiliary the phrase's end is a guess ("Which unit leads ..."), so None."""
    match = re.match(r"(?:which|what)\s+(.*)", folded)
    phrase = words(match.group(1))[:5] if match else []
    end = next((i for i, w in enumerate(phrase) if w in _CLAUSE_BREAKS), None)
    return phrase[end - 1] if end and phrase[end] in _AUXILIARY_VERBS else None


def _focus(wh_phrase: list[str], known: set[str]) -> str | None:
    """The noun the wh-phrase asks about: the first word of a known kind before its verb or
    preposition ("Which body will head ...?" asks about a body, not a head), else its first word;
    a person noun modifying the next word ("the chief drug") is skipped either way."""
    def usable(i: int) -> bool:
        return not _modifies(wh_phrase[i], wh_phrase[i + 1 : i + 2])

    before_verb = list(itertools.takewhile(lambda w: w not in _CLAUSE_BREAKS, wh_phrase[:3]))
    kinded = next((w for i, w in enumerate(before_verb) if w in known and usable(i)), None)
    return kinded or next((w for i, w in enumerate(wh_phrase[:2]) if usable(i)), None)


def _used_as_verb(preceding: list[str], following: list[str]) -> bool:
    """Is a person noun used as a verb: "will head the drive", "and head off problems"? "the current
    leader" and "the head of HSI" are nouns."""
    return bool(preceding) and preceding[0].lower() in _BEFORE_VERBS or bool(following) and following[0].lower() in _AFTER_VERBS


def _modifies(word: str, following: list[str]) -> bool:
    """Is a person noun used as a modifier ("the chief drug", "the head office") rather than as the
    thing asked for ("the chief of staff", "the head of HSI", "which official")?"""
    return word in _MODIFYING_PERSON_NOUNS and bool(following) and following[0] not in STOPWORDS and following[0] not in _CLAUSE_BREAKS


def _fresh(found: list[str], question: Question) -> list[str]:
    """Matches that are not simply repeated from the question."""
    asked = fold(question.text)
    return [f for f in found if fold(f).strip() not in asked]


def _names_asked(name: str, question: Question) -> bool:
    spelled = f" {' '.join(words(fold(name)))} "
    return any(f" {' '.join(words(fold(asked)))} " in spelled for asked in question.names if words(asked))


# Answer types asking who: a person, or a person or body.
WHO_TYPES = ("person", "agent")


def names_no_one_new(
    question: Question, sentence_names: tuple[entities.Name, ...], *, common_words: frozenset[str] = frozenset(),
    places: frozenset[str] = frozenset(),
) -> bool:
    """Does a who-question's sentence (``sentence_names``: the names in it) name no one but whom the
    question names, or places?

    "Joaquín “El Chapo” Guzmán" is the person "the judge who sentenced El Chapo" is about, not who
    the judge was, and "San Francisco" (two capitalised words, so a person to ``holds_answer_type``)
    is where the operative whose name is asked was deported from. ``places`` holds the names, folded,
    that the documents use after "in" ("in San Francisco"): they are places there.
    """
    if question.answer_type not in WHO_TYPES:
        return False
    found = [
        n for n in sentence_names if _fresh([n.text], question)
        and (entities.is_person(n, common_words) or question.answer_type == "agent" and entities.is_org(n))
    ]
    return bool(found) and all(_names_asked(n.text, question) or fold(n.text) in places for n in found)


def place_names(text: str) -> set[str]:
    """Names, folded, that the text puts something in: "in San Francisco", but not "in Guzmán’s case"."""
    return {
        fold(n.text) for n in entities.names(text)
        if re.search(r"(?:^|\W)in\s$", text[max(0, n.start - 4) : n.start]) and not re.match(r"[’']s\b", text[n.end :])
    }


COUNTED_WITHIN = 4  # words after a number that may name what it counts: "30,000 law enforcement actions"


def counts_what_is_asked(question: Question, text: str, *, alike: Callable[[str, list[str]], bool] | None = None) -> bool:
    """Does a number the question does not give count what a how-many question asks about?

    English writes a count before what it counts, so "How many smuggling organizations has the
    campaign dismantled?" is not answered by "30,000 law enforcement actions to disrupt and
    dismantle human smuggling organizations", which holds both the number and the noun. On the
    SQuAD training and held-out articles this refuses 8 of 35 true answer sentences that pass the
    count check and 96 of the 227 best-ranked others; on our news sets none of 21 true ones.
    A word veto rather than part of ``holds_answer_type``, whose result is a feature the trees
    learned: as a veto it leaves the trees as trained and only refits their calibration.

    Readers name what is counted in their own words ("how many nations" for "47 countries"), so
    ``alike`` may accept a word after the number that means the same (see ``Answerer.alike``).
    """
    counted = question.focus
    if question.answer_type != "count" or not counted or counted in _GENERIC_COUNTED:
        return True
    target = stem(counted)
    following = _counted_nouns(question, text)
    if any(stem(word) == target for after in following for word in after):
        return True
    return alike is not None and any(alike(counted, after) for after in following)


def _counted_nouns(question: Question, text: str) -> list[list[str]]:
    """The content words just after each count the question does not give: what each one counts."""
    return [
        [w for w in words(text[m.end() :])[:COUNTED_WITHIN] if w not in STOPWORDS and w.isalpha()]
        for m in _new_counts(question, text)
    ]


def words_a_count_may_name(question: Question, texts: list[str]) -> list[str]:
    """Every word ``counts_what_is_asked`` may compare with a how-many question's counted noun in
    these texts, the noun first: embedded in one batch before the sentences are checked one by one."""
    if question.answer_type != "count" or not question.focus or question.focus in _GENERIC_COUNTED:
        return []
    target = stem(question.focus)
    found = []
    for text in texts:
        nouns = [w for after in _counted_nouns(question, text) for w in after]
        if not any(stem(w) == target for w in nouns):  # a sentence that spells the noun out needs no vectors
            found += nouns
    return list(dict.fromkeys([question.focus, *found])) if found else []


# Common nouns for people and bodies of people. "Alongside whom ...?" and "Whose trust ...?" are
# often answered by "international partners" or "immigrant communities" rather than by a name: the
# answer sentences of 14 of our 33 news questions typed as asking who named no one, and 38 of 185
# on SQuAD (scripts/type_check_rates.py). "authorities", "public" and "states" are left out for their other senses ("its unique
# authorities", "public safety", "the report states").
_PEOPLE_NOUNS = frozenset("""
people persons individuals populace population populations community communities citizens residents
locals families children women men adults youths members partners allies agencies
officials officers personnel police governments organizations organisations groups networks gangs cartels
leaders leadership associates affiliates employees workers staff volunteers experts analysts researchers
scientists physicians doctors merchants traders manufacturers farmers peasants soldiers troops army militia
immigrants migrants refugees emigrants travellers travelers passengers victims survivors suspects criminals
offenders traffickers smugglers dealers couriers financiers facilitators policymakers lawmakers legislators
congress parliament government council committee committees courts judges prosecutors investigators
students teachers scholars clergy priests monks nobles nobility aristocracy rulers emperors kings queens
presidents ministers parties voters electorate customers consumers users clients owners businesses companies
firms nations countries neighbours neighbors enemies rivals opponents supporters followers settlers
""".split())


def _names_a_group(question: Question, text: str) -> bool:
    """Does the text name people or a body of people the question does not already name?"""
    asked = set(question.stems)
    return any(word in _PEOPLE_NOUNS and stem(word) not in asked for word in words(fold(text)))


def _new_counts(question: Question, text: str) -> list[re.Match]:
    """The numbers in the text that are not years and that the question does not give itself."""
    return [m for m in entities.COUNT.finditer(text) if not entities.YEAR.fullmatch(m.group()) and _fresh([m.group()], question)]


def holds_answer_type(
    question: Question, sentence_text: str, *, common_words: frozenset[str] = frozenset(), also_named: tuple[str, ...] = (),
    alike: Callable[[str, list[str]], bool] | None = None,
) -> bool:
    """Does the sentence contain a new span of the kind the question asks for?

    ``also_named`` holds the other spellings (folded) of names the question uses, so
    "U.S. Immigration and Customs Enforcement" is not new to a question about "ICE"; ``alike``
    is as for ``counts_what_is_asked``.
    """
    kind = question.answer_type
    text = sentence_text
    if kind is None:
        return True
    if question.measured and stem(question.measured) not in content_stems(text):
        return False  # "how many pounds of fentanyl" is not answered by pounds of narcotics
    if kind == "count":
        counted = question.focus
        if counted and counted not in _GENERIC_COUNTED and stem(counted) not in content_stems(text):
            # "how many countries" is not answered by a count of personnel, but is by "47 nations"
            return alike is not None and counts_what_is_asked(question, text, alike=alike)
        return bool(_new_counts(question, text))
    if kind == "comparison":
        return bool(re.search(r"\b(more|less|fewer|greater|larger|smaller|higher|lower)\b|\bthan\b", fold(text)))
    if kind == "amount":
        return bool(_fresh([m.group() for m in entities.MONEY.finditer(text)], question))
    if kind == "quantity":  # "by how much did it rise": an amount, a count or a percentage
        spans = [m.group() for pattern in (entities.MONEY, entities.COUNT, entities.PERCENT) for m in pattern.finditer(text)]
        return bool(_fresh(spans, question))
    if kind == "percent":
        return bool(_fresh([m.group() for m in entities.PERCENT.finditer(text)], question))
    if kind == "year":
        return bool(_fresh(entities.YEAR.findall(text), question))
    if kind == "date":
        return bool(_fresh([m.group() for m in entities.DATE.finditer(text)], question))
    if kind == "time":
        spans = [m.group() for m in entities.DATE.finditer(text)] + entities.YEAR.findall(text)
        spans += [m.group() for m in entities.CENTURY.finditer(text)]
        spans += [m.group() for m in entities.MONTH.finditer(text)] + [m.group() for m in entities.RELATIVE_TIME.finditer(text)]
        return bool(_fresh(spans, question))
    if kind == "duration":
        return bool(_fresh([m.group() for m in entities.DURATION.finditer(text)], question))
    found = [n for n in entities.names(text) if _fresh([n.text], question)]
    if kind == "person":
        return any(entities.is_person(n, common_words) for n in found)
    if kind == "agent":
        return any(entities.is_person(n, common_words) or entities.is_org(n) for n in found) or _names_a_group(question, text)
    if kind == "organisation":
        asked = fold(question.text)

        def new(name: str) -> bool:
            name = fold(name).removeprefix("the ")
            return name not in asked and not any(name in other or other in name for other in also_named)

        return any(entities.is_org(n) and new(n.text) for n in found)
    if kind == "country":
        return any(entities.is_country(n.text) for n in found)
    if kind == "city":
        # A city is named where places are named: "from San Francisco", "Location: San Francisco, California".
        return any(
            not entities.is_country(n.text) and not entities.is_org(n) and not entities.is_region(n)
            and (re.search(r"(?:\b(?:in|from|to|at|near|outside|into|of)|:)\s$", text[: n.start]) or re.match(r",\s[A-Z]", text[n.end :]))
            for n in found
        )
    if kind == "facility":
        return question.focus is not None and question.focus in fold(text)
    if kind == "place":
        return any(not entities.is_org(n) for n in found)
    return True


_BOTH = re.compile(r"^(?P<head>.+?)\s+both\s+(?P<first>.+?)\s+and\s+(?P<second>.+?)\s*\?*$", re.I)
# "Which cartel links the San Francisco deportation to the El Chapo extradition?": what each names.
_LINKS = re.compile(
    r"^(?P<head>(?:what|which)\s+[^,?]+?)\s+(?:links|connects|ties)\s+(?P<first>.+?)\s+(?:to|with|and)\s+(?P<second>.+?)\s*\?*$", re.I
)
_AND_ALSO = re.compile(r"^(?P<subject>(?:what|which|who)\b.+?),?\s+and\s+(?P<linker>also|is|was|are|were)\s+(?P<second>.+?)\s*\?*$", re.I)
_VERBISH = re.compile(r"^(?:is|was|are|were|has|had|have|does|did|[a-z]+(?:s|ed))$")


def split_parts(text: str) -> tuple[str, str] | None:
    """A two-part question as two one-part questions, when its wording makes the split plain.

    "What X is cited both as A and as B?" -> ("What X is cited as A?", "What X is cited as B?");
    "Which agency works with ICE on A and also leads B?" -> ("Which agency works with ICE on A?",
    "Which agency leads B?"); "Which cartel links A to B?" -> ("Which cartel is involved in A?",
    "Which cartel is involved in B?"). Each part can then be judged on one sentence, which is what the
    verifier was trained to do; a question that cannot be split this way is left whole.
    """
    text = " ".join(text.split())
    both = _BOTH.match(text)
    # "both inflationary and deflationary impacts" shares one noun: two modifiers, not two parts.
    if both and (len(both["first"].split()) > 1 or both["first"][:1].isupper()):
        head, first, second = both["head"], *_parallel_halves(both["first"], both["second"])
        return f"{head} {first}?", f"{head} {second}?"
    links = _LINKS.match(text)
    if links:
        head = links["head"]
        return f"{head} is involved in {links['first']}?", f"{head} is involved in {links['second']}?"
    also = _AND_ALSO.match(text)
    if also:
        tokens = also["subject"].split()
        # The subject is the wh-phrase up to its verb: "Which federal department | works with ICE on A".
        verb = next((i for i, t in enumerate(tokens[2:], start=2) if _VERBISH.match(t.lower())), None)
        if verb is not None:
            head, first = " ".join(tokens[:verb]), " ".join(tokens[verb:])
            linker = "" if also["linker"].lower() == "also" else also["linker"] + " "
            return f"{head} {first}?", f"{head} {linker}{re.sub(r'^also ', '', also['second'], flags=re.I)}?"
    return None


def _parallel_halves(first: str, second: str) -> tuple[str, str]:
    """Where "both A and B" divides when A holds an "and" of its own: at the "and" that repeats A's
    first word, as parallel halves do ("both where HSI stops guns and ammunition going, and where
    the operative was sent"); at the first "and" otherwise."""
    lead = first.split()[0]
    rest = f"{first} and {second}"
    later = re.search(r",?\s+and\s+(?=" + re.escape(lead) + r"\b)", rest, re.I)
    if later is None or later.start() <= len(first):
        return first, second
    return rest[: later.start()].rstrip(","), rest[later.end() :]


def splits_at_and(text: str) -> list[tuple[str, str]]:
    """Every way to read "Which cartel had A and B?" as "Which cartel had A?" and "Which cartel had
    B?", one per "and" after the question's verb. Wording alone cannot tell these from "and"
    inside one part ("drug trafficking and racketeering"), so the caller picks among them by
    what the documents hold."""
    text = " ".join(text.split()).rstrip(" ?")
    tokens = text.split()
    verb = next((i for i, t in enumerate(tokens[2:], start=2) if _VERBISH.match(t.lower())), None)
    if verb is None or not re.match(r"(?:what|which|who)\b", text, re.I):
        return []
    head = " ".join(tokens[: verb + 1])
    rest = " ".join(tokens[verb + 1 :])
    return [
        (f"{head} {rest[: m.start()].rstrip(',')}?", f"{head} {rest[m.end() :]}?")
        for m in re.finditer(r",?\s+and\s+", rest)
        if rest[: m.start()].strip() and rest[m.end() :].strip()
    ]

"""Word-level text handling shared by BM25 and answer checking: tokens, stems, stopwords."""

from __future__ import annotations

import os.path
import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z0-9]+(?:[-'][A-Za-z0-9]+)*")
# A character that is not white space in Python's sense (which counts \x1c-\x1f and \x85) nor in
# JavaScript's (which counts \ufeff): the API schema declares this pattern, so a client, a fuzzer
# and the server agree on what a blank question is.
VISIBLE = r"[^\s\x1c-\x1f\x85\ufeff]"
_VISIBLE = re.compile(VISIBLE)


def is_blank(text: str) -> bool:
    return not _VISIBLE.search(text)

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves according article piece say says said describe described
    described give given list listed named name mentioned mention many much one two
    """.split()
)


_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def fold(text: str) -> str:
    """Lower-case and fold typographic quotes, dashes and accents to ASCII for matching."""
    text = text.translate(_TYPOGRAPHY)
    if not text.isascii():  # the slow path only for the few strings that need it
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return text.lower()


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Porter2 stem, with a possessive stripped: 'collaborative' and 'collaboration' meet."""
    word = word.lower().removesuffix("'s")
    return _stemmer().stemWord(word)


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning, in order, stopwords removed."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]


def similar_words(a: str, b: str) -> bool:
    """'venezuela' ~ 'venezuelan', 'mexico' ~ 'mexican': the same word, or a shared stem of five letters or more."""
    if a == b:
        return True
    shared = len(os.path.commonprefix([a, b]))
    return shared >= 5 and shared >= min(len(a), len(b)) - 2

"""Frozen records passed between pipeline stages.

Offsets everywhere are Python ``str`` indices into an article's text of record, so
``text[start:end]`` is the quote. For plain text that is the raw file read with
``open(path, encoding="utf-8", newline="")``; for other formats it is the text the reader
extracted, which the index stores and ``GET /documents/{id}`` returns.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Block:
    """One structural unit of an article: a paragraph, list item or table row."""

    kind: str  # "paragraph" | "item" | "row"
    start: int
    end: int
    section: str | None
    statement: str  # searchable text; for a table row it carries the column headers
    group: int | None = None  # list or table this block belongs to


@dataclass(frozen=True)
class Section:
    heading: str | None
    start: int
    end: int


@dataclass(frozen=True)
class Article:
    doc_id: str
    source: str
    title: str
    text: str
    sha256: str
    sections: tuple[Section, ...]
    blocks: tuple[Block, ...]
    format: str = "text"  # the reader that produced ``text``: text, markdown, html, pdf or docx
    pages: tuple[int, ...] = ()  # for a PDF, the offset in ``text`` where each page begins

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding ``offset``, for documents that have pages."""
        if not self.pages:
            return None
        return bisect_right(self.pages, offset)


@dataclass(frozen=True)
class Sentence:
    """The unit of an answer: a sentence, a list item or a table row."""

    sentence_id: int
    chunk_id: int
    source: str
    section: str | None
    kind: str  # "sentence" | "item" | "row" | "lead_in"
    start: int
    end: int
    text: str  # verbatim quote
    statement: str  # searchable form (table rows spelled out with headers)
    group: int | None = None  # shared by a list lead-in and its items
    block: int = 0  # index of the block within its article, to find the paragraph


@dataclass(frozen=True)
class Chunk:
    chunk_id: int
    doc_id: str
    source: str
    title: str
    section: str | None
    start: int
    end: int
    text: str  # verbatim slice of the article
    search_text: str  # what is embedded and BM25-indexed
    sentence_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float
    dense: float = 0.0
    lexical: float = 0.0


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    title: str
    section: str | None
    start: int
    end: int
    quote: str
    page: int | None = None


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    answer: str | None
    confidence: float
    citations: tuple[Citation, ...]
    passages: tuple[Hit, ...]
    reason: str = ""  # why the system abstained, for logs and the CLI
    # The calibrated confidence the answer had to reach: the bar, or half of it for a table row or list item the
    # question names by its label and for a corroborated part of a two-part answer; None when a veto refused
    # before any confidence was weighed.
    needed: float | None = None
    # When ``needed`` is half the bar in force, what earned that: LABELLED_LOOKUP or CORROBORATED_PART.
    lowered_for: str = ""


LABELLED_LOOKUP = "a table row or list item the question names by its label"
CORROBORATED_PART = "a part of a two-part answer that the other part corroborates"


@dataclass(frozen=True)
class SearchResults:
    query: str
    hits: tuple[Hit, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class BriefPoint:
    text: str  # verbatim sentence, table-row statement, or lead-in with its items
    citations: tuple[int, ...]


@dataclass(frozen=True)
class KeyFigure:
    figure: str
    context: str  # the verbatim sentence the figure stands in
    citations: tuple[int, ...]


@dataclass(frozen=True)
class Organization:
    name: str
    acronym: str | None
    mentions: int
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Briefing:
    topic: str
    covered: bool
    overview: str | None
    points: tuple[BriefPoint, ...]
    key_figures: tuple[KeyFigure, ...]
    organizations: tuple[Organization, ...]
    citations: tuple[Citation, ...]
    sources: tuple[tuple[str, str], ...]  # (source, title)
    markdown: str
    never_mentioned: tuple[str, ...] = ()  # words of the topic that no document uses: the brief covers the rest

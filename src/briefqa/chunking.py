"""Article -> Sentences and Chunks, sentence- and section-aware, with raw offsets.

A sentence never straddles two chunks and a chunk never straddles two sections,
so every answer sentence has exactly one passage that contains it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .records import Article, Block, Chunk, Sentence

# Abbreviations whose period does not end a sentence.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "st", "jr", "sr", "inc", "ltd", "co", "corp", "vs", "etc", "e.g", "i.e",
    "no", "gen", "sen", "rep", "gov", "lt", "col", "sgt", "capt", "prof", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "approx", "fig", "dept", "est",
}
# After an initialism such as "U.S." a new sentence usually starts with one of these.
_SENTENCE_STARTERS = {
    "the", "this", "these", "that", "those", "it", "its", "in", "on", "at", "by", "as", "however", "but",
    "and", "a", "an", "they", "their", "there", "he", "she", "we", "while", "although", "since", "for",
    "with", "many", "some", "such", "meanwhile", "moreover", "additionally", "furthermore",
}
_BOUNDARY = re.compile(r"[.!?][\"”’)\]]*\s+(?=[\"“‘(\[]{0,2}[A-Z0-9])")
_INITIALISM = re.compile(r"(?:\b[A-Za-z]\.){2,}$")


@dataclass(frozen=True)
class Chunked:
    sentences: tuple[Sentence, ...]
    chunks: tuple[Chunk, ...]


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) spans of the sentences in ``text``, stripped of outer whitespace."""
    spans = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.start() + 1
        head = text[start:end]
        word = head.rsplit(None, 1)[-1] if head.split() else ""
        bare = word.rstrip(".!?").lstrip("(“\"'").lower()
        if bare in _ABBREVIATIONS:
            continue
        closed = match.group()
        if head.count("“") > head.count("”") + closed.count("”"):
            continue  # inside a quotation: “The line is blurred. Those who hire...” is one sentence
        if _INITIALISM.search(word):
            following = text[match.end():].split(None, 1)
            if not following or following[0].strip("“\"‘(").lower() not in _SENTENCE_STARTERS:
                continue
        close = match.group().rstrip()  # keep closing quotes with the sentence they close
        spans.append((start, match.start() + len(close)))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return [(s + len(text[s:e]) - len(text[s:e].lstrip()), e) for s, e in spans if text[s:e].strip()]


def _block_sentences(article: Article, block: Block) -> list[tuple[str, int, int, str]]:
    """(kind, start, end, statement) for each answer unit in a block."""
    if block.kind == "row":
        return [("row", block.start, block.end, block.statement)]
    raw = article.text[block.start:block.end]
    units = []
    spans = split_sentences(raw)
    for i, (s, e) in enumerate(spans):
        kind = "item" if block.kind == "item" else "sentence"
        text = raw[s:e]
        if block.kind == "paragraph" and block.group is not None and i == len(spans) - 1:
            kind = "lead_in"
        units.append((kind, block.start + s, block.start + e, text))
    return units


def _search_text(article: Article, section: str | None, statements: list[str]) -> str:
    heading = f"{section}. " if section else ""
    return f"{heading}{' '.join(statements)}"


def chunk_article(
    article: Article, *, chunk_words: int = 90, first_chunk_id: int = 0, first_sentence_id: int = 0
) -> Chunked:
    """Group an article's answer units into section-bounded chunks of about ``chunk_words`` words."""
    sentences: list[Sentence] = []
    chunks: list[Chunk] = []
    pending: list[Sentence] = []

    def flush() -> None:
        if not pending:
            return
        chunk_id = first_chunk_id + len(chunks)
        start, end = pending[0].start, pending[-1].end
        section = pending[0].section
        chunks.append(
            Chunk(
                chunk_id=chunk_id,
                doc_id=article.doc_id,
                source=article.source,
                title=article.title,
                section=section,
                start=start,
                end=end,
                text=article.text[start:end],
                search_text=_search_text(article, section, [s.statement for s in pending]),
                sentence_ids=tuple(s.sentence_id for s in pending),
            )
        )
        sentences.extend(
            Sentence(**{**s.__dict__, "chunk_id": chunk_id}) for s in pending
        )
        pending.clear()

    words = 0
    previous_block: Block | None = None
    for block_index, block in enumerate(article.blocks):
        units = _block_sentences(article, block)
        block_words = sum(len(u[3].split()) for u in units)
        starts_new_list = block.group is not None and (previous_block is None or previous_block.group != block.group)
        if pending and (
            block.section != pending[-1].section
            or words + block_words > chunk_words
            and not (previous_block is not None and block.group is not None and previous_block.group == block.group and words < chunk_words)
            or starts_new_list and words + block_words > chunk_words // 2
        ):
            flush()
            words = 0
        for kind, start, end, statement in units:
            if pending and words + len(statement.split()) > chunk_words * 1.5:
                flush()
                words = 0
            pending.append(
                Sentence(
                    sentence_id=first_sentence_id + len(sentences) + len(pending),
                    chunk_id=-1,
                    source=article.source,
                    section=block.section,
                    kind=kind,
                    start=start,
                    end=end,
                    text=article.text[start:end],
                    statement=statement,
                    group=block.group,
                    block=block_index,
                )
            )
            words += len(statement.split())
        previous_block = block
    flush()
    return Chunked(tuple(sentences), tuple(chunks))

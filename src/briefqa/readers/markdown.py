"""Markdown, through markdown-it-py: headings, paragraphs, list items and tables, inline markup dropped.

The text of record is the document re-written in the parser's plain conventions, so a quote
never carries ``**`` or ``[link](url)`` syntax. HTML pages arrive here too, as the Markdown
that trafilatura extracts from them.
"""

from __future__ import annotations

from functools import lru_cache

from ..articles import parse_article
from ..errors import UnreadableDocument
from ..records import Article
from .text import decode


@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


def _inline_text(token) -> str:
    """The words of an inline token: text, code and link labels; breaks become spaces, markup goes."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return " ".join("".join(parts).split())


def to_record(source_text: str) -> str:
    """Markdown -> the text of record: one line per paragraph, heading, list item or table row."""
    lines: list[str] = []
    tokens = _parser().parse(source_text)
    depth_lists = 0
    row: list[str] | None = None
    heading: str | None = None
    for position, token in enumerate(tokens):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            depth_lists += 1
            if depth_lists == 1:
                lines.append("")
        elif kind in ("bullet_list_close", "ordered_list_close"):
            depth_lists -= 1
            if depth_lists == 0:
                lines.append("")
        elif kind == "heading_open":
            heading = "#" * min(int(token.tag[1]), 2)
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            lines.append("| " + " | ".join(row) + " |")
            row = None
        elif kind == "table_open" or kind == "table_close":
            lines.append("")
        elif kind == "inline":
            words = _inline_text(token)
            if row is not None:
                row.append(words.replace("|", "/"))
            elif not words:
                continue
            elif heading:
                lines += ["", f"{heading} {words}", ""]
                heading = None
            elif depth_lists:
                lines.append(f"- {words}")
            else:
                lines += [words, ""]
        elif kind in ("fence", "code_block"):
            code = " ".join(token.content.split())
            if code:
                lines += [code, ""]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip() + "\n"


def read(data: bytes, name: str) -> Article:
    record = to_record(decode(data, name).lstrip("\ufeff"))
    if not record.strip():
        raise UnreadableDocument(f"{name}: the Markdown holds no text")
    return parse_article(name, record, format="markdown")

"""Raw article file -> Article: title, sections, paragraphs, list items and table rows.

No ML here. The parser keeps every offset into the raw text and leaves page
furniture (navigation, "Contents", reference lists, related links) out of the
answerable blocks.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import UnreadableDocument
from .records import Article, Block, Section

# "#" heading markers are recognised: the readers (readers/) write headings that way.
_MARKDOWN_HEADING = re.compile(r"#{1,6}\s+")

_BULLET = re.compile(r"(?:[-*•▪◦–]|\d{1,2}[.)])\s+")
_TABLE_SEPARATOR = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_REFERENCE_ENTRY = re.compile(r"^\[\d+\]")
_NAVIGATION = {"previous", "next", "previous post", "next post", "related articles", "related posts", "share this"}
_CONTENTS = {"contents", "table of contents", "in this article"}
_END_SECTIONS = {"references", "sources", "bibliography", "further reading", "see also", "notes", "citations"}
_TERMINAL = tuple(".!?:;\"”’)]")
_MAX_HEADING_WORDS = 14


@dataclass(frozen=True)
class _Line:
    start: int  # offsets of the stripped content
    end: int
    text: str
    heading: bool = False  # marked as one ("## Section") rather than guessed


def _strip_heading_marker(line: _Line) -> _Line:
    marker = _MARKDOWN_HEADING.match(line.text)
    if not marker:
        return line
    return _Line(line.start + marker.end(), line.end, line.text[marker.end() :], heading=True)


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_text(path: Path) -> str:
    # newline="" keeps \r\n intact, so offsets match what a reader of the raw file sees.
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def read_article(path: Path) -> Article:
    return parse_article(path.name, read_text(path))


def _lines(text: str) -> list[_Line]:
    lines = []
    for match in re.finditer(r"[^\r\n]*", text):
        raw = match.group()
        stripped = raw.strip()
        if not stripped:
            continue
        start = match.start() + (len(raw) - len(raw.lstrip()))
        lines.append(_Line(start, start + len(stripped), stripped))
    return lines


def _is_table_line(text: str) -> bool:
    return text.count("|") >= 2 or bool(_TABLE_SEPARATOR.match(text))


def row_cells(text: str) -> list[str]:
    return [cell.strip() for cell in text.strip().strip("|").split("|")]


def table_headers(text: str, first_row_start: int) -> list[str]:
    """The header cells of the table whose first body row starts at ``first_row_start``."""
    for line in reversed(text[:first_row_start].splitlines()):
        line = line.strip()
        if line and not _TABLE_SEPARATOR.match(line):
            return [cell for cell in row_cells(line) if cell] if _is_table_line(line) else []
    return []


def _looks_like_heading(text: str) -> bool:
    return not text.endswith(_TERMINAL) and len(text.split()) <= _MAX_HEADING_WORDS


def _row_statement(headers: list[str], cells: list[str]) -> str:
    # "Deportation Destination | Guadalajara" alone is hard to match; spelling out the
    # headers lets "what destination does the operation table list" find the row.
    parts = []
    for i, cell in enumerate(cells):
        if not cell:
            continue
        header = headers[i] if i < len(headers) and headers[i] else ""
        parts.append(f"{header}: {cell}" if header else cell)
    return "; ".join(parts) + "."


def parse_article(source: str, text: str, *, format: str = "text", pages: tuple[int, ...] = ()) -> Article:
    lines = [_strip_heading_marker(line) for line in _lines(text)]
    if not lines:
        raise UnreadableDocument(f"{source}: the article is empty")
    title = lines[0].text
    blocks: list[Block] = []
    sections: list[Section] = []
    section: str | None = None
    section_start = lines[0].end
    group = 0
    table_headers: list[str] | None = None
    in_list = False

    def close_section(end: int) -> None:
        if blocks and any(b.section == section and b.start >= section_start for b in blocks):
            sections.append(Section(section, section_start, end))

    for index, line in enumerate(lines[1:], start=1):
        lowered = line.text.lower().rstrip(":")
        if lowered in _NAVIGATION or lowered in _END_SECTIONS:
            break  # everything after navigation or a reference list is page furniture
        if lowered in _CONTENTS or line.text == title or _REFERENCE_ENTRY.match(line.text):
            continue
        if _is_table_line(line.text):
            in_list = False
            if _TABLE_SEPARATOR.match(line.text):
                continue
            if table_headers is None:
                group += 1
                table_headers = row_cells(line.text)
                continue
            cells = row_cells(line.text)
            blocks.append(Block("row", line.start, line.end, section, _row_statement(table_headers, cells), group))
            continue
        table_headers = None
        if line.heading:
            close_section(line.start)
            section, section_start = line.text, line.end
            in_list = False
            continue
        bullet = _BULLET.match(line.text)
        if bullet:
            if not in_list:
                group += 1
                in_list = True
            offset = bullet.end()
            blocks.append(Block("item", line.start + offset, line.end, section, line.text[offset:], group))
            continue
        in_list = False
        next_line = lines[index + 1] if index + 1 < len(lines) else None
        if next_line is not None and _looks_like_heading(line.text):
            close_section(line.start)
            section, section_start = line.text, line.end
            continue
        lead_in_group = group + 1 if line.text.endswith(":") else None
        blocks.append(Block("paragraph", line.start, line.end, section, line.text, lead_in_group))
    close_section(blocks[-1].end if blocks else len(text))
    if not blocks:
        raise UnreadableDocument(f"{source}: no answerable text after removing headings and page furniture")
    return Article(
        doc_id=Path(source).stem,
        source=source,
        title=title,
        text=text,
        sha256=sha256_of(text),
        sections=tuple(sections),
        blocks=_drop_dangling_lead_ins(blocks),
        format=format,
        pages=pages,
    )


def _drop_dangling_lead_ins(blocks: list[Block]) -> tuple[Block, ...]:
    """A paragraph ending in ':' leads into a list only when a list actually follows it."""
    kept = []
    for i, block in enumerate(blocks):
        if block.kind == "paragraph" and block.group is not None:
            following = blocks[i + 1] if i + 1 < len(blocks) else None
            if following is None or following.group != block.group or following.kind == "paragraph":
                block = Block(block.kind, block.start, block.end, block.section, block.statement, None)
        kept.append(block)
    return tuple(kept)

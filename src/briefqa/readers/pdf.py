"""PDF, through pypdfium2: the text layer page by page, with each page's offset kept.

PDF text comes as layout lines, not paragraphs, so lines are joined back into paragraphs:
a blank line or a heading ends one. A heading is a short line without closing punctuation
that follows the end of a sentence. Citations carry the page their offset falls on.
"""

from __future__ import annotations

import re

from ..articles import parse_article
from ..errors import UnreadableDocument
from ..records import Article

_BULLET = re.compile(r"^(?:[-*•▪◦–]|\d{1,2}[.)])\s+")
_CLOSING = tuple(".!?:;,")
_HEADING_WORDS = 10


def _looks_like_heading(line: str) -> bool:
    return len(line.split()) <= _HEADING_WORDS and not line.endswith(_CLOSING) and line[:1].isupper() and not _BULLET.match(line)


def page_record(page_text: str) -> str:
    """One page's layout lines -> paragraphs, headings and list items in the parser's conventions."""
    lines = [" ".join(raw.split()) for raw in page_text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    current: list[str] = []
    bullet = False

    def flush() -> None:
        nonlocal bullet
        if current:
            out.append(("- " if bullet else "") + " ".join(current))
            if not bullet:
                out.append("")
        current.clear()
        bullet = False

    for position, line in enumerate(lines):
        if not line:
            flush()
            continue
        following = next((later for later in lines[position + 1 :] if later), "")
        ended = not current or current[-1].endswith((".", "!", "?", ":", "”", '"'))
        marker = _BULLET.match(line)
        if marker:
            flush()
            bullet = True
            current.append(line[marker.end():])
        elif ended and _looks_like_heading(line) and following and not _looks_like_heading(following):
            # A run of short lines (a table's rows) is text; a short line before body text heads it.
            flush()
            out += [f"## {line}", ""]
        elif ended and _looks_like_heading(line):
            flush()
            current.append(line)
            flush()
        else:
            if bullet and ended:  # a sentence after a finished list item starts a paragraph
                flush()
            current.append(line)
    flush()
    return "\n".join(out).strip()


def read(data: bytes, name: str) -> Article:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        reason = str(exc)
        if "password" in reason.lower():
            raise UnreadableDocument(f"{name}: the PDF is encrypted or password-protected; upload an unprotected copy") from None
        raise UnreadableDocument(f"{name}: not a readable PDF ({reason})") from None
    try:
        if len(document) == 0:
            raise UnreadableDocument(f"{name}: the PDF has no pages")
        record, pages = "", []
        for page in document:
            textpage = page.get_textpage()
            text = page_record(textpage.get_text_range())
            textpage.close()
            page.close()
            if record:
                record += "\n\n"
            pages.append(len(record))
            record += text
    finally:
        document.close()
    if not record.strip():
        raise UnreadableDocument(f"{name}: the PDF has no text layer (a scanned image?); run OCR on it first")
    return parse_article(name, record + "\n", format="pdf", pages=tuple(pages))

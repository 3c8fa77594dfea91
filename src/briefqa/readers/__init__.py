"""Bytes -> Article, one reader per format behind one signature.

Every reader turns its format into a *text of record*: plain text in the conventions the
article parser already knows (a title line, ``## `` headings, ``- `` list items, ``| a | b |``
table rows, blank lines between paragraphs). That text is what the index stores, what
``GET /documents/{id}`` returns and what every citation's offsets point into, so quotes
stay exact whatever the original format was. The type is sniffed from the bytes, never
trusted from the name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import UnreadableDocument, UnsupportedFormat
from ..records import Article
from . import docx, html, markdown, pdf, text
from .sniffing import sniff

READERS: dict[str, Callable[[bytes, str], Article]] = {
    "text": text.read,
    "markdown": markdown.read,
    "html": html.read,
    "pdf": pdf.read,
    "docx": docx.read,
}
CONTENT_TYPES = {
    "text": "text/plain; charset=utf-8",
    "markdown": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")


def read_document(data: bytes, name: str) -> Article:
    """Parse one document; raises UnsupportedFormat (415) or UnreadableDocument (422)."""
    if not data.strip():
        raise UnreadableDocument(f"{name}: the file is empty")
    return READERS[sniff(data, name)](data, name)


def list_documents(folder: Path) -> list[Path]:
    """Files under ``folder`` (recursively) whose names say briefqa may read them; hidden ones skipped."""
    folder = Path(folder)
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if path.suffix.lower() in SUFFIXES:
            found.append(path)
    return found


__all__ = ["CONTENT_TYPES", "READERS", "SUFFIXES", "UnreadableDocument", "UnsupportedFormat", "list_documents", "read_document", "sniff"]

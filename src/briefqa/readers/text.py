"""Plain text: the file itself is the text of record, byte for byte."""

from __future__ import annotations

from ..articles import parse_article
from ..errors import UnreadableDocument
from ..records import Article


def decode(data: bytes, name: str) -> str:
    if b"\x00" in data:
        raise UnreadableDocument(f"{name}: binary content (NUL bytes) in a text file")
    try:
        # Universal newlines are not applied: offsets must match the raw file, \r\n included.
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(f"{name}: not UTF-8 (byte {exc.start}); re-save the file as UTF-8") from None


def read(data: bytes, name: str) -> Article:
    text = decode(data, name)
    if not text.replace("\ufeff", "").strip():
        raise UnreadableDocument(f"{name}: the file is empty")
    return parse_article(name, text, format="text")

"""What a file is, judged from its bytes: PDF and DOCX by their signatures, HTML by its markup."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from pathlib import PurePath

import filetype

from ..errors import UnreadableDocument, UnsupportedFormat

SUPPORTED = "plain text (.txt), Markdown (.md), HTML (.html, .htm), PDF (.pdf) and Word (.docx)"
_HTML = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|article|div|p|h[1-6])\b", re.I | re.S)


def sniff(data: bytes, name: str) -> str:
    suffix = PurePath(name).suffix.lower()
    kind = filetype.guess(data[:8192])
    if kind is not None and kind.mime == "application/pdf":
        return "pdf"
    if data.startswith(b"PK\x03\x04") or (kind is not None and kind.extension in ("zip", "docx")):
        if _is_word_archive(data):
            return "docx"
        if suffix == ".docx":
            raise UnreadableDocument(f"{name}: not a valid .docx (the zip archive is damaged or holds no document)")
        raise UnsupportedFormat(f"{name} is a zip archive, not a Word document; briefqa reads {SUPPORTED}")
    if kind is not None:
        raise UnsupportedFormat(f"{name} is {kind.mime}; briefqa reads {SUPPORTED}")
    if b"\x00" in data[:8192]:
        raise UnsupportedFormat(f"{name} is a binary file of an unknown type; briefqa reads {SUPPORTED}")
    if _HTML.match(data[:4096]):
        return "html"
    if suffix == ".docx":  # text where a Word archive should be
        raise UnreadableDocument(f"{name}: not a valid .docx (it is not a zip archive)")
    if suffix == ".pdf":
        raise UnreadableDocument(f"{name}: not a valid PDF (no PDF header)")
    return "markdown" if suffix in (".md", ".markdown") else "text"


def _is_word_archive(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False

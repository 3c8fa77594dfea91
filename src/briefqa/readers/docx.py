"""Word (.docx), through python-docx: headings from paragraph styles, list paragraphs, tables.

A .docx is a zip archive, so its declared uncompressed size is checked before anything is
inflated: an archive that would expand out of proportion (a zip bomb) is refused.
"""

from __future__ import annotations

import zipfile
from io import BytesIO

from ..articles import parse_article
from ..errors import UnreadableDocument
from ..records import Article

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 100  # a Word document's XML compresses about 5-20 times; far more is a bomb


def check_archive(data: bytes, name: str) -> None:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise UnreadableDocument(f"{name}: not a valid .docx (the zip archive is damaged)") from None
    expanded = sum(m.file_size for m in members)
    if expanded > MAX_UNCOMPRESSED or expanded > MAX_RATIO * max(len(data), 1) and expanded > 10 * 1024 * 1024:
        raise UnreadableDocument(f"{name}: the archive would expand to {expanded:,} bytes from {len(data):,}; refused as a likely zip bomb")


def _style(paragraph) -> str:
    try:
        return (paragraph.style.name or "").lower() if paragraph.style is not None else ""
    except (KeyError, ValueError):
        return ""


def _is_list(paragraph, style: str) -> bool:
    properties = paragraph._p.pPr
    return style.startswith("list") or (properties is not None and properties.numPr is not None)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def to_record(document) -> str:
    from docx.table import Table

    lines: list[str] = []
    title = _one_line(document.core_properties.title or "")
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.append("")
            for row in block.rows:
                lines.append("| " + " | ".join(_one_line(cell.text).replace("|", "/") for cell in row.cells) + " |")
            lines.append("")
            continue
        text = _one_line(block.text)
        if not text:
            continue
        style = _style(block)
        if style == "title":
            lines += [f"# {text}", ""]
            title = ""
        elif style.startswith("heading"):
            lines += ["", f"## {text}", ""]
        elif _is_list(block, style):
            lines.append(f"- {text}")
        else:
            if lines and lines[-1].startswith("- "):
                lines.append("")
            lines += [text, ""]
    body = "\n".join(lines)
    while "\n\n\n" in body:
        body = body.replace("\n\n\n", "\n\n")
    return (f"# {title}\n\n" if title else "") + body.strip() + "\n"


def read(data: bytes, name: str) -> Article:
    check_archive(data, name)
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = Document(BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise UnreadableDocument(f"{name}: not a valid .docx ({exc})") from None
    record = to_record(document)
    if not record.strip():
        raise UnreadableDocument(f"{name}: the Word document holds no text")
    return parse_article(name, record, format="docx")

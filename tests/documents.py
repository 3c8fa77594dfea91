"""Documents of every supported format, generated here so no binary fixture is committed."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone

PDF_PAGE_ONE = [
    "Harbour Security Review",
    "Inspectors at the Northgate harbour reviewed 340 cargo containers during the spring audit.",
    "The audit was ordered after a broker reported stolen customs seals.",
    "Findings",
    "Most containers matched their manifests, and the paperwork was complete.",
]
PDF_PAGE_TWO = [
    "Scanner Programme",
    "The port authority will install gamma-ray scanners at all nine gates by December 2027.",
    "The scanners cost 14 million euros and are paid for by a European grant.",
]


def pdf_bytes(*, encrypted: bool = False, text: bool = True) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(datetime(2026, 1, 5, tzinfo=timezone.utc))  # the same bytes on every call
    pdf.set_font("helvetica", size=11)
    if encrypted:
        pdf.set_encryption(owner_password="owner", user_password="secret")
    for page in (PDF_PAGE_ONE, PDF_PAGE_TWO):
        pdf.add_page()
        if not text:  # a scanned page: shapes, no text layer
            pdf.rect(20, 20, 120, 80, style="F")
            continue
        for line in page:
            pdf.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    if text:
        pdf.ln(4)
        with pdf.table() as table:
            for row in (("Gate", "Scanner"), ("North", "Installed"), ("South", "Planned")):
                cells = table.row()
                for cell in row:
                    cells.cell(cell)
    return bytes(pdf.output())


def docx_bytes() -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph("Fisheries Enforcement Memo", style="Title")
    document.add_paragraph("The coast patrol inspected 58 trawlers in the northern fishing grounds last quarter.")
    document.add_heading("Violations found", level=1)
    document.add_paragraph("Inspectors recorded the following violations:")
    document.add_paragraph("Undersized nets on eleven trawlers", style="List Bullet")
    document.add_paragraph("Missing catch logbooks on four trawlers", style="List Bullet")
    document.add_heading("Fines", level=1)
    table = document.add_table(rows=3, cols=2)
    for row, cells in zip(table.rows, (("Violation", "Fine"), ("Undersized nets", "2,500 kroner"), ("Missing logbook", "800 kroner"))):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    document.add_paragraph("The patrol commander said repeat offenders would lose their licences.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


HTML_PAGE = b"""<!doctype html>
<html><head><title>Lighthouse Restoration | Coastal Gazette</title>
<style>body { font-family: serif } .banner { color: red }</style>
<script>window.trackingId = "tracker-secret-7731"; console.log("analytics loaded");</script></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/subscribe">Subscribe today</a></li></ul></nav>
<div class="cookie-banner" id="cookie-consent"><p>We use cookies to personalise content. Accept all cookies to continue.</p></div>
<main><article>
<h1>Volunteers Restore the Old Lighthouse</h1>
<p>Volunteers finished restoring the Kestrel Point lighthouse on Saturday after three years of weekend work.
The lamp, first lit in 1874, will shine again from the first of May.</p>
<h2>Funding</h2>
<p>The restoration cost 310,000 pounds, most of it raised by the village through a community share offer.</p>
<ul><li>Stonework was repointed with lime mortar</li><li>The lantern glass was replaced</li></ul>
</article></main>
<footer><p>Copyright 2026 Coastal Gazette. All rights reserved. Read our privacy policy.</p></footer>
</body></html>
"""

MARKDOWN = b"""# Bridge Inspection Notes

The **Old Mill bridge** was closed on 4 March after engineers found [corrosion](https://example.org) in two girders.

## Repairs

- Replace both girders
- Repaint the deck

| Task | Weeks |
|---|---|
| Girders | 6 |
| Deck | 2 |
"""


def zip_bomb() -> bytes:
    """A .docx-shaped archive whose one member inflates a thousandfold."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (64 * 1024 * 1024))
    return buffer.getvalue()

"""HTML, through trafilatura: the page's main content only, as Markdown, then read as Markdown.

Navigation, cookie banners, footers, scripts and styles are what trafilatura's main-content
extraction leaves out; the page title leads the text when the content has no heading of its own.
"""

from __future__ import annotations

from ..articles import parse_article
from ..errors import UnreadableDocument
from ..records import Article
from .markdown import to_record


def read(data: bytes, name: str) -> Article:
    import trafilatura
    from trafilatura.metadata import extract_metadata

    body = trafilatura.extract(
        data, output_format="markdown", include_tables=True, include_comments=False, include_links=False,
        include_images=False, favor_precision=True,
    )
    if not body or not body.strip():
        raise UnreadableDocument(f"{name}: no main text found in the HTML page")
    metadata = extract_metadata(data)
    title = (metadata.title or "").strip() if metadata is not None else ""
    if title and not body.lstrip().startswith("#"):
        body = f"# {title}\n\n{body}"
    return parse_article(name, to_record(body), format="html")

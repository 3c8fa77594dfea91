"""Adding and removing documents in an existing index, without a rebuild.

Every upload is parsed before the index is touched, so a bad file changes nothing. The
change is then written as a new version of the index (only the new document embedded,
every other vector copied) and swapped in by renames, under the index's write lock, so
writers take turns and readers see the old version or the new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .embeddings import Embedder
from .errors import DocumentNotFound, DocumentTooLarge, InvalidInput
from .index import UPLOAD, Document, IngestReport, load_index, stored_documents, write_index, write_lock
from .readers import read_document
from .records import Article

MAX_NAME_CHARS = 200


def clean_name(name: str) -> str:
    """An uploaded file's name as a citation source: its last path part, nothing hidden or empty."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not base or base.startswith(".") or len(base) > MAX_NAME_CHARS or any(ord(c) < 32 for c in base):
        raise InvalidInput(f"unusable file name {name!r}: give a plain name such as report.pdf (not hidden, at most {MAX_NAME_CHARS} characters)")
    return base


def parse_uploads(uploads: Sequence[tuple[str, bytes]], *, max_bytes: int) -> list[Document]:
    """Read every upload or refuse them all: the first bad file raises, and nothing is written."""
    if not uploads:
        raise InvalidInput("no files given: send one or more files in the form field 'files'")
    documents, names = [], set()
    for name, data in uploads:
        source = clean_name(name)
        if source in names:
            raise InvalidInput(f"{source} is given twice in one upload")
        names.add(source)
        if len(data) > max_bytes:
            raise DocumentTooLarge(f"{source} is {len(data):,} bytes; the limit is {max_bytes:,} (BRIEFQA_MAX_UPLOAD_MB)")
        documents.append(Document(read_document(data, source), data, UPLOAD))
    return documents


def add_documents(
    index_dir: Path, uploads: Sequence[tuple[str, bytes]], *, max_bytes: int, embedder: Embedder | None = None, **options,
) -> tuple[IngestReport, list[Article]]:
    """Add (or, under an existing name, replace) documents; returns the report and the stored articles."""
    return store_documents(index_dir, parse_uploads(uploads, max_bytes=max_bytes), embedder=embedder, **options)


def store_documents(
    index_dir: Path, new: Sequence[Document], *, embedder: Embedder | None = None, progress: bool = False, **options,
) -> tuple[IngestReport, list[Article]]:
    """Write already-parsed documents into the index, replacing any with the same source."""
    with write_lock(index_dir):
        previous = load_index(index_dir)
        replaced = {d.article.source for d in new}
        kept = [d for d in stored_documents(index_dir, previous) if d.article.source not in replaced]
        report = write_index(kept + list(new), index_dir, embedder, progress=progress, previous=previous, **options)
    return report, _stored(index_dir, replaced)


def remove_document(index_dir: Path, doc_id: str, *, embedder: Embedder | None = None, **options) -> IngestReport:
    with write_lock(index_dir):
        previous = load_index(index_dir)
        documents = stored_documents(index_dir, previous)
        remaining = [d for d in documents if d.article.doc_id != doc_id]
        if len(remaining) == len(documents):
            raise DocumentNotFound(f"no document with id {doc_id!r}; GET /documents lists them")
        if not remaining:
            raise InvalidInput("the index would be empty: add another document before removing the last one")
        return write_index(remaining, index_dir, embedder, progress=False, previous=previous, **options)


def _stored(index_dir: Path, sources: set[str]) -> list[Article]:
    articles = load_index(index_dir, verify=False).articles.values()
    return sorted((a for a in articles if a.source in sources), key=lambda a: a.source)


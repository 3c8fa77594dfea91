"""Adding and removing documents in an existing index, touching only the shards that hold them.

Every upload is parsed before the index is touched, so a bad file changes nothing. The
shards a change touches are written afresh beside the old ones (only new documents are
embedded; the others keep their vectors), then the manifest is replaced in one rename, under
the index's write lock. Writers take turns; readers see the old manifest or the new one, and
the shard folders an old manifest names stay on disk until the next change, so a reader that
is part-way through loading the old version still finds them.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

from .embeddings import Embedder
from .errors import DocumentNotFound, DocumentTooLarge, IndexCorrupt, IndexNotFound, InvalidInput
from .index import (
    CORPUS_BM25, FORMAT_VERSION, MANIFEST, SHARD_CHUNKS, SHARDS_DIR, IngestReport, _file_sha256, _fsync_tree, article_entry,
    file_checksums, make_pieces, read_manifest, with_free_id, write_corpus_bm25, write_lock,
)
from .readers import read_document
from .records import Article
from .shards import FILES_DIR, UPLOAD, Document, Piece, read_shard, write_shard

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
    index_dir: Path, new: Sequence[Document], *, embedder: Embedder | None = None, **options,
) -> tuple[IngestReport, list[Article]]:
    """Write already-parsed documents into the index, replacing any with the same source."""
    with write_lock(index_dir):
        report, articles = _update(Path(index_dir), list(new), set(), embedder=embedder, **options)
    return report, articles


def remove_document(index_dir: Path, doc_id: str, *, embedder: Embedder | None = None, **options) -> IngestReport:
    with write_lock(index_dir):
        return _update(Path(index_dir), [], {doc_id}, embedder=embedder, **options)[0]


def _update(
    index_dir: Path, new: list[Document], removed_ids: set[str], *, embedder: Embedder | None, chunk_words: int = 90,
    batch_size: int = 32, progress: bool = False, verifier_dir: Path | None = None, shard_chunks: int = SHARD_CHUNKS,
) -> tuple[IngestReport, list[Article]]:
    began = time.perf_counter()
    index_dir = index_dir.resolve()
    manifest = _current_manifest(index_dir, chunk_words)
    entries = {a["source"]: a for a in manifest["articles"]}
    by_id = {a["doc_id"]: a for a in manifest["articles"]}
    for doc_id in removed_ids:
        if doc_id not in by_id:
            raise DocumentNotFound(f"no document with id {doc_id!r}; GET /documents lists them")
    if removed_ids and len(by_id) == len(removed_ids) and not new:
        raise InvalidInput("the index would be empty: add another document before removing the last one")

    shards = {s["name"]: s for s in manifest["shards"]}
    leaving = {by_id[i]["source"] for i in removed_ids} | {d.article.source for d in new if d.article.source in entries}
    touched: dict[str, list[Document]] = {entries[source]["shard"]: [] for source in leaving}
    last = manifest["shards"][-1]
    for document in new:
        home = entries.get(document.article.source, {}).get("shard")
        if home is None:  # a new document joins the last shard until it is full, then starts one
            numbers = [int(n.rsplit("-", 1)[-1]) for n in shards if n.rsplit("-", 1)[-1].isdigit()]
            home = last["name"] if last["counts"]["chunks"] < shard_chunks else f"shard-{max(numbers, default=-1) + 1:03d}"
        touched.setdefault(home, []).append(document)
    taken = {a["doc_id"] for a in manifest["articles"] if a["source"] not in leaving}

    report = IngestReport()
    version = int(manifest.get("version", 0)) + 1
    written: dict[str, dict] = {}
    pieces_by_shard: dict[str, list[Piece]] = {}
    for name, arriving in touched.items():
        kept: list[Piece] = []
        if name in shards:
            directory = index_dir / shards[name]["dir"]
            _verify_shard(index_dir, manifest, shards[name]["dir"])
            shard = read_shard(directory)
            kept_documents = {
                a.source: Document(a, None, entries[a.source]["origin"], kept_file=directory / FILES_DIR / a.source, known_sha256=entries[a.source]["file_sha256"])
                for a in shard.articles
            }
            old_pieces = {p.document.article.source: p for p in shard.pieces(kept_documents)}
            kept = [p for source, p in old_pieces.items() if source not in leaving]
            reusable = {source: old_pieces[source] for source in leaving if source in old_pieces}
        else:
            reusable = {}
        arriving = [with_free_id(d, taken) for d in arriving]
        fresh, embedder = make_pieces(
            arriving, reusable, embedder, report=report, chunk_words=chunk_words, batch_size=batch_size, progress=progress, onnx_dir=index_dir,
        )
        pieces = kept + fresh
        pieces_by_shard[name] = pieces
        if pieces:
            target = index_dir / SHARDS_DIR / f"{name}.v{version}"
            shutil.rmtree(target, ignore_errors=True)
            written[name] = {"name": name, "dir": f"{SHARDS_DIR}/{target.name}", **write_shard(target, pieces)}
            _fsync_tree(target)
    report.removed = sorted({by_id[i]["source"] for i in removed_ids})

    # The new manifest: touched shards replaced (or dropped when emptied), new ones appended.
    new_shards = [written.get(s["name"], s) for s in manifest["shards"] if s["name"] not in touched or s["name"] in written]
    new_shards += [s for name, s in written.items() if name not in shards]
    placed = {p.document.article.source: (p.document, name) for name, pieces in pieces_by_shard.items() for p in pieces}
    articles = []
    for shard in new_shards:
        for source in shard["documents"]:
            if source in placed:
                document, name = placed[source]
                articles.append(article_entry(document, name))
            else:
                articles.append(entries[source])
    bm25_dir = f"{SHARDS_DIR}/{CORPUS_BM25}.v{version}"
    shutil.rmtree(index_dir / bm25_dir, ignore_errors=True)
    updated = {**manifest, "version": version, "shards": new_shards, "bm25": write_corpus_bm25(index_dir, new_shards, bm25_dir),
               "articles": articles, "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    if updated["bm25"] == bm25_dir:
        _fsync_tree(index_dir / bm25_dir)
    updated["counts"] = {k: sum(s["counts"][k] for s in new_shards) for k in ("documents", "chunks", "sentences")}
    updated["files"] = file_checksums(index_dir, updated, manifest.get("files"))
    _replace_manifest(index_dir, updated)
    _remove_unreferenced_shards(
        index_dir, keep={s["dir"] for s in manifest["shards"] + new_shards} | {m.get("bm25") for m in (manifest, updated)},
    )
    report.chunks, report.sentences = updated["counts"]["chunks"], updated["counts"]["sentences"]
    report.seconds = time.perf_counter() - began
    new_sources = {d.article.source for d in new}
    return report, sorted((placed[s][0].article for s in new_sources), key=lambda a: a.source)


def _verify_shard(index_dir: Path, manifest: dict, directory: str) -> None:
    """The shard about to be rewritten must be intact: its damage would otherwise be carried forward."""
    for name, expected in manifest.get("files", {}).items():
        if name.startswith(directory + "/") and _file_sha256(index_dir / name) != expected:
            raise IndexCorrupt(f"index file {name} fails its checksum; rebuild with `briefqa ingest`")


def _current_manifest(index_dir: Path, chunk_words: int) -> dict:
    manifest = read_manifest(index_dir)
    if manifest is None:
        raise IndexNotFound(f"no index at {index_dir}; build one with `briefqa ingest --index {index_dir}`")
    if manifest.get("format") != FORMAT_VERSION or not manifest.get("shards"):
        raise IndexCorrupt(f"index format {manifest.get('format')} is not {FORMAT_VERSION}; rebuild with `briefqa ingest`")
    if manifest.get("chunk_words") != chunk_words:
        raise InvalidInput(f"the index was built with {manifest.get('chunk_words')}-word chunks, not {chunk_words}; re-ingest to change it")
    return manifest


def _replace_manifest(index_dir: Path, manifest: dict) -> None:
    """The one step that publishes a change: a new manifest, fsynced, renamed over the old one."""
    temporary = index_dir / f".{MANIFEST}.{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(manifest, indent=2, ensure_ascii=False))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, index_dir / MANIFEST)
    descriptor = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove_unreferenced_shards(index_dir: Path, *, keep: set[str]) -> None:
    for directory in (index_dir / SHARDS_DIR).iterdir():
        if f"{SHARDS_DIR}/{directory.name}" not in keep:
            shutil.rmtree(directory, ignore_errors=True)

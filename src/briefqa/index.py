"""Build, save and load the index directory.

An index is a directory of plain files:

    manifest.json    model, dimension, chunking parameters, the shards, every document's
                     origin and checksums, every file's checksum, version
    shards/<name>/   complete indexes of some of the documents each (see shards.py):
                     records, vectors, FAISS, BM25 and the originals
    model.onnx       the embedding model exported to ONNX, with tokenizer.json beside it
    verifier/        the trained answer verifier (verifier.onnx trees, verifier.json card)

A loaded index places its shards one after another (global id = shard offset + shard id), so
an index of one shard is numbered exactly as a single index would be; FAISS search fans out
over the shards and BM25 is rebuilt over every chunk when there is more than one shard, so its
term statistics are corpus-wide.

The index owns its documents. Each manifest entry records where a document came from:
``folder`` (synchronised with the corpus folder by ``briefqa ingest``) or ``upload`` (added
through the API or ``briefqa add``, and kept by a folder ingest). A folder ingest writes a new
index beside the old one and swaps it in by renames, re-embedding only what changed; adding or
removing documents rewrites only the shards that hold them (collection.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from . import __version__
from .articles import sha256_of
from .chunking import chunk_article
from .embeddings import DIMENSION, MODEL_NAME, Embedder, default_embedder, export_onnx
from .errors import CorpusError, IndexCorrupt, IndexNotFound
from .readers import list_documents, read_document
from .records import Article, Chunk, Sentence
from .shards import (
    FILES_DIR, FOLDER, UPLOAD, Document, FanOut, Piece, corpus_bm25, read_chunks, read_shard, renumbered, write_shard,
)
from .verifier import MODEL_FILE, MODEL_FILES, bundled_model_dir, read_card

MANIFEST = "manifest.json"
FORMAT_VERSION = 4  # 2: the verifier travels inside the index; 3: five formats, originals kept; 4: shards
VERIFIER_DIR = "verifier"
SHARDS_DIR = "shards"
CORPUS_BM25 = "corpus-bm25"  # beside the shards: BM25 over all of them, when there are several
# A folder ingest closes a shard at this many chunks. An update rewrites only the shards holding
# the documents it touches, so this bounds the cost of adding a document whatever the index size.
SHARD_CHUNKS = 1_000


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    chunks: int = 0
    sentences: int = 0
    embedded: int = 0
    embed_seconds: float = 0.0
    seconds: float = 0.0
    rebuilt: bool = True

    def summary(self) -> str:
        return (
            f"added {len(self.added)}, updated {len(self.updated)}, removed {len(self.removed)}, "
            f"unchanged {len(self.unchanged)}, skipped {len(self.skipped)}; "
            f"{self.chunks} chunks, {self.sentences} sentences, {self.embedded} texts embedded "
            f"in {self.seconds:.1f}s"
        )


@dataclass
class CorpusIndex:
    """A loaded index: everything retrieval and answering need, held in memory."""

    path: Path
    manifest: dict
    articles: dict[str, Article]  # by doc_id
    chunks: list[Chunk]
    sentences: list[Sentence]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    faiss_index: object
    sentence_faiss: object
    bm25: object

    @property
    def model(self) -> str:
        return self.manifest["model"]

    @cached_property
    def chunks_per_document(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for chunk in self.chunks:
            counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
        return counts


def sentence_embedding_text(sentence: Sentence, lead_in: str | None) -> str:
    # A bare list item ("Trade fraud") means little alone; its lead-in says what list it is in.
    if sentence.kind == "item" and lead_in:
        return f"{lead_in} {sentence.statement}"
    if sentence.kind == "row" and sentence.section:
        return f"{sentence.section}: {sentence.statement}"
    return sentence.statement


def lead_ins(sentences: list[Sentence]) -> dict[int, str]:
    """One document's list lead-ins by group (group numbers are per document)."""
    return {s.group: s.text for s in sentences if s.kind == "lead_in" and s.group is not None}


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    descriptor = os.open(root, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_manifest(index_dir: Path) -> dict | None:
    try:
        return json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_stale(corpus_dir: Path, index_dir: Path, *, embedder_name: str, chunk_words: int, verifier_dir: Path | None = None) -> bool:
    manifest = read_manifest(index_dir)
    if manifest is None or manifest.get("format") != FORMAT_VERSION:
        return True
    if manifest.get("model") != embedder_name or manifest.get("chunk_words") != chunk_words:
        return True
    if manifest.get("verifier") != _verifier_checksums(Path(verifier_dir) if verifier_dir else bundled_model_dir()):
        return True  # a retrained verifier reaches the index on the next `make index`
    corpus_dir = Path(corpus_dir)
    current = {_source_name(corpus_dir, p): _file_sha256(p) for p in list_documents(corpus_dir)} if corpus_dir.is_dir() else {}
    recorded = {a["source"]: a["file_sha256"] for a in manifest.get("articles", []) if a.get("origin", FOLDER) == FOLDER}
    recorded.update({s["source"]: s["file_sha256"] for s in manifest.get("skipped", [])})
    return current != recorded


def _source_name(corpus_dir: Path, path: Path) -> str:
    return path.relative_to(corpus_dir).as_posix()


def _read_corpus(corpus_dir: Path, report: IngestReport, warn: Callable[[str], None], max_article_bytes: int) -> list[Document]:
    """Parse every document under the folder; a file that cannot be read is skipped with a reason, never fatal."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder not found: {corpus_dir}")
    documents: list[Document] = []
    seen: dict[str, str] = {}
    for path in list_documents(corpus_dir):
        source = _source_name(corpus_dir, path)
        try:
            size = path.stat().st_size
            if size > max_article_bytes:
                raise CorpusError(f"{size:,} bytes is over the {max_article_bytes:,}-byte document limit (BRIEFQA_MAX_ARTICLE_BYTES)")
            data = path.read_bytes()
            article = read_document(data, source)
            if article.sha256 in seen:
                raise CorpusError(f"exact duplicate of {seen[article.sha256]}")
        except CorpusError as exc:
            reason = str(exc).removeprefix(f"{source}: ")
            report.skipped.append((source, reason))
            warn(f"skipped {source}: {reason}")
            continue
        seen[article.sha256] = source
        documents.append(Document(article, data, FOLDER))
    return documents


def stored_documents(index_dir: Path, index: CorpusIndex | None = None) -> list[Document]:
    """The documents an index holds, with their original bytes, to carry into its next version."""
    index = index or load_index(index_dir)
    recorded = {a["source"]: a for a in index.manifest.get("articles", [])}
    originals = _original_paths(Path(index_dir), index.manifest)
    documents = []
    for article in index.articles.values():
        entry = recorded.get(article.source, {})
        original = originals.get(article.source, Path(index_dir) / FILES_DIR / article.source)
        origin = entry.get("origin", FOLDER)
        if original.is_file() and entry.get("file_sha256"):
            documents.append(Document(article, None, origin, kept_file=original, known_sha256=entry["file_sha256"]))
        else:
            documents.append(Document(article, article.text.encode("utf-8"), origin))
    return documents


def with_free_id(document: Document, taken: set[str]) -> Document:
    """A document's id: its file stem, or the stem and format when another document has the stem."""
    stem = Path(document.article.source).stem
    doc_id, n = stem, 1
    while doc_id in taken:
        n += 1
        doc_id = f"{stem}-{document.article.format}" if n == 2 else f"{stem}-{n}"
    taken.add(doc_id)
    return document if doc_id == document.article.doc_id else replace(document, article=replace(document.article, doc_id=doc_id))


def _unique_ids(documents: list[Document]) -> list[Document]:
    taken: set[str] = set()
    return [with_free_id(d, taken) for d in documents]


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder | None = None,
    *,
    max_article_bytes: int = 50 * 1024 * 1024,
    warn: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
    **options,
) -> IngestReport:
    """Synchronise the index with ``corpus_dir``: read it, embed what changed, swap the new index in.

    Documents uploaded to the index (origin ``upload``) are kept unless a folder file of the
    same name replaces them. With no ``embedder`` the ONNX export in the index embeds the
    corpus (and later the queries), so documents and questions go through the same encoder.
    """
    report = IngestReport()
    documents = _read_corpus(Path(corpus_dir), report, warn, max_article_bytes)
    index_dir = Path(index_dir)
    with write_lock(index_dir):
        previous = load_previous(index_dir)
        uploads = [d for d in stored_documents(index_dir, previous) if d.origin == UPLOAD] if previous else []
        from_folder = {d.article.source for d in documents}
        documents += [d for d in uploads if d.article.source not in from_folder]
        if not documents:
            raise CorpusError(f"no readable documents in {corpus_dir} (briefqa reads .txt, .md, .html, .htm, .pdf and .docx)")
        return write_index(documents, index_dir, embedder, report=report, skipped_root=Path(corpus_dir), previous=previous, **options)


def write_index(
    documents: list[Document],
    index_dir: Path,
    embedder: Embedder | None = None,
    *,
    chunk_words: int = 90,
    batch_size: int = 32,
    progress: bool = True,
    with_onnx: bool = True,
    verifier_dir: Path | None = None,
    report: IngestReport | None = None,
    skipped_root: Path | None = None,
    previous: CorpusIndex | None = None,
    shard_chunks: int = SHARD_CHUNKS,
    shard_count: int | None = None,
    pieces: list[Piece] | None = None,
    onnx_from: Path | None = None,
) -> IngestReport:
    """Write ``documents`` as a whole new version of ``index_dir``, atomically, embedding only what changed.

    The caller holds ``write_lock(index_dir)``. Documents whose text is unchanged since the
    previous version keep their chunks, sentences and vectors; the rest are chunked and
    embedded. Documents are laid into shards in order, a new shard every ``shard_chunks`` chunks,
    or into ``shard_count`` shards of about equal size. ``pieces`` already embedded elsewhere (on
    Ray) are written as given.
    """
    began = time.perf_counter()
    report = report or IngestReport()
    if pieces is not None:
        documents = _unique_ids([p.document for p in pieces])
        pieces = [replace(p, document=d) for p, d in zip(pieces, documents)]
    else:
        documents = _unique_ids(documents)
    index_dir = Path(index_dir).resolve()
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_builds(index_dir)
    staging = index_dir.parent / f".{index_dir.name}.building-{os.getpid()}"  # writers hold write_lock: one per index
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        if with_onnx:
            _place_onnx(Path(onnx_from) if onnx_from else index_dir, staging, fresh_export=onnx_from is not None and onnx_from != index_dir)
        verifier_source = Path(verifier_dir) if verifier_dir else bundled_model_dir()
        _place_verifier(verifier_source, staging / VERIFIER_DIR, embedder.name if embedder else MODEL_NAME)
        if pieces is None:
            reusable = _reusable(
                previous if previous is not None else load_previous(index_dir),
                embedder_name=embedder.name if embedder else MODEL_NAME, chunk_words=chunk_words,
            )
            pieces, embedder = make_pieces(
                documents, reusable, embedder, report=report, chunk_words=chunk_words, batch_size=batch_size, progress=progress,
                onnx_dir=staging if with_onnx else None,
            )
            report.removed = sorted(set(reusable) - {d.article.source for d in documents})
        layout = _split(pieces, shard_count) if shard_count else _lay_out(pieces, shard_chunks)
        shards = []
        for number, group in enumerate(layout):
            name = f"shard-{number:03d}"
            shards.append({"name": name, "dir": f"{SHARDS_DIR}/{name}", **write_shard(staging / SHARDS_DIR / name, group)})
        report.chunks = sum(len(p.chunks) for p in pieces)
        report.sentences = sum(len(p.sentences) for p in pieces)
        bm25_dir = write_corpus_bm25(
            staging, shards, f"{SHARDS_DIR}/{CORPUS_BM25}", chunks=[c for group in layout for p in group for c in p.chunks],
        )
        manifest = {
            "format": FORMAT_VERSION,
            "briefqa_version": __version__,
            "model": embedder.name if embedder else MODEL_NAME,
            "dimension": embedder.dimension if embedder else DIMENSION,
            "chunk_words": chunk_words,
            "onnx": "model.onnx" if with_onnx else None,
            "verifier": _verifier_checksums(verifier_source),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "shards": shards,
            "bm25": bm25_dir,
            "articles": [article_entry(p.document, shard["name"]) for shard, group in zip(shards, layout) for p in group],
            "skipped": [
                {"source": s, "reason": r, "file_sha256": _file_sha256(skipped_root / s)} for s, r in report.skipped if skipped_root is not None
            ],
            "counts": {"documents": len(pieces), "chunks": report.chunks, "sentences": report.sentences},
        }
        write_manifest(staging, manifest)
        _fsync_tree(staging)
        _swap_in(staging, index_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.seconds = time.perf_counter() - began
    return report


def article_entry(document: Document, shard: str) -> dict:
    article = document.article
    return {
        "source": article.source, "doc_id": article.doc_id, "format": article.format, "origin": document.origin, "shard": shard,
        "sha256": article.sha256, "file_sha256": document.file_sha256, "bytes": document.size, "chars": len(article.text),
    }


def make_pieces(
    documents: list[Document], reusable: dict[str, Piece], embedder: Embedder | None, *, report: IngestReport,
    chunk_words: int, batch_size: int, progress: bool, onnx_dir: Path | None,
) -> tuple[list[Piece], Embedder | None]:
    """Each document as a Piece: carried over when its text is unchanged, chunked and embedded otherwise."""
    pieces: list[Piece] = []
    to_embed: list[tuple[np.ndarray, int, str]] = []
    dimension = embedder.dimension if embedder else DIMENSION
    for document in documents:
        article = document.article
        before = reusable.get(article.source)
        if before is not None and before.document.article.sha256 == article.sha256:
            report.unchanged.append(article.source)
            pieces.append(Piece(document, before.chunks, before.sentences, before.chunk_vectors, before.sentence_vectors))
            continue
        (report.updated if before is not None else report.added).append(article.source)
        chunked = chunk_article(article, chunk_words=chunk_words, first_chunk_id=0, first_sentence_id=0)
        piece = Piece(
            document, list(chunked.chunks), list(chunked.sentences),
            np.zeros((len(chunked.chunks), dimension), np.float32), np.zeros((len(chunked.sentences), dimension), np.float32),
        )
        leads = lead_ins(piece.sentences)
        to_embed += [(piece.chunk_vectors, c.chunk_id, c.search_text) for c in piece.chunks]
        to_embed += [(piece.sentence_vectors, x.sentence_id, sentence_embedding_text(x, leads.get(x.group))) for x in piece.sentences]
        pieces.append(piece)
    if to_embed:
        if embedder is None:  # loaded only when something changed: an unchanged corpus re-ingests in about a second
            embedder = onnx_embedder(onnx_dir) if onnx_dir is not None else default_embedder()
        bar = _progress_bar(len(to_embed), enabled=progress)
        embedding_began = time.perf_counter()
        vectors = embedder.embed_many([t for _, _, t in to_embed], batch_size=batch_size, progress=bar.update)
        report.embed_seconds += time.perf_counter() - embedding_began
        bar.close()
        for (target, row, _), vector in zip(to_embed, vectors):
            target[row] = vector
    report.embedded += len(to_embed)
    return pieces, embedder


def _lay_out(pieces: list[Piece], shard_chunks: int) -> list[list[Piece]]:
    """Pieces into shards, in order: a shard closes once it holds ``shard_chunks`` chunks."""
    shards: list[list[Piece]] = [[]]
    size = 0
    for piece in pieces:
        if shards[-1] and size + len(piece.chunks) > shard_chunks:
            shards.append([])
            size = 0
        shards[-1].append(piece)
        size += len(piece.chunks)
    return shards


def _split(pieces: list[Piece], count: int) -> list[list[Piece]]:
    """Pieces into at most ``count`` shards of about equal chunk counts, in order (a document is never split)."""
    total = max(1, sum(len(p.chunks) for p in pieces))
    shards: list[list[Piece]] = [[] for _ in range(count)]
    before = 0
    for piece in pieces:
        shards[min(count - 1, before * count // total)].append(piece)
        before += len(piece.chunks)
    return [group for group in shards if group]


def write_corpus_bm25(index_dir: Path, shards: list[dict], target: str, chunks: list[Chunk] | None = None) -> str:
    """The BM25 index a loaded index searches, as a path inside ``index_dir``.

    One shard's own BM25 is already corpus-wide. Over several shards, one BM25 over every chunk
    (in load order) is written at ``target``, so term weights never depend on which shard holds a
    chunk, and the cost of building it is paid once per write, not at every load of every replica.
    ``chunks`` (in load order), when the caller has them, spares reading the shards back.
    """
    if len(shards) == 1:
        return f"{shards[0]['dir']}/bm25"
    if chunks is None:
        chunks = [chunk for shard in shards for chunk in read_chunks(index_dir / shard["dir"])]
    corpus_bm25(chunks).save(str(index_dir / target))
    return target


def file_checksums(index_dir: Path, manifest: dict, known: dict[str, str] | None = None) -> dict[str, str]:
    """Checksums of the files a manifest names: the encoder, the verifier and its shards' files.

    ``known`` carries over the previous version's checksums for files it already had (an update
    hashes only the shards it wrote). Originals (files/) are left out: they are checked against
    their document's file_sha256 when served, since answering never reads them and hashing every
    PDF of a large collection would slow each load.
    """
    known = known or {}
    roots = [index_dir / s["dir"] for s in manifest["shards"]] + [index_dir / VERIFIER_DIR]
    roots += [index_dir / manifest["bm25"]] if manifest.get("bm25") else []
    paths = [p for root in roots for p in root.rglob("*") if p.is_file() and FILES_DIR not in p.relative_to(root).parts]
    paths += [index_dir / name for name in ("model.onnx", "tokenizer.json") if (index_dir / name).is_file()]
    return {p.relative_to(index_dir).as_posix(): known.get(p.relative_to(index_dir).as_posix()) or _file_sha256(p) for p in sorted(paths)}


def write_manifest(directory: Path, manifest: dict) -> None:
    manifest["files"] = file_checksums(directory, manifest)
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")


def original_path(index_dir: Path, manifest: dict, source: str) -> Path:
    return _original_paths(index_dir, manifest).get(source, index_dir / FILES_DIR / source)


def _original_paths(index_dir: Path, manifest: dict) -> dict[str, Path]:
    """Where each document's original is kept: in its shard's files/ folder."""
    directories = {s["name"]: s["dir"] for s in manifest.get("shards", [])}
    return {a["source"]: index_dir / directories.get(a.get("shard"), ".") / FILES_DIR / a["source"] for a in manifest.get("articles", [])}


@contextmanager
def write_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time per index, across threads and processes (an flock beside the index)."""
    import fcntl

    index_dir = Path(index_dir).resolve()
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with _THREAD_LOCK, open(index_dir.parent / f".{index_dir.name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_THREAD_LOCK = threading.RLock()


def _verifier_checksums(model_dir: Path) -> dict[str, str] | None:
    files = [Path(model_dir) / name for name in MODEL_FILES]
    if not all(f.is_file() for f in files):
        return None
    return {f.name: _file_sha256(f) for f in files}


def _place_verifier(source: Path, target: Path, encoder: str) -> None:
    """Copy the trained verifier into the index, so an index answers the same wherever it goes."""
    if _verifier_checksums(source) is None:
        raise CorpusError(f"no trained verifier in {source} (needs {', '.join(MODEL_FILES)}); run `make train`")
    card = read_card(source)  # refuse a model trained on other features before anything is written
    if card.encoder is not None and card.encoder != encoder:
        # Its trees learned what an answer's cosine looks like through that encoder; another one's
        # cosines would be judged on the wrong scale, and briefqa's honesty with them.
        raise CorpusError(
            f"the verifier in {source} was trained on the encoder {card.encoder}, but this ingest embeds with {encoder}; "
            "set BRIEFQA_ENCODER_DIR to that encoder, or run `make train` to train a verifier for this one"
        )
    target.mkdir()
    for name in MODEL_FILES:
        shutil.copyfile(source / name, target / name)


def _remove_abandoned_builds(index_dir: Path) -> None:
    """Delete staging folders left by an ingest that was killed (its process is gone)."""
    for leftover in index_dir.parent.glob(f".{index_dir.name}.building-*"):
        pid = leftover.name.split(".building-", 1)[-1].split("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(leftover, ignore_errors=True)


def onnx_embedder(index_dir: Path, *, threads: int = 2, serving: bool = False) -> Embedder:
    from .embeddings import OnnxEmbedder

    return OnnxEmbedder(Path(index_dir) / "model.onnx", Path(index_dir) / "tokenizer.json", threads=threads, serving=serving)


def _place_onnx(previous_index: Path, staging: Path, *, fresh_export: bool = False) -> None:
    """Reuse the previous build's ONNX export when it is intact (or an export just made for this build);
    export afresh otherwise (needs torch)."""
    manifest = read_manifest(previous_index) or {}
    files = manifest.get("files", {})
    names = ("model.onnx", "tokenizer.json")
    reusable = all((previous_index / n).is_file() for n in names) and (fresh_export or manifest.get("model") == MODEL_NAME and all(
        name in files and _file_sha256(previous_index / name) == files[name] for name in names
    ))
    if reusable:
        for name in ("model.onnx", "tokenizer.json"):
            try:
                os.link(previous_index / name, staging / name)  # 90 MB not copied on every update
            except OSError:
                shutil.copy(previous_index / name, staging / name)
    else:
        export_onnx(staging / "model.onnx")


def _progress_bar(total: int, *, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="embedding", unit="text", disable=not enabled, file=sys.stderr)


def load_previous(index_dir: Path) -> CorpusIndex | None:
    try:
        return load_index(index_dir)
    except (IndexNotFound, IndexCorrupt):
        return None


def _reusable(old: CorpusIndex | None, *, embedder_name: str, chunk_words: int) -> dict[str, Piece]:
    """The previous version's documents as pieces, by source, when they were made the same way."""
    if old is None or old.manifest.get("model") != embedder_name or old.manifest.get("chunk_words") != chunk_words:
        return {}
    reusable = {}
    chunks_of, sentences_of = _group(old.chunks, lambda c: c.doc_id), _group(old.sentences, lambda s: s.source)
    for article in old.articles.values():
        own_chunks, own_sentences = chunks_of.get(article.doc_id, []), sentences_of.get(article.source, [])
        local_chunks, local_sentences = renumbered(own_chunks, own_sentences, 0, 0)
        reusable[article.source] = Piece(
            Document(article, None), local_chunks, local_sentences,
            old.chunk_vectors[[c.chunk_id for c in own_chunks]], old.sentence_vectors[[x.sentence_id for x in own_sentences]],
        )
    return reusable


def _group(items, key) -> dict:
    """Items by key, in order: one pass, where a filter per document would be quadratic in the index size."""
    grouped: dict = {}
    for item in items:
        grouped.setdefault(key(item), []).append(item)
    return grouped


def _swap_in(staging: Path, index_dir: Path) -> None:
    """Replace ``index_dir`` with the finished ``staging`` directory by renames on one filesystem."""
    retired = index_dir.parent / f".{index_dir.name}.retired-{os.getpid()}"
    if index_dir.exists():
        os.replace(index_dir, retired)
    os.replace(staging, index_dir)
    shutil.rmtree(retired, ignore_errors=True)


def load_index(index_dir: Path, *, verify: bool = True) -> CorpusIndex:
    """Load an index directory, verifying every file against the manifest's checksums."""
    import bm25s

    index_dir = Path(index_dir)
    manifest = read_manifest(index_dir)
    if manifest is None:
        if (index_dir / MANIFEST).exists():
            raise IndexCorrupt(f"{index_dir / MANIFEST} is unreadable; rebuild with `briefqa ingest`")
        raise IndexNotFound(f"no index at {index_dir}; build one with `briefqa ingest --index {index_dir}`")
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexCorrupt(f"index format {manifest.get('format')} is not {FORMAT_VERSION}; rebuild with `briefqa ingest`")
    if manifest.get("model") != MODEL_NAME or manifest.get("dimension") != DIMENSION:
        raise IndexCorrupt(
            f"index was built with {manifest.get('model')} ({manifest.get('dimension')} dimensions), not "
            f"{MODEL_NAME} ({DIMENSION}); rebuild with `briefqa ingest`"
        )
    if verify:
        for name, expected in manifest.get("files", {}).items():
            path = index_dir / name
            if not path.is_file():
                raise IndexCorrupt(f"index file {name} is missing; rebuild with `briefqa ingest`")
            if _file_sha256(path) != expected:
                raise IndexCorrupt(f"index file {name} fails its checksum; rebuild with `briefqa ingest`")
    if manifest.get("verifier") is None or not (index_dir / VERIFIER_DIR / MODEL_FILE).is_file():
        raise IndexCorrupt(f"index at {index_dir} has no answer verifier; rebuild with `briefqa ingest`")
    try:
        shards = [read_shard(index_dir / shard["dir"]) for shard in manifest["shards"]]
        bm25_dir = manifest.get("bm25") or (f"{manifest['shards'][0]['dir']}/bm25" if len(shards) == 1 else None)
        bm25 = bm25s.BM25.load(str(index_dir / bm25_dir)) if bm25_dir else None  # None: an index written before "bm25"
    except Exception as exc:  # any unreadable file means the same thing to the caller
        raise IndexCorrupt(f"index at {index_dir} cannot be read ({type(exc).__name__}); rebuild with `briefqa ingest`") from exc
    articles, chunks, sentences, chunk_parts, sentence_parts = [], [], [], [], []
    for shard in shards:
        chunk_parts.append((shard.faiss_chunks, len(chunks)))
        sentence_parts.append((shard.faiss_sentences, len(sentences)))
        placed_chunks, placed_sentences = renumbered(shard.chunks, shard.sentences, len(chunks), len(sentences))
        articles += shard.articles
        chunks += placed_chunks
        sentences += placed_sentences
    dimension = manifest.get("dimension")
    chunk_vectors = np.vstack([s.chunk_vectors for s in shards]) if shards else np.zeros((0, dimension), np.float32)
    sentence_vectors = np.vstack([s.sentence_vectors for s in shards]) if shards else np.zeros((0, dimension), np.float32)
    if chunk_vectors.shape != (len(chunks), dimension) or sentence_vectors.shape != (len(sentences), dimension):
        raise IndexCorrupt(f"index vectors do not match the manifest's {dimension} dimensions; rebuild with `briefqa ingest`")
    faiss_index = chunk_parts[0][0] if len(shards) == 1 else FanOut(chunk_parts)
    sentence_faiss = sentence_parts[0][0] if len(shards) == 1 else FanOut(sentence_parts)
    if faiss_index.ntotal != len(chunks) or sentence_faiss.ntotal != len(sentences) or faiss_index.d != dimension:
        raise IndexCorrupt("FAISS index does not match the chunk store; rebuild with `briefqa ingest`")
    return CorpusIndex(
        path=index_dir,
        manifest=manifest,
        articles={a.doc_id: a for a in articles},
        chunks=chunks,
        sentences=sentences,
        chunk_vectors=chunk_vectors,
        sentence_vectors=sentence_vectors,
        faiss_index=faiss_index,
        sentence_faiss=sentence_faiss,
        bm25=bm25 if bm25 is not None else corpus_bm25(chunks),
    )

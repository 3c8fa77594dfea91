"""Build, save and load the index directory.

An index is a directory of plain files:

    manifest.json    model, dimension, chunking parameters, article and file checksums, version
    store.json       articles (with their raw text), chunks and sentences
    chunks.npy       chunk vectors, row i belongs to chunk_id i
    sentences.npy    sentence vectors, row i belongs to sentence_id i
    chunks.faiss     FAISS inner-product index over chunks.npy
    sentences.faiss  FAISS inner-product index over sentences.npy
    bm25/            bm25s index over the chunks' search text
    model.onnx       the embedding model exported to ONNX, with tokenizer.json beside it
    verifier/        the trained answer verifier (verifier.txt trees, verifier.json card)
    files/           every document's original bytes, as ingested or uploaded (GET /documents/{id}/file)

FAISS row positions are the chunk ids: chunks are numbered densely in build order,
so no id map is needed and a loaded index reproduces itself exactly.

The index owns its documents. Each manifest entry records where a document came from:
``folder`` (synchronised with the corpus folder by ``briefqa ingest``) or ``upload`` (added
through the API or ``briefqa add``, and kept by a folder ingest). Every change writes a new
index beside the old one and swaps it in by renames, re-embedding only what changed.
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
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from . import __version__
from .articles import sha256_of
from .chunking import chunk_article
from .embeddings import DIMENSION, MODEL_NAME, Embedder, default_embedder, export_onnx
from .errors import CorpusError, IndexCorrupt, IndexNotFound
from .readers import list_documents, read_document
from .records import Article, Block, Chunk, Section, Sentence
from .terms import content_stems
from .verifier import META_FILE, MODEL_FILE, bundled_model_dir, read_card

MANIFEST = "manifest.json"
# Exact search takes ~19 ms a query at 100k vectors here (docs/benchmarks.md); HNSW takes
# under 1 ms. efSearch 64 gave recall@10 0.91 at 1M, so search wider.
ANN_THRESHOLD = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 160
FORMAT_VERSION = 3  # 2: the answer verifier travels inside the index; 3: readers for five formats, originals kept
VERIFIER_DIR = "verifier"
FILES_DIR = "files"
FOLDER, UPLOAD = "folder", "upload"


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


def bm25_tokens(chunk: Chunk) -> list[str]:
    return content_stems(f"{chunk.title} {chunk.search_text}") or ["_"]


def lead_ins(sentences: list[Sentence]) -> dict[int, str]:
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


def _article_to_json(article: Article) -> dict:
    return asdict(article)


def _article_from_json(data: dict) -> Article:
    return Article(
        doc_id=data["doc_id"],
        source=data["source"],
        title=data["title"],
        text=data["text"],
        sha256=data["sha256"],
        sections=tuple(Section(**s) for s in data["sections"]),
        blocks=tuple(Block(**b) for b in data["blocks"]),
        format=data.get("format", "text"),
        pages=tuple(data.get("pages", ())),
    )


@dataclass
class Document:
    """An article together with what the index keeps of its file: the bytes (or, for a document
    carried over unchanged, the file already in the index), their checksum, its origin."""

    article: Article
    data: bytes | None
    origin: str = FOLDER
    kept_file: Path | None = None  # the previous version's copy, linked rather than rewritten
    known_sha256: str | None = None

    @cached_property
    def file_sha256(self) -> str:
        return self.known_sha256 or hashlib.sha256(self.data or b"").hexdigest()

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else self.kept_file.stat().st_size

    def place(self, target: Path) -> None:
        """Put the original at ``target``: a hard link to the kept copy when there is one (no bytes copied)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        if self.data is None:
            try:
                os.link(self.kept_file, target)
            except OSError:  # another filesystem, or links not allowed
                shutil.copyfile(self.kept_file, target)
        else:
            target.write_bytes(self.data)


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
    documents = []
    for article in index.articles.values():
        entry = recorded.get(article.source, {})
        original = Path(index_dir) / FILES_DIR / article.source
        origin = entry.get("origin", FOLDER)
        if original.is_file() and entry.get("file_sha256"):
            documents.append(Document(article, None, origin, kept_file=original, known_sha256=entry["file_sha256"]))
        else:
            documents.append(Document(article, article.text.encode("utf-8"), origin))
    return documents


def _unique_ids(documents: list[Document]) -> list[Document]:
    """Give every document a distinct id: its file stem, or the stem and format when two share a stem."""
    from dataclasses import replace

    taken: set[str] = set()
    unique = []
    for document in documents:
        stem = Path(document.article.source).stem
        doc_id, n = stem, 1
        while doc_id in taken:
            n += 1
            doc_id = f"{stem}-{document.article.format}" if n == 2 else f"{stem}-{n}"
        taken.add(doc_id)
        unique.append(document if doc_id == document.article.doc_id else replace(document, article=replace(document.article, doc_id=doc_id)))
    return unique


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
) -> IngestReport:
    """Write ``documents`` as the new version of ``index_dir``, atomically, embedding only what changed.

    The caller holds ``write_lock(index_dir)``. Vectors of documents whose text is unchanged
    since the previous version are copied, so adding one document costs that document's
    embeddings plus rewriting the (small) store and search structures.
    """
    began = time.perf_counter()
    report = report or IngestReport()
    documents = _unique_ids(documents)
    index_dir = Path(index_dir).resolve()
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_builds(index_dir)
    staging = index_dir.parent / f".{index_dir.name}.building-{os.getpid()}"  # writers hold write_lock: one per index
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        if with_onnx:
            _place_onnx(index_dir, staging)
        verifier_source = Path(verifier_dir) if verifier_dir else bundled_model_dir()
        _place_verifier(verifier_source, staging / VERIFIER_DIR)
        reusable = _reusable(
            previous if previous is not None else load_previous(index_dir),
            embedder_name=embedder.name if embedder else MODEL_NAME, chunk_words=chunk_words,
        )
        articles, chunks, sentences = [], [], []
        fresh: set[str] = set()
        for document in documents:
            article = document.article
            before = reusable.get(article.source)
            if before is not None and before.sha256 == article.sha256:
                own_chunks, own_sentences = _renumbered(before, article.doc_id, len(chunks), len(sentences))
            else:
                chunked = chunk_article(article, chunk_words=chunk_words, first_chunk_id=len(chunks), first_sentence_id=len(sentences))
                own_chunks, own_sentences = list(chunked.chunks), list(chunked.sentences)
                fresh.add(article.source)
            articles.append(article)
            chunks.extend(own_chunks)
            sentences.extend(own_sentences)
            document.place(staging / FILES_DIR / article.source)

        dimension = embedder.dimension if embedder else DIMENSION
        chunk_vectors = np.zeros((len(chunks), dimension), dtype=np.float32)
        sentence_vectors = np.zeros((len(sentences), dimension), dtype=np.float32)
        leads = lead_ins(sentences)
        to_embed: list[tuple[np.ndarray, int, str]] = []
        chunks_of, sentences_of = _group(chunks, lambda c: c.doc_id), _group(sentences, lambda s: s.source)
        for article in articles:
            own_chunks, own_sentences = chunks_of.get(article.doc_id, []), sentences_of.get(article.source, [])
            if article.source not in fresh:
                before = reusable[article.source]
                report.unchanged.append(article.source)
                chunk_vectors[[c.chunk_id for c in own_chunks]] = before.chunk_vectors
                sentence_vectors[[s.sentence_id for s in own_sentences]] = before.sentence_vectors
                continue
            (report.updated if article.source in reusable else report.added).append(article.source)
            to_embed += [(chunk_vectors, c.chunk_id, c.search_text) for c in own_chunks]
            to_embed += [(sentence_vectors, s.sentence_id, sentence_embedding_text(s, leads.get(s.group))) for s in own_sentences]
        report.removed = sorted(set(reusable) - {a.source for a in articles})

        if to_embed:
            if embedder is None:  # loaded only when something changed: an unchanged corpus re-ingests in about a second
                embedder = onnx_embedder(staging) if with_onnx else default_embedder()
            bar = _progress_bar(len(to_embed), enabled=progress)
            embedding_began = time.perf_counter()
            vectors = embedder.embed_many([t for _, _, t in to_embed], batch_size=batch_size, progress=bar.update)
            report.embed_seconds = time.perf_counter() - embedding_began
            bar.close()
            for (target, row, _), vector in zip(to_embed, vectors):
                target[row] = vector
        report.embedded = len(to_embed)
        report.chunks, report.sentences = len(chunks), len(sentences)

        manifest = {
            "format": FORMAT_VERSION,
            "briefqa_version": __version__,
            "model": embedder.name if embedder else MODEL_NAME,
            "dimension": dimension,
            "chunk_words": chunk_words,
            "onnx": "model.onnx" if with_onnx else None,
            "verifier": _verifier_checksums(verifier_source),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "articles": [
                {
                    "source": d.article.source, "doc_id": d.article.doc_id, "format": d.article.format, "origin": d.origin,
                    "sha256": d.article.sha256, "file_sha256": d.file_sha256, "bytes": d.size, "chars": len(d.article.text),
                }
                for d in documents
            ],
            "skipped": [
                {"source": s, "reason": r, "file_sha256": _file_sha256(skipped_root / s)} for s, r in report.skipped if skipped_root is not None
            ],
            "counts": {"documents": len(articles), "chunks": len(chunks), "sentences": len(sentences)},
        }
        _write_files(staging, manifest, articles, chunks, sentences, chunk_vectors, sentence_vectors)
        _swap_in(staging, index_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.seconds = time.perf_counter() - began
    return report


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
    files = [Path(model_dir) / MODEL_FILE, Path(model_dir) / META_FILE]
    if not all(f.is_file() for f in files):
        return None
    return {f.name: _file_sha256(f) for f in files}


def _place_verifier(source: Path, target: Path) -> None:
    """Copy the trained verifier into the index, so an index answers the same wherever it goes."""
    if _verifier_checksums(source) is None:
        raise CorpusError(f"no trained verifier in {source} (needs {MODEL_FILE} and {META_FILE}); run `make train`")
    read_card(source)  # refuse a model trained on other features before anything is written
    target.mkdir()
    for name in (MODEL_FILE, META_FILE):
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


def _place_onnx(previous_index: Path, staging: Path) -> None:
    """Reuse the previous build's ONNX export when it is intact; export afresh otherwise (needs torch)."""
    manifest = read_manifest(previous_index) or {}
    files = manifest.get("files", {})
    reusable = manifest.get("model") == MODEL_NAME and all(
        name in files and (previous_index / name).is_file() and _file_sha256(previous_index / name) == files[name]
        for name in ("model.onnx", "tokenizer.json")
    )
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


@dataclass
class _Previous:
    """What a document had in the previous version: reused when its text and the embedding settings are unchanged."""

    sha256: str
    chunks: list[Chunk]
    sentences: list[Sentence]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray


def load_previous(index_dir: Path) -> CorpusIndex | None:
    try:
        return load_index(index_dir)
    except (IndexNotFound, IndexCorrupt):
        return None


def _reusable(old: CorpusIndex | None, *, embedder_name: str, chunk_words: int) -> dict[str, _Previous]:
    """The previous version's chunks, sentences and vectors, by source, when they were made the same way."""
    if old is None or old.manifest.get("model") != embedder_name or old.manifest.get("chunk_words") != chunk_words:
        return {}
    reusable = {}
    chunks_of, sentences_of = _group(old.chunks, lambda c: c.doc_id), _group(old.sentences, lambda s: s.source)
    for article in old.articles.values():
        own_chunks, own_sentences = chunks_of.get(article.doc_id, []), sentences_of.get(article.source, [])
        reusable[article.source] = _Previous(
            article.sha256, own_chunks, own_sentences,
            old.chunk_vectors[[c.chunk_id for c in own_chunks]], old.sentence_vectors[[x.sentence_id for x in own_sentences]],
        )
    return reusable


def _renumbered(previous: _Previous, doc_id: str, first_chunk_id: int, first_sentence_id: int) -> tuple[list[Chunk], list[Sentence]]:
    """An unchanged document's chunks and sentences at their new positions: the same as chunking it again, without the work."""
    new_ids = {x.sentence_id: first_sentence_id + i for i, x in enumerate(previous.sentences)}
    new_chunk_ids = {c.chunk_id: first_chunk_id + i for i, c in enumerate(previous.chunks)}
    sentences = [replace(x, sentence_id=new_ids[x.sentence_id], chunk_id=new_chunk_ids[x.chunk_id]) for x in previous.sentences]
    chunks = [
        replace(c, chunk_id=first_chunk_id + i, doc_id=doc_id, sentence_ids=tuple(new_ids[x] for x in c.sentence_ids))
        for i, c in enumerate(previous.chunks)
    ]
    return chunks, sentences


def _group(items, key) -> dict:
    """Items by key, in order: one pass, where a filter per document would be quadratic in the index size."""
    grouped: dict = {}
    for item in items:
        grouped.setdefault(key(item), []).append(item)
    return grouped


def vector_index(vectors: np.ndarray):
    """Exact search for small corpora; HNSW above ANN_THRESHOLD vectors, where exact search gets slow."""
    import faiss

    if len(vectors) < ANN_THRESHOLD:
        index = faiss.IndexFlatIP(vectors.shape[1])
    else:
        index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    index.add(vectors)
    return index


def describe_vector_index(count: int) -> dict:
    if count < ANN_THRESHOLD:
        return {"type": "IndexFlatIP", "vectors": count}
    return {"type": "IndexHNSWFlat", "vectors": count, "M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION, "efSearch": HNSW_EF_SEARCH}


def _write_files(staging: Path, manifest: dict, articles, chunks, sentences, chunk_vectors, sentence_vectors) -> None:
    import bm25s
    import faiss

    store = {
        "articles": [_article_to_json(a) for a in articles],
        "chunks": [asdict(c) for c in chunks],
        "sentences": [asdict(s) for s in sentences],
    }
    (staging / "store.json").write_text(json.dumps(store, ensure_ascii=False), encoding="utf-8")
    np.save(staging / "chunks.npy", chunk_vectors)
    np.save(staging / "sentences.npy", sentence_vectors)
    manifest["faiss"] = {}
    for name, vectors in (("chunks", chunk_vectors), ("sentences", sentence_vectors)):
        faiss.write_index(vector_index(vectors), str(staging / f"{name}.faiss"))
        manifest["faiss"][name] = describe_vector_index(len(vectors))
    retriever = bm25s.BM25()
    retriever.index([bm25_tokens(c) for c in chunks], show_progress=False)
    retriever.save(str(staging / "bm25"))
    # Originals (files/) are checked against their article's file_sha256 when served, not at every load:
    # answering never reads them, and hashing every PDF of a large collection would slow each load and update.
    manifest["files"] = {
        str(p.relative_to(staging)): _file_sha256(p) for p in sorted(staging.rglob("*")) if p.is_file() and p.relative_to(staging).parts[0] != FILES_DIR
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    _fsync_tree(staging)


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
    import faiss

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
        store = json.loads((index_dir / "store.json").read_text(encoding="utf-8"))
        chunk_vectors = np.load(index_dir / "chunks.npy")
        sentence_vectors = np.load(index_dir / "sentences.npy")
        faiss_index = faiss.read_index(str(index_dir / "chunks.faiss"))
        sentence_faiss = faiss.read_index(str(index_dir / "sentences.faiss"))
        bm25 = bm25s.BM25.load(str(index_dir / "bm25"))
    except Exception as exc:  # any unreadable file means the same thing to the caller
        raise IndexCorrupt(f"index at {index_dir} cannot be read ({type(exc).__name__}); rebuild with `briefqa ingest`") from exc
    articles = [_article_from_json(a) for a in store["articles"]]
    chunks = [Chunk(**{**c, "sentence_ids": tuple(c["sentence_ids"])}) for c in store["chunks"]]
    sentences = [Sentence(**s) for s in store["sentences"]]
    dimension = manifest.get("dimension")
    if chunk_vectors.shape != (len(chunks), dimension) or sentence_vectors.shape != (len(sentences), dimension):
        raise IndexCorrupt(f"index vectors do not match the manifest's {dimension} dimensions; rebuild with `briefqa ingest`")
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
        bm25=bm25,
    )

"""The library's front door: one loaded index with its embedder, retriever and answerer.

The API and the CLI hold an Engine and call it; neither computes anything itself.
Everything heavy loads lazily, once, on first use.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .answering import Answerer, validate_question
from .briefing import Briefer, validate_topic
from .embeddings import Embedder, default_embedder
from .errors import DocumentNotFound, IndexCorrupt, IndexNotFound, InvalidInput
from .collection import add_documents, remove_document
from .index import MANIFEST, VERIFIER_DIR, CorpusIndex, load_index, onnx_embedder, original_path
from .readers import CONTENT_TYPES
from .records import Answer, Article, Briefing, Hit
from .retrieval import Retriever
from .verifier import TreeVerifier

MAX_TOP_K = 50
RELOAD_CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class DocumentSummary:
    doc_id: str
    source: str
    title: str
    chars: int
    chunks: int
    sha256: str
    format: str = "text"
    sections: tuple[str, ...] = ()


@dataclass(frozen=True)
class Health:
    status: str  # "ok" | "no_index" | "degraded"
    documents: int
    chunks: int
    model: str | None
    built_at: str | None
    embedder: str | None
    reason: str | None = None
    verifier: str | None = None
    answer_threshold: float | None = None  # the confidence an answer needs unless a request sets its own


class Engine:
    def __init__(
        self, index_dir: Path, *, embedder: Embedder | None = None, candidates: int = 12, max_answer_chars: int = 400,
        auto_reload: bool = True, onnx_threads: int = 2, concurrent: bool = False, min_confidence: float | None = None,
    ) -> None:
        self.index_dir = Path(index_dir)
        # None: answer at the verifier's own threshold, chosen on held-out articles (its card says which).
        self.min_confidence = None if min_confidence is None else _checked_confidence(min_confidence)
        self._embedder = embedder
        self._candidates = candidates
        self._max_answer_chars = max_answer_chars
        self.auto_reload = auto_reload
        self._onnx_threads = onnx_threads
        self._concurrent = concurrent  # a server: queries overlap, so a single-threaded session is kept too
        self._reload_lock = threading.Lock()
        self._loaded: tuple[CorpusIndex, Answerer] | None = None
        self._error: Exception | None = None
        self._seen: tuple[int, int, int] | None = None
        self._checked = time.monotonic()
        self._embedder_note: str | None = None

    # -- loading -----------------------------------------------------------------

    @property
    def embedder(self) -> Embedder:
        """The ONNX export inside the index when there is one; sentence-transformers (torch) otherwise."""
        if self._embedder is None:
            if (self.index_dir / "model.onnx").is_file():
                self._embedder = onnx_embedder(self.index_dir, threads=self._onnx_threads, serving=self._concurrent)
            else:
                self._embedder = default_embedder()
                self._embedder_note = "sentence-transformers (fallback: the index has no model.onnx; re-run briefqa ingest)"
        return self._embedder

    def _signature(self) -> tuple[int, int, int] | None:
        try:
            stat = (self.index_dir / MANIFEST).stat()
        except OSError:
            return None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def load(self) -> bool:
        """Load the index on disk now; True when it is the one being served.

        A failed load never replaces an index that is already serving: the old one keeps
        answering and ``health`` reports the problem.
        """
        with self._reload_lock:
            return self._load_locked()

    def _load_locked(self) -> bool:
        signature = self._signature()
        try:
            index = load_index(self.index_dir)
            retriever = Retriever(index, self.embedder)
            verifier = TreeVerifier(self.index_dir / VERIFIER_DIR)
            answerer = Answerer(index, retriever, verifier, candidates=self._candidates, max_answer_chars=self._max_answer_chars)
        except (IndexNotFound, IndexCorrupt) as exc:
            self._error, self._seen = exc, signature
            return False
        # _loaded is swapped as one tuple, so a request sees the old index or the new one, never a mix.
        self._loaded, self._error, self._seen = (index, answerer), None, signature
        return True

    def _refresh(self) -> None:
        """Pick up a newly completed index, checking the manifest at most once a second.

        The load (checksums of ~90 MB, FAISS, BM25) runs in a background thread, so the
        request that notices the change is answered from the current index without waiting.
        """
        now = time.monotonic()
        if now - self._checked < RELOAD_CHECK_SECONDS:
            return
        self._checked = now
        if self._signature() != self._seen and self._reload_lock.acquire(blocking=False):
            threading.Thread(target=self._reload_and_release, name="briefqa-reload", daemon=True).start()

    def _reload_and_release(self) -> None:
        try:
            self._load_locked()
        finally:
            self._reload_lock.release()

    def _ready(self) -> tuple[CorpusIndex, Answerer]:
        if self._loaded is None and self._error is None:
            self.load()
        elif self.auto_reload:
            self._refresh()
        loaded = self._loaded
        if loaded is None:
            raise self._error or IndexNotFound(f"no index at {self.index_dir}")
        return loaded

    @property
    def index(self) -> CorpusIndex:
        return self._ready()[0]

    # -- operations --------------------------------------------------------------

    def ask(self, question: str, *, top_k: int = 5, min_confidence: float | None = None) -> Answer:
        """``min_confidence`` (0-1) overrides the engine's default, which is the verifier's threshold unless set."""
        validate_question(question)
        _check_top_k(top_k)
        min_confidence = self.min_confidence if min_confidence is None else _checked_confidence(min_confidence)
        return self._ready()[1].ask(question, top_k=top_k, min_confidence=min_confidence)

    @property
    def answer_threshold(self) -> float:
        """The confidence an answer needs unless a request sets its own."""
        return self._bar(self._ready()[1])

    def _bar(self, answerer: Answerer) -> float:
        return answerer.verifier.card.threshold if self.min_confidence is None else self.min_confidence

    def search(self, query: str, *, top_k: int = 5) -> list[Hit]:
        if not isinstance(query, str) or not query.strip():
            raise InvalidInput("query must not be blank")
        _check_top_k(top_k)
        index, answerer = self._ready()
        return answerer.retriever.search(" ".join(query.split()), top_k=top_k)

    def brief(self, topic: str, *, max_points: int = 8) -> Briefing:
        validate_topic(topic, max_points)
        return Briefer(self._ready()[1]).brief(topic, max_points=max_points)

    def documents(self) -> list[DocumentSummary]:
        index = self.index
        counts = index.chunks_per_document
        return [
            DocumentSummary(
                a.doc_id, a.source, a.title, len(a.text), counts.get(a.doc_id, 0), a.sha256, a.format,
                tuple(s.heading for s in a.sections if s.heading),
            )
            for a in sorted(index.articles.values(), key=lambda a: a.source)
        ]

    def document(self, doc_id: str) -> Article:
        article = self.index.articles.get(doc_id)
        if article is None:
            raise DocumentNotFound(f"no document with id {doc_id!r}; GET /documents lists them")
        return article

    def original(self, doc_id: str) -> tuple[bytes, str, str]:
        """A document's file as it was ingested or uploaded: bytes, content type, file name."""
        article = self.document(doc_id)
        index = self.index
        path = original_path(index.path, index.manifest, article.source)
        try:
            data = path.read_bytes()
        except OSError:
            raise DocumentNotFound(f"the original file of {doc_id!r} is not kept in this index; re-run briefqa ingest") from None
        expected = next((a.get("file_sha256") for a in index.manifest.get("articles", []) if a["source"] == article.source), None)
        if expected and hashlib.sha256(data).hexdigest() != expected:
            raise IndexCorrupt(f"the original file of {doc_id!r} fails its checksum; re-add it or re-run briefqa ingest")
        return data, CONTENT_TYPES.get(article.format, "application/octet-stream"), Path(article.source).name

    # -- writes ------------------------------------------------------------------

    def add(self, uploads: list[tuple[str, bytes]], *, max_bytes: int) -> list[Article]:
        """Add or replace documents in the index on disk, then serve the new version before returning."""
        _, articles = add_documents(self.index_dir, uploads, max_bytes=max_bytes, embedder=self._write_embedder())
        self.load()
        return articles

    def remove(self, doc_id: str) -> None:
        remove_document(self.index_dir, doc_id, embedder=self._write_embedder())
        self.load()

    def _write_embedder(self) -> Embedder | None:
        # The serving encoder embeds new documents too: no second model load, the same vectors.
        self._ready()
        return self.embedder

    def health(self) -> Health:
        try:
            index = self._ready()[0]
        except IndexNotFound as exc:
            return Health("no_index", 0, 0, None, None, None, str(exc))
        except IndexCorrupt as exc:
            return Health("degraded", 0, 0, None, None, None, str(exc))
        manifest = index.manifest
        status, reason = "ok", None
        if self._error is not None:  # a newer index failed; the previous one is still answering
            status, reason = "degraded", f"{self._error} (still serving the index built at {manifest.get('built_at')})"
        return Health(
            status,
            len(index.articles),
            len(index.chunks),
            manifest.get("model"),
            manifest.get("built_at"),
            self._embedder_note or getattr(self._embedder, "backend", None),
            reason,
            self._verifier_note(),
            self._answer_threshold(),
        )

    def _answer_threshold(self) -> float | None:
        loaded = self._loaded
        return None if loaded is None else self._bar(loaded[1])

    def _verifier_note(self) -> str | None:
        loaded = self._loaded
        if loaded is None:
            return None
        verifier = loaded[1].verifier
        chosen = "" if self.min_confidence is None else f" (set; the verifier's own threshold is {verifier.card.threshold})"
        return f"{verifier.kind}, trained {verifier.card.version or 'unknown'}, answers at confidence >= {self._bar(loaded[1])}{chosen}"


def _checked_confidence(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise InvalidInput("min_confidence must be a number from 0 to 1")
    return float(value)


def _check_top_k(top_k: int) -> None:
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
        raise InvalidInput(f"top_k must be an integer from 1 to {MAX_TOP_K}")

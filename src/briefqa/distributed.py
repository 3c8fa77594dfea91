"""Ingest on Ray: read, parse and chunk documents as Ray Data tasks, embed them in actors, write shards.

Nothing else in briefqa imports this module, and it imports Ray only when called, so the
default (local) path never needs Ray. The stages are briefqa's own (readers, chunking, the
ONNX encoder, shards.write_shard); Ray only schedules them. Without an address Ray starts a
local cluster with ``workers`` CPUs.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .index import UPLOAD, IngestReport, _source_name, lead_ins, load_previous, sentence_embedding_text, stored_documents
from .records import Chunk, Sentence
from .shards import FOLDER, Document, Piece, article_from_json


def _parse(row: dict, chunk_words: int, max_bytes: int, known: dict[str, str]) -> dict:
    """One file -> its article, chunks and sentences (ids from 0), and the texts to embed; or the reason it was skipped.

    A document whose text of record is unchanged since the previous version (``known``: source ->
    sha256) is neither chunked nor embedded: the driver carries its pieces over.
    """
    from .chunking import chunk_article
    from .errors import BriefQAError
    from .readers import read_document

    path, source = Path(row["path"]), row["source"]
    try:
        if path.stat().st_size > max_bytes:
            raise BriefQAError(f"{path.stat().st_size:,} bytes is over the {max_bytes:,}-byte document limit (BRIEFQA_MAX_ARTICLE_BYTES)")
        data = path.read_bytes()
        article = read_document(data, source)
    except BriefQAError as exc:
        return {"source": source, "error": str(exc).removeprefix(f"{source}: "), "record": ""}
    if known.get(source) == article.sha256:
        return {"source": source, "error": "", "record": json.dumps({"unchanged": True, "texts": []})}
    chunked = chunk_article(article, chunk_words=chunk_words, first_chunk_id=0, first_sentence_id=0)
    leads = lead_ins(list(chunked.sentences))
    texts = [c.search_text for c in chunked.chunks] + [sentence_embedding_text(s, leads.get(s.group)) for s in chunked.sentences]
    record = {
        "article": asdict(article), "chunks": [asdict(c) for c in chunked.chunks], "sentences": [asdict(s) for s in chunked.sentences],
        "texts": texts,
    }
    return {"source": source, "error": "", "record": json.dumps(record, ensure_ascii=False)}


DOCUMENTS_PER_BATCH = 16  # enough texts for length-sorted batches, few enough to keep every actor busy


class _Encoder:
    """A Ray Data actor: loads the index's ONNX encoder once and embeds whole documents' texts."""

    def __init__(self, onnx_dir: str, batch_size: int) -> None:
        from .index import onnx_embedder

        self.embedder = onnx_embedder(Path(onnx_dir), threads=1)
        self.batch_size = batch_size

    def __call__(self, batch: dict) -> dict:
        # All the batch's texts in one call: embed_many sorts them by length, so a batch pads
        # sentences with sentences and chunks with chunks instead of one document's mix.
        texts = [json.loads(record)["texts"] if record else [] for record in batch["record"]]
        flat = [text for own in texts for text in own]
        embedded = np.asarray(self.embedder.embed_many(flat, batch_size=self.batch_size), dtype=np.float32) if flat else None
        vectors, begin = [], 0
        for own in texts:
            vectors.append(embedded[begin : begin + len(own)].tobytes() if own else b"")  # raw float32: 1.5 kB a text to the driver
            begin += len(own)
        return {**batch, "vectors": np.array(vectors, dtype=object)}


def ray_pieces(
    corpus_dir: Path, onnx_dir: Path, report: IngestReport, *, address: str | None, workers: int, chunk_words: int,
    batch_size: int, max_bytes: int, reusable: dict[str, Piece] | None = None, progress: bool = False,
    warn: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
) -> list[Piece]:
    """Every readable document of the folder as an embedded Piece, computed on Ray; ``reusable``
    pieces (the previous version's, by source) are carried over for documents whose text is unchanged."""
    import ray
    from tqdm import tqdm

    from .readers import list_documents

    reusable = reusable or {}
    if not ray.is_initialized():
        ray.init(address=address, num_cpus=None if address else workers, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    ray.data.DataContext.get_current().enable_progress_bars = False  # one bar of our own, in documents, below
    files = [{"path": str(p), "source": _source_name(Path(corpus_dir), p)} for p in list_documents(Path(corpus_dir))]
    if not files:
        return []
    known = {source: piece.document.article.sha256 for source, piece in reusable.items()}
    dataset = ray.data.from_items(files, override_num_blocks=min(len(files), max(workers * 4, 1)))
    parsed = dataset.map(_parse, fn_kwargs={"chunk_words": chunk_words, "max_bytes": max_bytes, "known": known})
    embedded = parsed.map_batches(
        _Encoder, fn_constructor_kwargs={"onnx_dir": str(onnx_dir), "batch_size": batch_size},
        compute=ray.data.ActorPoolStrategy(size=workers), batch_size=DOCUMENTS_PER_BATCH, batch_format="numpy",
    )
    for name in ("ray.data", "ray.data._internal.execution.streaming_executor", "ray.data._internal.util"):
        logging.getLogger(name).setLevel(logging.ERROR)  # ray.data sets up its loggers on first use; quiet them after
    rows = []
    with tqdm(total=len(files), desc="embedding on Ray", unit="doc", disable=not progress, file=sys.stderr) as bar:
        for row in embedded.iter_rows():
            rows.append(row)
            bar.update(1)
    pieces, seen = [], {}
    for row in sorted(rows, key=lambda r: r["source"]):  # the local engine's order
        source = row["source"]
        if row["error"]:
            report.skipped.append((source, row["error"]))
            warn(f"skipped {source}: {row['error']}")
            continue
        record = json.loads(row["record"])
        data = (Path(corpus_dir) / source).read_bytes()
        if record.get("unchanged"):
            before = reusable[source]
            article, chunks, sentences = before.document.article, before.chunks, before.sentences
            chunk_vectors, sentence_vectors = before.chunk_vectors, before.sentence_vectors
        else:
            article = article_from_json(record["article"])
            chunks = [Chunk(**{**c, "sentence_ids": tuple(c["sentence_ids"])}) for c in record["chunks"]]
            sentences = [Sentence(**x) for x in record["sentences"]]
            vectors = np.frombuffer(row["vectors"], dtype=np.float32).reshape(len(chunks) + len(sentences), -1)
            chunk_vectors, sentence_vectors = vectors[: len(chunks)].copy(), vectors[len(chunks) :].copy()
            report.embedded += len(chunks) + len(sentences)
        if article.sha256 in seen:
            reason = f"exact duplicate of {seen[article.sha256]}"
            report.skipped.append((source, reason))
            warn(f"skipped {source}: {reason}")
            continue
        seen[article.sha256] = source
        pieces.append(Piece(Document(article, data, FOLDER), chunks, sentences, chunk_vectors, sentence_vectors))
        (report.unchanged if record.get("unchanged") else report.updated if source in reusable else report.added).append(source)
    return pieces


def uploaded_pieces(index_dir: Path, previous, reusable: dict[str, Piece], taken: set[str]) -> list[Piece]:
    """Documents uploaded to the previous version, carried over with their vectors (a folder ingest keeps them)."""
    if previous is None:
        return []
    uploads = {d.article.source: d for d in stored_documents(index_dir, previous) if d.origin == UPLOAD and d.article.source not in taken}
    return [Piece(uploads[s], reusable[s].chunks, reusable[s].sentences, reusable[s].chunk_vectors, reusable[s].sentence_vectors) for s in uploads]


def build_index_on_ray(
    corpus_dir: Path, index_dir: Path, *, address: str | None = None, shards: int = 2, workers: int = 2, chunk_words: int = 90,
    batch_size: int = 32, max_article_bytes: int = 50 * 1024 * 1024, verifier_dir: Path | None = None, progress: bool = False,
    warn: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
) -> IngestReport:
    """`briefqa ingest --engine ray`: the folder parsed, chunked and embedded on Ray, written as ``shards`` shards.

    The index is written and swapped in only after every document is back from Ray, under the
    same write lock and staging folder as a local ingest: a failed or killed run leaves the
    previous index serving.
    """
    import tempfile

    from .embeddings import MODEL_NAME, export_onnx
    from .errors import CorpusError
    from .index import _reusable, write_index, write_lock

    began = time.perf_counter()
    report = IngestReport()
    index_dir = Path(index_dir)
    with write_lock(index_dir), tempfile.TemporaryDirectory(prefix="briefqa-ray-") as scratch:
        encoder_dir = index_dir if (index_dir / "model.onnx").is_file() else Path(scratch)
        if encoder_dir != index_dir:
            export_onnx(encoder_dir / "model.onnx")
        previous = load_previous(index_dir)
        reusable = _reusable(previous, embedder_name=MODEL_NAME, chunk_words=chunk_words)
        pieces = ray_pieces(
            corpus_dir, encoder_dir, report, address=address, workers=workers, chunk_words=chunk_words, batch_size=batch_size,
            max_bytes=max_article_bytes, reusable=reusable, progress=progress, warn=warn,
        )
        pieces += uploaded_pieces(index_dir, previous, reusable, {p.document.article.source for p in pieces})
        report.removed = sorted(set(reusable) - {p.document.article.source for p in pieces})
        if not pieces:
            raise CorpusError(f"no readable documents in {corpus_dir} (briefqa reads .txt, .md, .html, .htm, .pdf and .docx)")
        write_index(
            [p.document for p in pieces], index_dir, report=report, pieces=pieces, shard_count=shards, chunk_words=chunk_words,
            verifier_dir=verifier_dir, skipped_root=Path(corpus_dir), onnx_from=encoder_dir, progress=False,
        )
    report.seconds = time.perf_counter() - began
    return report


def serve_on_ray(index_dir: Path, settings, *, replicas: int, host: str, port: int, address: str | None = None) -> None:
    """`briefqa serve --engine ray`: the same FastAPI app, one copy per Ray Serve replica, each loading the index once.

    Every replica builds its own app (and so its own Engine, hot reload included) from the
    settings; Ray Serve's proxy spreads requests over them. Blocks until interrupted.
    """
    import ray
    from ray import serve

    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    serve.start(http_options={"host": host, "port": port})

    def build_app():
        from .api import create_app

        return create_app(index_dir=Path(index_dir), settings=settings, replicas=replicas)

    @serve.deployment(name="briefqa", num_replicas=replicas, ray_actor_options={"num_cpus": 0})
    @serve.ingress(build_app)
    class Replica:
        pass

    try:  # Ctrl-C while serve.run still waits for the replicas takes the same clean way out
        serve.run(Replica.bind(), name="briefqa", route_prefix="/")
        print(f"briefqa serving on http://{host}:{port} with {replicas} Ray Serve replicas; Ctrl-C stops", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C must not cut the shutdown short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        serve.shutdown()
        ray.shutdown()

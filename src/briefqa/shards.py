"""One shard: a complete index of some of the documents, in its own folder.

    store.json       the shard's documents (with their text of record), chunks and sentences
    chunks.npy       chunk vectors, row i belongs to the shard's chunk i
    sentences.npy    sentence vectors, row i belongs to the shard's sentence i
    chunks.faiss     FAISS inner-product index over chunks.npy
    sentences.faiss  FAISS inner-product index over sentences.npy
    bm25/            bm25s index over the shard's chunks (a several-shard index also keeps one over
                     all shards, corpus-bm25, named by the manifest)
    files/           the shard's documents' original bytes

Ids inside a shard count from 0. A loaded index places its shards one after another, so
global id = shard offset + shard id, and an index of one shard is numbered exactly as before
shards existed. A change to some documents rewrites only the shards that hold them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from .records import Article, Block, Chunk, Section, Sentence
from .terms import content_stems

FILES_DIR = "files"
FOLDER, UPLOAD = "folder", "upload"
# Exact search takes ~19 ms a query at 100k vectors here (docs/benchmarks.md); HNSW takes
# under 1 ms. efSearch 64 gave recall@10 0.91 at 1M, so search wider.
ANN_THRESHOLD = 50_000
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 160


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


@dataclass
class Piece:
    """One document ready to be written into a shard: chunks and sentences numbered from 0, with their vectors."""

    document: Document
    chunks: list[Chunk]
    sentences: list[Sentence]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray


def renumbered(chunks: list[Chunk], sentences: list[Sentence], first_chunk: int, first_sentence: int, doc_id: str | None = None):
    """The same chunks and sentences at new positions (a shard's, or the loaded index's)."""
    sentence_ids = {s.sentence_id: first_sentence + i for i, s in enumerate(sentences)}
    chunk_ids = {c.chunk_id: first_chunk + i for i, c in enumerate(chunks)}
    new_sentences = [replace(s, sentence_id=sentence_ids[s.sentence_id], chunk_id=chunk_ids[s.chunk_id]) for s in sentences]
    new_chunks = [
        replace(c, chunk_id=chunk_ids[c.chunk_id], sentence_ids=tuple(sentence_ids[x] for x in c.sentence_ids), doc_id=doc_id or c.doc_id)
        for c in chunks
    ]
    return new_chunks, new_sentences


def bm25_tokens(chunk: Chunk) -> list[str]:
    return content_stems(f"{chunk.title} {chunk.search_text}") or ["_"]


def vector_index(vectors: np.ndarray):
    """Exact search for small shards; HNSW above ANN_THRESHOLD vectors, where exact search gets slow."""
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


def corpus_bm25(chunks: list[Chunk]):
    """BM25 over every chunk of the index: term statistics are corpus-wide, whichever shard holds a chunk."""
    import bm25s

    retriever = bm25s.BM25()
    retriever.index([bm25_tokens(c) for c in chunks], show_progress=False)
    return retriever


def read_chunks(directory: Path) -> list[Chunk]:
    """A shard's chunks alone (ids from 0), without its vectors or FAISS indexes."""
    store = json.loads((Path(directory) / "store.json").read_text(encoding="utf-8"))
    return [Chunk(**{**c, "sentence_ids": tuple(c["sentence_ids"])}) for c in store["chunks"]]


def write_shard(target: Path, pieces: list[Piece]) -> dict:
    """Write one shard folder from its documents' pieces; returns what the manifest records of it."""
    import faiss

    target.mkdir(parents=True)
    articles, chunks, sentences, chunk_rows, sentence_rows = [], [], [], [], []
    for piece in pieces:
        own_chunks, own_sentences = renumbered(piece.chunks, piece.sentences, len(chunks), len(sentences), piece.document.article.doc_id)
        articles.append(piece.document.article)
        chunks += own_chunks
        sentences += own_sentences
        chunk_rows.append(piece.chunk_vectors)
        sentence_rows.append(piece.sentence_vectors)
        piece.document.place(target / FILES_DIR / piece.document.article.source)
    dimension = pieces[0].chunk_vectors.shape[1]
    chunk_vectors = np.vstack(chunk_rows) if chunk_rows else np.zeros((0, dimension), np.float32)
    sentence_vectors = np.vstack(sentence_rows) if sentence_rows else np.zeros((0, dimension), np.float32)
    store = {"articles": [asdict(a) for a in articles], "chunks": [asdict(c) for c in chunks], "sentences": [asdict(s) for s in sentences]}
    (target / "store.json").write_text(json.dumps(store, ensure_ascii=False), encoding="utf-8")
    np.save(target / "chunks.npy", chunk_vectors.astype(np.float32))
    np.save(target / "sentences.npy", sentence_vectors.astype(np.float32))
    for name, vectors in (("chunks", chunk_vectors), ("sentences", sentence_vectors)):
        faiss.write_index(vector_index(vectors.astype(np.float32)), str(target / f"{name}.faiss"))
    corpus_bm25(chunks).save(str(target / "bm25"))
    return {
        "documents": [p.document.article.source for p in pieces],
        "counts": {"documents": len(articles), "chunks": len(chunks), "sentences": len(sentences)},
        "faiss": {"chunks": describe_vector_index(len(chunks)), "sentences": describe_vector_index(len(sentences))},
    }


@dataclass
class Shard:
    """A shard read back: its records (ids from 0), vectors and search structures."""

    articles: list[Article]
    chunks: list[Chunk]
    sentences: list[Sentence]
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    faiss_chunks: object
    faiss_sentences: object
    directory: Path

    def pieces(self, documents: dict[str, Document]) -> list[Piece]:
        """The shard split back into per-document pieces, to carry unchanged documents into a new version."""
        by_doc: dict[str, list[Chunk]] = {}
        for chunk in self.chunks:
            by_doc.setdefault(chunk.doc_id, []).append(chunk)
        by_source: dict[str, list[Sentence]] = {}
        for sentence in self.sentences:
            by_source.setdefault(sentence.source, []).append(sentence)
        pieces = []
        for article in self.articles:
            chunks, sentences = by_doc.get(article.doc_id, []), by_source.get(article.source, [])
            local_chunks, local_sentences = renumbered(chunks, sentences, 0, 0)
            pieces.append(Piece(
                documents[article.source], local_chunks, local_sentences,
                self.chunk_vectors[[c.chunk_id for c in chunks]], self.sentence_vectors[[s.sentence_id for s in sentences]],
            ))
        return pieces


def article_from_json(data: dict) -> Article:
    return Article(
        doc_id=data["doc_id"], source=data["source"], title=data["title"], text=data["text"], sha256=data["sha256"],
        sections=tuple(Section(**s) for s in data["sections"]), blocks=tuple(Block(**b) for b in data["blocks"]),
        format=data.get("format", "text"), pages=tuple(data.get("pages", ())),
    )


def read_shard(directory: Path) -> Shard:
    import faiss

    store = json.loads((directory / "store.json").read_text(encoding="utf-8"))
    return Shard(
        [article_from_json(a) for a in store["articles"]],
        [Chunk(**{**c, "sentence_ids": tuple(c["sentence_ids"])}) for c in store["chunks"]],
        [Sentence(**s) for s in store["sentences"]],
        np.load(directory / "chunks.npy"),
        np.load(directory / "sentences.npy"),
        faiss.read_index(str(directory / "chunks.faiss")),
        faiss.read_index(str(directory / "sentences.faiss")),
        directory,
    )


class FanOut:
    """FAISS's ``search`` over several shards' indexes: each searched, ids offset, results merged by score."""

    def __init__(self, parts: list[tuple[object, int]]) -> None:
        self.parts = parts
        self.ntotal = sum(index.ntotal for index, _ in parts)
        self.d = parts[0][0].d if parts else 0

    def search(self, queries: np.ndarray, k: int):
        found_scores, found_ids = [], []
        for index, offset in self.parts:
            if index.ntotal == 0:
                continue
            scores, ids = index.search(queries, min(k, index.ntotal))
            found_scores.append(scores)
            found_ids.append(np.where(ids >= 0, ids + offset, -1))
        scores, ids = np.hstack(found_scores), np.hstack(found_ids)
        # Ties go to the lower id, as in one index over all the vectors.
        order = np.lexsort((ids, -scores), axis=1)[:, :k] if scores.shape[1] else np.zeros((len(queries), 0), int)
        return np.take_along_axis(scores, order, axis=1), np.take_along_axis(ids, order, axis=1)

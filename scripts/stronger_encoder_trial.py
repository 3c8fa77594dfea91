"""Would a stronger sentence encoder find the paraphrased answers MiniLM misses? A measurement only.

Ranks every sentence of seeds/ by cosine to each answerable news question, with the bundled
all-MiniLM-L6-v2, with another sentence-transformers model (--model DIR), and with a blend of
the two cosines, and prints how often the answer sentence comes first and among the first five,
by question kind. No other model is installed by `make install`; docs/verifier.md says where the
one measured came from.

    python scripts/stronger_encoder_trial.py --model /path/to/all-mpnet-base-v2
"""

from __future__ import annotations

import argparse
import json
import os
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
from sentence_transformers import SentenceTransformer

from briefqa.articles import read_article
from briefqa.chunking import chunk_article
from briefqa.embeddings import base_model_dir as model_dir

ROOT = Path(__file__).resolve().parent.parent
SETS = ("dev", "mixed", "fresh", "late_paraphrases", "blind", "blind2", "paraphrase", "extra")
BLENDS = (0.0, 0.3, 0.5, 0.7, 1.0)  # the other model's share of the blended cosine


def seed_sentences() -> list[tuple[str, str]]:
    """(text as written, statement embedded) for every sentence of seeds/, in index order."""
    return [
        (article.text[s.start : s.end], s.statement)
        for path in sorted((ROOT / "seeds").glob("*.txt"))
        for article in [read_article(path)]
        for s in chunk_article(article).sentences
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="A sentence-transformers model folder.")
    args = parser.parse_args()
    sentences = seed_sentences()
    questions = []
    for name in SETS:
        for line in (ROOT / "tests" / "data" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            gold = [i for i, (text, statement) in enumerate(sentences) if item["answerable"] and any(
                e in text or e in statement for e in item.get("evidence", ())
            )]
            if gold:
                questions.append((item, gold))
    cosines = []
    for path in (model_dir(), args.model):
        model = SentenceTransformer(str(path), device="cpu")
        corpus = model.encode([s for _, s in sentences], normalize_embeddings=True)
        asked = model.encode([item["question"] for item, _ in questions], normalize_embeddings=True)
        cosines.append(asked @ corpus.T)
    print(f"{len(questions)} answerable news questions whose answer sentence is found; first / among the first 5")
    for share in BLENDS:
        blended = (1 - share) * cosines[0] + share * cosines[1]
        ranks = defaultdict(list)
        for row, (item, gold) in enumerate(questions):
            order = np.argsort(-blended[row])
            rank = min(int(np.flatnonzero(order == g)[0]) for g in gold)
            ranks["all"].append(rank)
            ranks[item.get("kind", "?")].append(rank)
        shown = "  ".join(f"{kind} {np.mean(np.array(r) == 0):.2f}/{np.mean(np.array(r) < 5):.2f}" for kind, r in ranks.items())
        print(f"other model's share {share:.1f}: {shown}")


if __name__ == "__main__":
    main()

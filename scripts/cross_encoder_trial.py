"""Trial (the first measurement; the shipped model is scripts/train_cross_encoder.py): a cross-encoder from the bundled MiniLM, measured against the trees on held-out sets.

Reads question and sentence together, which the trees' word-level features cannot. Steps:
  1. candidate pools exactly as the server builds them (24 sentences per question, the
     committed trees' raw scores and vetoes), for the training questions (SQuAD 00-05 and
     our news training sets) and the held-out ones (SQuAD 06-07, news dev, news mixed);
  2. fine-tune MiniLM with a one-logit head on every answer sentence and the trees' hardest
     non-answer sentences (news questions repeated three times), seed fixed;
  3. per held-out set: top-1 answer-sentence accuracy among the eligible candidates, how well
     the best score separates answerable from unanswerable questions (AUC), and the best
     answer accuracy at abstention >= 0.60 / 0.75 / 0.90, for the trees, the cross-encoder
     and their geometric mean.
docs/verifier.md ("Trial: a cross-encoder") holds the figures. About 35 minutes for three
epochs on two cores: `python scripts/cross_encoder_trial.py --epochs 3`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cross_encoder_second_opinion import fine_tune  # noqa: E402
from verifier_data import answer_labels, load_items  # noqa: E402

from briefqa.engine import Engine  # noqa: E402
from briefqa.index import build_index  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT.parent / "shared" / "squad"
DATA = ROOT / "tests" / "data"
TRAIN_ARTICLES = ("00", "01", "02", "03", "04", "05")
SEED = 7


def pools(index_dir: Path, items: list[dict]) -> list[dict]:
    """Each question's candidates as served: text, label, the trees' raw score, eligibility."""
    engine = Engine(index_dir, auto_reload=False)
    answerer = engine._ready()[1]
    found = []
    for item in items:
        pool = answerer.pool(item["question"])
        candidates = [] if pool.unknown else answerer.judge(pool)
        labels = answer_labels(engine, item, [c.sentence for c in candidates])
        found.append({"question": item["question"], "answerable": bool(item["answerable"]), "candidates": [
            {"text": c.sentence.statement, "tree": c.score, "eligible": answerer.eligible(c, pool), "label": label}
            for c, label in zip(candidates, labels)
        ]})
    return found


def training_pairs(train: list[tuple[list[dict], int]], negatives: int) -> list[tuple[str, str, float]]:
    pairs = []
    for questions, repeat in train:
        for q in questions:
            positives = [c for c in q["candidates"] if c["label"]]
            hardest = [c for c in q["candidates"] if not c["label"]][:negatives]  # candidates arrive best tree score first
            pairs += repeat * ([(q["question"], c["text"], 1.0) for c in positives] + [(q["question"], c["text"], 0.0) for c in hardest])
    random.Random(SEED).shuffle(pairs)
    return pairs


def score(tokenizer, model, questions: list[dict]) -> None:
    import torch

    with torch.no_grad():
        for q in questions:
            eligible = [c for c in q["candidates"] if c["eligible"]]
            for start in range(0, len(eligible), 32):
                part = eligible[start : start + 32]
                encoded = tokenizer([q["question"]] * len(part), [c["text"] for c in part], truncation=True, max_length=128, padding=True, return_tensors="pt")
                for c, p in zip(part, torch.sigmoid(model(**encoded).logits.squeeze(-1)).tolist()):
                    c["cross"] = p


def report(name: str, questions: list[dict]) -> dict:
    judges = {"trees": lambda c: c["tree"], "cross-encoder": lambda c: c["cross"], "geometric mean": lambda c: (c["tree"] * c["cross"]) ** 0.5}
    figures = {}
    for judge, value in judges.items():
        top1, answerable, unanswerable = [], [], []
        for q in questions:
            eligible = [c for c in q["candidates"] if c["eligible"]]
            best = max(eligible, key=value) if eligible else None
            best_score = value(best) if best else 0.0
            if q["answerable"]:
                if any(c["label"] for c in q["candidates"]):
                    top1.append(bool(best and best["label"]))
                answerable.append((best_score, bool(best and best["label"])))
            else:
                unanswerable.append(best_score)
        right = None
        if unanswerable:  # AUC: the chance an answerable question's best score beats an unanswerable one's (ties half)
            a, u = np.array([s for s, _ in answerable])[:, None], np.array(unanswerable)[None, :]
            right = (a > u) + 0.5 * (a == u)
        curve = [
            (float(t), float(np.mean([ok and s >= t for s, ok in answerable])), float(np.mean([s < t for s in unanswerable])) if unanswerable else 1.0)
            for t in np.linspace(0, 1, 41)
        ]
        best_at = {f"answers at abstention >= {a}": round(max((p[1] for p in curve if p[2] >= a), default=0.0), 3) for a in (0.6, 0.75, 0.9)}
        figures[judge] = {"top1": round(float(np.mean(top1)), 3), "separation_auc": round(float(right.mean()), 3) if right is not None else None, **best_at}
        print(f"{name:<14} {judge:<15} top-1 {figures[judge]['top1']:.3f}  AUC {figures[judge]['separation_auc']}  {best_at}", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--negatives", type=int, default=3, help="hardest non-answer sentences per question")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "cross_encoder_trial.json")
    args = parser.parse_args()
    squad = load_items(SQUAD / "questions.jsonl")
    with tempfile.TemporaryDirectory(prefix="briefqa-cross-") as work:
        work = Path(work)
        train_corpus = work / "squad-train"
        train_corpus.mkdir()
        for path in sorted((SQUAD / "corpus").glob("*.txt")):
            if path.name[:2] in TRAIN_ARTICLES:
                shutil.copy(path, train_corpus / path.name)
        for name, corpus in (("train", train_corpus), ("held", DATA / "squad" / "corpus"), ("news", ROOT / "seeds")):
            build_index(corpus, work / name, progress=False)
        news_train = [i for f in ("extra", "paraphrase", "news_train") for i in load_items(DATA / f"{f}.jsonl")]
        train = [(pools(work / "train", [i for i in squad if i["doc"][:2] in TRAIN_ARTICLES]), 1), (pools(work / "news", news_train), 3)]
        held = {
            "SQuAD held out": pools(work / "held", load_items(DATA / "squad" / "heldout.jsonl")),
            "news dev": pools(work / "news", load_items(DATA / "dev.jsonl")),
            "news mixed": pools(work / "news", load_items(DATA / "mixed.jsonl")),
        }
        began = time.perf_counter()
        tokenizer, model = fine_tune(training_pairs(train, args.negatives), epochs=args.epochs, lr=args.lr)
        minutes = (time.perf_counter() - began) / 60
        results = {}
        for name, questions in held.items():
            score(tokenizer, model, questions)
            results[name] = report(name, questions)
    settings = {"epochs": args.epochs, "lr": args.lr, "negatives": args.negatives, "seed": SEED, "training_minutes": round(minutes, 1)}
    args.out.write_text(json.dumps({"settings": settings, "held_out": results}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""Recall, answer and abstention accuracy at several verifier thresholds, on the news sets (dev, mixed,
fresh, near misses, late paraphrases, blind, blind 2 to 5) and the held-out SQuAD articles: what docs/verifier.md's threshold tables show (about 3 minutes).
`--verifier DIR` sweeps a trial's verifier instead of the committed one.

A measurement only: the shipped threshold is chosen by scripts/train_verifier.py on training
articles, never by these sets.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from pathlib import Path

from briefqa.engine import Engine
from briefqa.evaluation import evaluate, load_gold
from briefqa.index import build_index

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SETS = ("dev", "mixed", "fresh", "near_misses", "late_paraphrases", "blind", "blind2", "blind3", "blind4", "blind5", "squad")


def sweep(engine: Engine, gold: Path, name: str, thresholds: list[float]) -> None:
    index, answerer = engine._ready()
    shipped = answerer.verifier.card
    texts = {a.source: a.text for a in index.articles.values()}
    items = load_gold(gold)
    for threshold in thresholds:
        answerer.verifier.card = dataclasses.replace(shipped, threshold=threshold)
        figures = evaluate(items, engine.ask, texts.__getitem__).figures()
        print(
            f"{name:<22} {threshold:<6} recall {_shown(figures['evidence_recall@5'])}  answers {_shown(figures['answer_accuracy'])}"
            f"  abstention {_shown(figures['abstention_accuracy'])}", flush=True,
        )
    answerer.verifier.card = shipped


def _shown(figure: float | None) -> str:
    return "n/a  " if figure is None else f"{figure:.3f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", default="0.2,0.25,0.3,0.34,0.4,0.45")
    parser.add_argument("--verifier", type=Path, help="A verifier folder (train_verifier.py --out DIR) instead of the committed one.")
    parser.add_argument(
        "--sets", nargs="+", default=list(SETS), metavar="NAME",
        help="tests/data/<name>.jsonl news sets to measure; 'squad' for the held-out SQuAD articles.",
    )
    args = parser.parse_args(argv)
    thresholds = [float(t) for t in args.thresholds.split(",")]
    with tempfile.TemporaryDirectory(prefix="briefqa-sweep-") as work:
        news, squad = Path(work) / "news", Path(work) / "squad"
        news_sets = [name for name in args.sets if name != "squad"]
        if news_sets:
            build_index(ROOT / "seeds", news, progress=False, verifier_dir=args.verifier)
            news_engine = Engine(news)
        for name in news_sets:
            sweep(news_engine, DATA / f"{name}.jsonl", f"news {name}", thresholds)
        if "squad" in args.sets:
            build_index(DATA / "squad" / "corpus", squad, progress=False, verifier_dir=args.verifier)
            sweep(Engine(squad), DATA / "squad" / "heldout.jsonl", "SQuAD held-out", thresholds)


if __name__ == "__main__":
    main()

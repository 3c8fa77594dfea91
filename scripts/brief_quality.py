"""How on-topic briefs are, against hand judgements: `python scripts/brief_quality.py [--floors 0.5,0.3]`.

tests/data/brief_judgements.jsonl marks, for nine topics, each sentence that either the old
relevance blend (at 0091519) or the relevance trees stated in a brief of up to 20 points
(overview and points) as on the topic or not: a pooled judgement, as in TREC. Precision is the
share of a brief's stated sentences judged on the topic; recall, the share of the judged
on-topic sentences it states. Sentences nobody judged are counted apart, not guessed: at a floor
other than the one the pool was built at, a brief can state sentences outside the pool.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from briefqa.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
JUDGEMENTS = ROOT / "tests" / "data" / "brief_judgements.jsonl"


def stated(brief) -> set[tuple[str, int, int]]:
    """The sentences a brief states (overview and points), by source and offsets."""
    points = {n for p in brief.points for n in p.citations}
    return {
        (c.source, c.start, c.end) for c in brief.citations
        if c.n in points or (brief.overview and c.quote.rstrip(".") in brief.overview)
    }


def load_judgements(path: Path = JUDGEMENTS) -> dict[str, dict[tuple[str, int, int], int]]:
    """topic -> {(source, start, end): 1 if on the topic else 0}."""
    judged: dict[str, dict[tuple[str, int, int], int]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        judged.setdefault(row["topic"], {})[(row["source"], row["start"], row["end"])] = row["on_topic"]
    return judged


def score(engine: Engine, judged: dict[str, dict[tuple[str, int, int], int]]) -> tuple[int, int, int, int]:
    """(judged sentences stated, of them on the topic, on-topic sentences judged, unjudged sentences stated)."""
    said = right = unjudged = 0
    for topic, marks in judged.items():
        sentences = stated(engine.brief(topic, max_points=20))
        said += sum(1 for s in sentences if s in marks)
        right += sum(marks[s] for s in sentences if s in marks)
        unjudged += sum(1 for s in sentences if s not in marks)
    return said, right, sum(sum(marks.values()) for marks in judged.values()), unjudged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    parser.add_argument("--floors", default="", help="Relevance floors to score besides the card's, e.g. 0.4,0.3.")
    args = parser.parse_args()
    judged = load_judgements()
    engine = Engine(args.index, auto_reload=False)
    verifier = engine._ready()[1].verifier
    shipped = verifier.card
    floors = [shipped.relevance_floor] + [float(f) for f in args.floors.split(",") if f]
    for floor in floors:
        verifier.card = dataclasses.replace(shipped, relevance_floor=floor)
        said, right, relevant, unjudged = score(engine, judged)
        print(f"floor {floor:.2f}: precision {right / max(said, 1):.3f} ({right}/{said}), "
              f"recall {right / relevant:.3f} ({right}/{relevant}), unjudged sentences stated {unjudged}")
    verifier.card = shipped


if __name__ == "__main__":
    main()

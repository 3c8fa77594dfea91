"""Briefs on topics the seed articles cover and topics they do not: `python scripts/brief_topics.py [--index index]`.

For each topic: whether the brief is covered, its points, how many articles it cites, and the
relevance trees' best probability among the sentences read; then the tallies and the median
time of a brief. What docs/verifier.md's section on
briefs reports. The lists were written for that check; none is a test's topic unless named there.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from briefqa.engine import Engine

ON_CORPUS = (
    "human smuggling", "drug trafficking", "Sinaloa Cartel", "future directions", "Tren de Aragua", "U.S.-Mexico cooperation",
    "fentanyl", "money laundering", "sanctions on Venezuelan officials", "community outreach", "cybercrime", "extradition",
    "stash houses", "cryptocurrency", "Joint Task Force Alpha", "deportation to Mexico", "firearms smuggling",
    "gang recruitment of youth", "HSI seizures in 2021", "intelligence sharing with Colombia", "climate change",
)
OFF_CORPUS = (
    "sourdough bread", "quantum computing", "Premier League football", "tax policy in Japan", "gardening tips", "oil prices",
    "wildfires in California", "tourism in Mexico", "border wall construction", "the stock market", "elections in Venezuela",
    "vaccine distribution", "Mexican cuisine", "Venezuelan baseball",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("index"))
    args = parser.parse_args()
    engine = Engine(args.index, auto_reload=False)
    answerer = engine._ready()[1]
    print(f"{'':4} {'topic':36} covered points articles best  never mentioned")
    tallies = {}
    engine.brief("warm up")
    milliseconds = []
    for label, topics in (("on", ON_CORPUS), ("off", OFF_CORPUS)):
        for topic in topics:
            began = time.perf_counter()
            brief = engine.brief(topic)
            milliseconds.append((time.perf_counter() - began) * 1000)
            pool = answerer.pool(topic, chunks=min(40, len(engine.index.chunks)))
            best = float(answerer.verifier.relevance(pool.features(answerer, pool.candidates)).max()) if pool.candidates else 0.0
            articles = len({c.source for c in brief.citations})
            tallies.setdefault(label, []).append(brief.covered)
            print(f"{label:4} {topic:36} {str(brief.covered):7} {len(brief.points):6} {articles:8} {best:.2f}  {', '.join(brief.never_mentioned)}")
    print(f"\non-corpus topics covered: {sum(tallies['on'])} of {len(ON_CORPUS)}; "
          f"off-corpus topics refused: {len(OFF_CORPUS) - sum(tallies['off'])} of {len(OFF_CORPUS)}; "
          f"a brief takes {statistics.median(milliseconds):.1f} ms (median)")


if __name__ == "__main__":
    main()

"""Median in-process `Engine.ask` latency over the news dev questions, in milliseconds.

For comparing two versions of the code on one index in the same sitting, where `make bench`'s
absolute figures move with the host's load: run it in turn with each version first on the path,
for example `PYTHONPATH=<other checkout>/src python scripts/ask_latency.py`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from briefqa.engine import Engine

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / "index")
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    engine = Engine(args.index)
    engine.load()
    questions = [json.loads(line)["question"] for line in (ROOT / "tests" / "data" / "dev.jsonl").open(encoding="utf-8")]
    for question in questions:  # warm the caches the first pass would otherwise pay for
        engine.ask(question)
    timings = []
    for _ in range(args.passes):
        for question in questions:
            began = time.perf_counter()
            engine.ask(question)
            timings.append((time.perf_counter() - began) * 1000)
    print(f"median /ask {statistics.median(timings):.2f} ms over {len(timings)} questions ({args.passes} passes)")


if __name__ == "__main__":
    main()

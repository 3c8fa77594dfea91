"""How often the answer-type check misses a true answer of a who-question.

For every answerable question typed as asking for a person or an "agent" (a person or a body),
it asks whether the gold evidence holds what the type check wants, on our news sets (the
reworded set aside, and blind 11 to 26 and the two-part set, which were unread or unwritten when
the quoted figures were taken, so that the figures stay comparable) and on the shared SQuAD questions. Run it with an
older checkout first on the path to compare (`PYTHONPATH=<checkout>/src`).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from briefqa.questions import analyse_question, holds_answer_type

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT.parent / "shared" / "squad" / "questions.jsonl"
LEFT_OUT = {"news_synth", "two_parts", "brief_judgements"} | {f"blind{n}" for n in range(11, 27)}


def main() -> None:
    sources = [(p, "news") for p in sorted((ROOT / "tests" / "data").glob("*.jsonl")) if p.stem not in LEFT_OUT]
    sources.append((SQUAD, "squad"))
    asked, missed = Counter(), Counter()
    for path, corpus in sources:
        for line in path.open(encoding="utf-8"):
            item = json.loads(line)
            if not item.get("answerable") or not item.get("evidence"):
                continue
            question = analyse_question(item["question"])
            if question.answer_type not in ("person", "agent"):
                continue
            asked[corpus] += 1
            missed[corpus] += not any(holds_answer_type(question, evidence) for evidence in item["evidence"])
    for corpus in ("news", "squad"):
        print(f"{corpus}: {missed[corpus]} of {asked[corpus]} who-questions' answer sentences fail the type check")


if __name__ == "__main__":
    main()

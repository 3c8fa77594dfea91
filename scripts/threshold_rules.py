"""How well each threshold rule holds on an article it never saw, judged inside the training articles.

`make train` picks the answer threshold by a rule over the six SQuAD training articles'
out-of-fold scores. Which rule? Each candidate is fitted here on five of the six and judged on
the sixth, in turn: the abstention it keeps on the article left out is what it promises for a
new article. No held-out article (06-07) and no news test set is read.

    python scripts/threshold_rules.py            # about 2 minutes; writes docs/threshold_rules.json

Scores are raw, moved by the question's foreign share as `make train` moves them, and not
calibrated: the isotonic map is monotone, so a rule picks the same questions on either scale.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_verifier as tv  # noqa: E402

TARGET = tv.ABSTENTION_TARGET


def main() -> None:
    rows = tv.training_set()
    scores = tv.out_of_fold_scores(rows, tv.news_weights(rows, tv.NEWS_WEIGHT), rows, bag=tv.BAG)
    best, right = tv.question_outcomes(scores, rows, tv.veto_types(rows))
    best = tv.with_foreign_shift(best, right, rows)[0]  # as make train reads them
    docs = np.array(rows.question_docs, dtype=str)
    answerable = rows.answerable
    articles = sorted({d for d in docs.tolist() if not d.startswith("news:")})
    grid = np.unique(np.concatenate([np.linspace(0.0, 1.0, 1001), best]))

    def abstention(t: float, where: np.ndarray) -> float:
        return float((best[where & ~answerable] < t).mean())

    def answers(t: float, where: np.ndarray) -> float:
        return float(((best[where & answerable] >= t) & right[where & answerable]).mean())

    def lowest(holds: Callable[[float], bool]) -> float:
        return float(next((t for t in grid if holds(t)), 1.0))

    def per_article(fit: list[str], t: float) -> np.ndarray:
        return np.array([abstention(t, docs == a) for a in fit])

    rules: dict[str, Callable[[list[str]], float]] = {
        "every article >= 0.60 (shipped)": lambda fit: lowest(lambda t: bool((per_article(fit, t) >= TARGET).all())),
        "all articles but one >= 0.60": lambda fit: lowest(lambda t: int((per_article(fit, t) >= TARGET).sum()) >= len(fit) - 1),
        "mean - sd over articles >= 0.60": lambda fit: lowest(lambda t: float(per_article(fit, t).mean() - per_article(fit, t).std(ddof=1)) >= TARGET),
        "pooled >= 0.60": lambda fit: lowest(lambda t: abstention(t, np.isin(docs, fit)) >= TARGET),
        "pooled >= 0.65": lambda fit: lowest(lambda t: abstention(t, np.isin(docs, fit)) >= 0.65),
        "pooled >= 0.70": lambda fit: lowest(lambda t: abstention(t, np.isin(docs, fit)) >= 0.70),
    }
    news = np.char.startswith(docs, "news:")
    report = {}
    print(f"{'rule':<34} abstention on the article left out       mean  >=0.60  answers | all six: raw t, news answers", file=sys.stderr)
    for name, rule in rules.items():
        left_out = []
        for held in articles:
            t = rule([a for a in articles if a != held])
            left_out.append({"article": held, "raw_threshold": round(t, 4), "abstention": round(abstention(t, docs == held), 3),
                             "answers": round(answers(t, docs == held), 3)})
        kept = np.array([r["abstention"] for r in left_out])
        found = np.array([r["answers"] for r in left_out])
        on_all = rule(articles)
        report[name] = {
            "left_out": left_out, "mean_abstention": round(float(kept.mean()), 3), "articles_at_target": int((kept >= TARGET).sum()),
            "mean_answers": round(float(found.mean()), 3), "raw_threshold_on_all_six": round(on_all, 4),
            "news_training_answers_out_of_fold": round(answers(on_all, news), 3),
        }
        print(
            f"{name:<34} {' '.join(f'{k:.2f}' for k in kept)}  {kept.mean():.3f}  {(kept >= TARGET).sum()}/{len(kept)}"
            f"  {found.mean():.3f} | {on_all:.3f}, {answers(on_all, news):.3f}", file=sys.stderr,
        )
    out = tv.ROOT / "docs" / "threshold_rules.json"
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(tv.ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()

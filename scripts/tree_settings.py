"""Trial: the trees' settings (leaves, rounds, learning rate, regularisation), judged out of fold.

Each setting is trained leave-one-group-out over the training groups, exactly as `make train`
does before it fits the calibration and picks the threshold; the same rule then picks a
threshold for it. Reported: out-of-fold answers / abstention at that threshold, on the SQuAD
training articles and on our news training questions, and SQuAD answers where abstention
reaches 0.60, 0.70 and 0.80. No held-out article or news test set is read.

    python scripts/tree_settings.py          # about 8 minutes; writes docs/tree_settings.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_verifier as tv  # noqa: E402

SETTINGS = {  # name -> (changes to train_verifier.PARAMS, rounds)
    "shipped": ({}, tv.ROUNDS),
    "7 leaves": ({"num_leaves": 7}, tv.ROUNDS),
    "31 leaves": ({"num_leaves": 31}, tv.ROUNDS),
    "learning rate 0.025, 600 rounds": ({"learning_rate": 0.025}, 600),
    "150 rounds": ({}, 150),
    "50 rows per leaf": ({"min_data_in_leaf": 50}, tv.ROUNDS),
    "L2 penalty 10": ({"lambda_l2": 10.0}, tv.ROUNDS),
}


def main() -> None:
    from sklearn.isotonic import IsotonicRegression

    rows = tv.training_set()
    weights = tv.news_weights(rows, tv.NEWS_WEIGHT)
    vetoed = tv.veto_types(rows)
    docs = np.array(rows.question_docs, dtype=str)
    answerable = rows.answerable
    news = np.char.startswith(docs, "news:")
    shipped_params, shipped_rounds = dict(tv.PARAMS), tv.ROUNDS
    report = {}
    try:
        for name, (changes, rounds) in SETTINGS.items():
            tv.PARAMS.clear()
            tv.PARAMS.update({**shipped_params, **changes})
            tv.ROUNDS = rounds
            best, right = tv.question_outcomes(tv.out_of_fold_scores(rows, weights, rows), rows, vetoed)
            best = tv.with_foreign_shift(best, right, rows)[0]
            confidence = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(best, right.astype(float)).predict(best)
            threshold = tv.choose_threshold(confidence, right, docs, answerable)

            def answers(scores: np.ndarray, cut: float, where: np.ndarray) -> float:
                return float(((scores[where & answerable] >= cut) & right[where & answerable]).mean())

            def abstention(scores: np.ndarray, cut: float, where: np.ndarray) -> float:
                return float((scores[where & ~answerable] < cut).mean())

            frontier = {}
            for target in (0.6, 0.7, 0.8):
                cut = next(t for t in np.unique(np.append(best[~news], np.inf)) if abstention(best, t, ~news) >= target)
                frontier[f"{target:.2f}"] = round(answers(best, cut, ~news), 3)
            report[name] = {
                "changes": changes, "rounds": rounds, "threshold": round(threshold, 3),
                "squad": [round(answers(confidence, threshold, ~news), 3), round(abstention(confidence, threshold, ~news), 3)],
                "news": [round(answers(confidence, threshold, news), 3), round(abstention(confidence, threshold, news), 3)],
                "squad_answers_at_abstention": frontier,
            }
            print(f"{name:<34} threshold {threshold:.3f}  SQuAD {report[name]['squad']}  news {report[name]['news']}  frontier {frontier}", file=sys.stderr)
    finally:
        tv.PARAMS.clear()
        tv.PARAMS.update(shipped_params)
        tv.ROUNDS = shipped_rounds
    out = tv.ROOT / "docs" / "tree_settings.json"
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(tv.ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()

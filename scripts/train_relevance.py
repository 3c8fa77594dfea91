"""The relevance trees briefs use, trained by `make train` beside the answer verifier.

The same rows the verifier learns from (features.py over the same candidate pools), with
another label: does the sentence lie in the paragraph its question was written against (the
evidence, or an unanswerable question's near miss)? That is what a brief needs of a sentence,
"is this passage on the topic", where the verifier asks "does this sentence answer".

Two choices make the question's judgement carry over to a topic:
- Every training question has its paragraph in the corpus, so trees trained on those rows
  alone never see a query the documents know nothing about, and find every topic somewhere
  (0.87 for "oil prices" on the seed articles). Questions of one half of the training articles,
  asked of an index of the other half, teach them what no relevant passage looks like.
- A question has one paragraph; a topic has many. The columns that compare a sentence with
  the rest of its pool (ranks, gaps, the pool's best cosine) are held constant, so a sentence
  is judged on its own match with the query and its passage, not on being the best match.
"""

from __future__ import annotations

import dataclasses
import random
import shutil
from pathlib import Path

import numpy as np
from verifier_data import Rows, build_rows

from briefqa.features import CATEGORICAL, FEATURES

# The columns that compare a candidate with its pool, held constant in training.
RELATIVE = ("dense_gap", "dense_rank", "chunk_rank", "heuristic_gap", "heuristic_rank", "best_dense", "second_dense_gap")
OFF_CORPUS_QUESTIONS = 400  # per half of the training articles, asked of the other half
FLOOR = 0.5  # a brief admits a sentence on its topic more likely than not


def off_corpus_rows(work: Path, model_dir: Path, squad: Path, items: list[dict], articles: tuple[str, ...], *, seed: int) -> Rows:
    """Rows for questions asked of an index that lacks their article: every sentence is off the topic."""
    from briefqa.index import build_index

    half = len(articles) // 2
    halves = (articles[:half], articles[half:])
    rng = random.Random(seed)
    parts = []
    for asked, indexed in (halves, halves[::-1]):
        corpus = work / f"relevance-{'-'.join(indexed)}"
        corpus.mkdir()
        for path in sorted(squad.glob("*.txt")):
            if path.name[:2] in indexed:
                shutil.copy(path, corpus / path.name)
        build_index(corpus, work / f"{corpus.name}-index", progress=False, verifier_dir=model_dir)
        questions = [i for i in items if i["doc"][:2] in asked]
        sample = rng.sample(questions, min(OFF_CORPUS_QUESTIONS, len(questions)))
        rows = build_rows(work / f"{corpus.name}-index", sample, desc=f"off-corpus questions ({'+'.join(asked)})")
        parts.append(dataclasses.replace(rows, on_topic=np.zeros_like(rows.on_topic), doc=np.full(len(rows.doc), "off-corpus")))
    return parts[0], parts[1]


def relevance_data(rows: Rows, off_corpus: list[Rows], news_weight: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features (relative columns held at 0), labels and weights for the relevance trees."""
    known = rows.on_topic >= 0
    features = np.vstack([rows.features[known]] + [o.features for o in off_corpus]).astype(np.float64)
    features[:, [FEATURES.index(name) for name in RELATIVE]] = 0.0
    labels = np.concatenate([rows.on_topic[known]] + [o.on_topic for o in off_corpus])
    news = np.char.startswith(rows.doc.astype(str), "news:")[known]
    weights = np.concatenate([np.where(news, news_weight, 1.0)] + [np.ones(len(o.on_topic)) for o in off_corpus])
    return features, labels, weights


def train_relevance(features: np.ndarray, labels: np.ndarray, weights: np.ndarray, params: dict, rounds: int):
    import lightgbm

    data = lightgbm.Dataset(
        features, labels, weight=weights, feature_name=list(FEATURES),
        categorical_feature=[FEATURES.index(c) for c in CATEGORICAL], free_raw_data=False,
    )
    return lightgbm.train(params, data, num_boost_round=rounds)


def held_out_figures(probabilities: np.ndarray, rows: Rows, floor: float = FLOOR) -> dict:
    """How well the trees find the paragraph each held-out question was written against."""
    from sklearn.metrics import roc_auc_score

    known = rows.on_topic >= 0
    p, on_topic = probabilities[known], rows.on_topic[known] == 1
    admitted = p >= floor
    questions = rows.question[known]
    first = [on_topic[questions == q][np.argmax(p[questions == q])] for q in np.unique(questions)]
    return {
        "rows": int(known.sum()), "roc_auc": round(float(roc_auc_score(on_topic, p)), 4),
        "precision_at_floor": round(float(on_topic[admitted].mean()), 4), "recall_at_floor": round(float(admitted[on_topic].mean()), 4),
        "best_sentence_on_topic": round(float(np.mean(first)), 4),
    }

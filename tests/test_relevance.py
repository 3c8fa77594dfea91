"""The relevance trees briefs use: exported faithfully, blind to a sentence's rank, and right on unseen articles."""

from __future__ import annotations

import json

import numpy as np
import pytest

from briefqa.evaluation import load_gold
from briefqa.features import FEATURES
from briefqa.verifier import META_FILE, RELEVANCE_TREES_FILE, TreeVerifier, bundled_model_dir

from .conftest import DATA

# The columns that compare a candidate with its pool, as the card records them: held constant in training.
RELATIVE = json.loads((bundled_model_dir() / META_FILE).read_text())["relevance"]["held_constant"]
TOPICS = ("human smuggling", "money laundering", "Sinaloa Cartel", "sourdough bread", "oil prices", "community outreach")


@pytest.fixture(scope="module")
def topic_rows(engine):
    answerer = engine._ready()[1]
    rows = []
    for topic in TOPICS:
        pool = answerer.pool(topic, chunks=40)
        rows.append(pool.features(answerer, pool.candidates))
    return np.vstack(rows)


def test_the_served_onnx_relevance_trees_match_the_lightgbm_trees(topic_rows):
    import lightgbm

    trees = lightgbm.Booster(model_file=str(bundled_model_dir() / RELEVANCE_TREES_FILE))
    served = TreeVerifier(bundled_model_dir()).relevance(topic_rows)
    assert len(topic_rows) > 500
    assert np.abs(served - trees.predict(topic_rows.astype(np.float64))).max() < 1e-5
    assert served.min() < 0.05 and served.max() > 0.9  # the rows span the model's range


def test_a_sentence_is_judged_on_its_own_not_on_its_rank_in_the_pool(topic_rows):
    shuffled = topic_rows.copy()
    rng = np.random.default_rng(0)
    for name in RELATIVE:
        shuffled[:, FEATURES.index(name)] = rng.permutation(shuffled[:, FEATURES.index(name)])
    verifier = TreeVerifier(bundled_model_dir())
    assert len(RELATIVE) == 7
    assert np.array_equal(verifier.relevance(shuffled), verifier.relevance(topic_rows))
    assert verifier.card.relevance_floor == 0.5


def test_on_unseen_articles_the_most_relevant_sentence_is_in_the_questions_paragraph(squad_engine):
    """Held-out SQuAD articles: each question was written against one paragraph (make train: 0.756 over all 766)."""
    answerer = squad_engine._ready()[1]
    articles = {a.source: a for a in squad_engine.index.articles.values()}
    items = [i for i in load_gold(DATA / "squad" / "heldout.jsonl") if i["answerable"]][:120]
    hits = 0
    for item in items:
        article = articles[item["doc"]]
        at = article.text.find(item["evidence"][0])
        block = next(n for n, b in enumerate(article.blocks) if b.start <= at < b.end)
        pool = answerer.pool(item["question"])
        relevance = answerer.verifier.relevance(pool.features(answerer, pool.candidates[:24]))
        best = pool.candidates[int(np.argmax(relevance))].sentence
        hits += best.source == item["doc"] and best.block == block
    assert hits / len(items) >= 0.70


@pytest.mark.parametrize(
    ("topic", "article"),
    [("the Seven Years' War in North America", "07_french_and_indian_war.txt"), ("colonial rule in Africa", "06_imperialism.txt")],
)
def test_a_brief_on_unseen_articles_cites_the_article_on_its_topic(squad_engine, topic, article):
    brief = squad_engine.brief(topic)
    assert brief.covered and article in {c.source for c in brief.citations}
    text = {a.source: a.text for a in squad_engine.index.articles.values()}
    assert all(text[c.source][c.start : c.end] == c.quote for c in brief.citations)


@pytest.mark.parametrize("topic", ["sourdough bread", "the stock market", "fentanyl trafficking"])
def test_a_brief_on_unseen_articles_refuses_a_topic_they_do_not_cover(squad_engine, topic):
    assert not squad_engine.brief(topic).covered

"""Labelled verifier rows from a corpus and a gold file, built with the library's own candidates.

Shared by scripts/train_verifier.py and the experiments behind docs/verifier.md, so that
training and serving see the same candidate sentences and the same features.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from briefqa.engine import Engine
from briefqa.evaluation import accepted_answers, normalise

from briefqa.verifier import POOL_SIZE


@dataclass
class Rows:
    features: np.ndarray  # (n, len(FEATURES))
    labels: np.ndarray  # (n,) 1 where the sentence answers its question
    question: np.ndarray  # (n,) row -> question number
    doc: np.ndarray  # (n,) row -> the question's article, for splits by article
    answerable: np.ndarray  # per question
    question_docs: list[str]
    question_texts: list[str]  # per question
    sentences: list[str]  # per row: the candidate sentence as the verifier reads it (its statement)
    # Per question: refused before any sentence is scored, as the server does when the question
    # names something, or gives a year or figure, that no article mentions (Pool.unknown).
    refused_outright: np.ndarray
    # Per row: the sentence introduces a list through the lead-in after it (Answerer.introduced_list),
    # so, like a lead-in, it is not refused for only repeating the question.
    introduces_list: np.ndarray
    # Per question: the share of its IDF weight in words the documents never use (Answerer.foreign_share).
    foreign_share: np.ndarray
    # Per row: refused by a veto read off the words alone (Answerer.word_veto): the sentence names only
    # what the question rules out, or speaks of the opposite of what it asks.
    word_vetoed: np.ndarray
    # Per row, for the relevance trees: 1 when the sentence lies in the paragraph its question was
    # written against (the evidence, or an unanswerable question's near miss), 0 when not, -1
    # when that is unknown (an unanswerable news question on the articles' topics gives no paragraph).
    on_topic: np.ndarray


def _answers(item: dict) -> list[str]:
    return [normalise(a) for a in accepted_answers(item)]


def _evidence_blocks(engine: Engine, item: dict) -> set[tuple[str, int]]:
    """(source, block) pairs holding the item's evidence sentences."""
    found = set()
    docs = item["doc"] if isinstance(item.get("doc"), list) else [item.get("doc")]
    for article in engine.index.articles.values():
        if article.source not in docs:
            continue
        for span in item.get("evidence") or []:
            at = article.text.find(span)
            if at < 0:
                continue
            for number, block in enumerate(article.blocks):
                if block.start <= at < block.end or at <= block.start < at + len(span):
                    found.add((article.source, number))
    return found


def topic_labels(engine: Engine, item: dict, sentences: list) -> list[int]:
    """1 for each sentence in the paragraph the question was written against, else 0; -1 when unknown."""
    spans = item.get("evidence") if item["answerable"] else [item["near_miss"]] if item.get("near_miss") else None
    if not spans:
        return [0 if item.get("kind") == "offtopic" else -1] * len(sentences)
    blocks = _evidence_blocks(engine, {**item, "evidence": spans})
    return [int((s.source, s.block) in blocks) for s in sentences]


def answer_labels(engine: Engine, item: dict, sentences: list) -> list[int]:
    """1 for each sentence that answers the gold item: inside its evidence paragraph and holding a gold answer.

    A list's lead-in is judged as it is quoted, with its items: "HSI investigates activity
    like:" answers "What does HSI investigate?" when one of its items holds the answer.
    """
    if not item["answerable"]:
        return [0] * len(sentences)
    blocks = _evidence_blocks(engine, item)
    answers = _answers(item)
    answerer = engine._ready()[1]
    labels = []
    for sentence in sentences:
        units = [unit for reading in answerer.readings(sentence) for unit in reading]
        labels.append(int(any((u.source, u.block) in blocks and any(a in normalise(u.text) for a in answers) for u in units)))
    return labels


def build_rows(index_dir: Path, items: list[dict], *, desc: str = "features") -> Rows:
    engine = Engine(index_dir, auto_reload=False)
    answerer = engine._ready()[1]
    features, labels, question_ids, docs, answerable, question_docs, sentences, refused = [], [], [], [], [], [], [], []
    introduces, foreign, word_vetoed, on_topic = [], [], [], []
    for number, item in enumerate(tqdm(items, desc=desc, unit="q")):
        pool = answerer.pool(item["question"])
        candidates = pool.candidates[:POOL_SIZE]
        doc = item["doc"][0] if isinstance(item.get("doc"), list) else item.get("doc") or "offtopic"
        question_docs.append(doc)
        answerable.append(bool(item["answerable"]))
        refused.append(pool.unknown is not None)
        foreign.append(answerer.foreign_share(pool.matched))
        if not candidates:
            continue
        rows = pool.features(answerer, candidates)
        labels += answer_labels(engine, item, [c.sentence for c in candidates])
        on_topic += topic_labels(engine, item, [c.sentence for c in candidates])
        features.append(rows)
        question_ids += [number] * len(candidates)
        docs += [doc] * len(candidates)
        sentences += [c.sentence.statement for c in candidates]
        introduces += [bool(answerer.introduced_list(c.sentence)) for c in candidates]
        word_vetoed += [answerer.word_veto(c, pool) for c in candidates]
    return Rows(
        np.vstack(features), np.array(labels), np.array(question_ids), np.array(docs), np.array(answerable), question_docs,
        [i["question"] for i in items], sentences, np.array(refused), np.array(introduces, dtype=bool),
        np.array(foreign), np.array(word_vetoed, dtype=bool), np.array(on_topic, dtype=int),
    )


def load_items(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def swapped_questions(items: list[dict], article_texts: dict[str, str], *, seed: int) -> list[dict]:
    """Hard unanswerable questions made from answerable ones, as SQuAD 2.0's writers make them.

    One name or year of the question is swapped for another of the same article that its
    evidence paragraph never mentions, so the evidence sentence becomes a near miss.
    """
    import random
    import re

    from briefqa import entities

    rng = random.Random(seed)
    made = []
    for item in items:
        text = article_texts.get(item["doc"])
        if not item["answerable"] or text is None:
            continue
        evidence = item["evidence"][0]
        at = text.find(evidence)
        paragraph = text[text.rfind("\n\n", 0, max(at, 0)) + 1 : text.find("\n\n", at + len(evidence))] if at >= 0 else evidence
        question = item["question"]
        years = entities.YEAR.findall(question)
        names = [n.text for n in entities.names(question, skip_first_word=True) if not n.text.isdigit()]
        if years:
            old = rng.choice(years)
            pool = sorted({y for y in entities.YEAR.findall(text) if y not in paragraph})
        elif names:
            old = rng.choice(names)
            pool = sorted({n.text for n in entities.names(text) if n.text not in paragraph and len(n.text) > 3})
        else:
            continue
        if not pool:
            continue
        new = rng.choice(pool)
        made.append({
            "id": f"{item['id']}-swap", "question": re.sub(re.escape(old), new, question, count=1), "answerable": False,
            "doc": item["doc"], "evidence": [], "answer": "", "kind": "swap",
        })
    return made


def paraphrased_questions(items: list[dict], lexicon, *, seed: int, share: float = 0.5) -> list[dict]:
    """Every question reworded once (briefqa.lexicon.reword), answerable and unanswerable alike,
    so that rewording itself says nothing about the label; questions left unchanged are dropped."""
    import random

    from briefqa.lexicon import reword

    rng = random.Random(seed)
    made = []
    for item in items:
        question = reword(item["question"], lexicon, rng, share=share)
        if question != item["question"]:
            made.append({**item, "id": f"{item['id']}-para", "question": question})
    return made

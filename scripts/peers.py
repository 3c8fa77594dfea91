"""Score the two peer systems on the same gold sets as briefqa: `make peers`.

The peers are the ones named in ../shared/squad/README.md, rebuilt here so they can be run on
the held-out articles and the news sets rather than quoted from the full shared set:

  bm25    BM25 (bm25s) over 120-word windows with a 60-word stride; the answer is the sentence
          of the top window that shares the most question words.
  txtai   txtai hybrid search (the same all-MiniLM-L6-v2 weights, BM25 fused in) over the
          paragraphs; the answer is the sentence of the top paragraph closest to the question.

Neither ever abstains, so abstention is 0 by construction. The metrics are briefqa's own
(evaluation.py): evidence recall@5 over the top five passages, an answer counts when an
accepted answer text appears in it. Writes docs/peers.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
from tqdm import tqdm

from briefqa.articles import read_text
from briefqa.chunking import split_sentences
from briefqa.embeddings import base_model_dir as model_dir
from briefqa.evaluation import accepted_answers, load_gold, normalise
from briefqa.evaluation import _covers as covers
from briefqa.readers import list_documents
from briefqa.terms import content_stems

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "news dev": (ROOT / "tests/data/dev.jsonl", ROOT / "seeds"),
    "news mixed": (ROOT / "tests/data/mixed.jsonl", ROOT / "seeds"),
    "SQuAD held out (06-07)": (ROOT / "tests/data/squad/heldout.jsonl", ROOT / "tests/data/squad/corpus"),
}
WINDOW, STRIDE = 120, 60


@dataclass(frozen=True)
class Passage:
    source: str
    start: int
    end: int


def windows(source: str, text: str) -> list[Passage]:
    spans = [m.span() for m in re.finditer(r"\S+", text)]
    out = []
    for first in range(0, max(1, len(spans) - WINDOW + STRIDE), STRIDE):
        chosen = spans[first : first + WINDOW]
        if chosen:
            out.append(Passage(source, chosen[0][0], chosen[-1][1]))
    return out


def paragraphs(source: str, text: str) -> list[Passage]:
    return [Passage(source, m.start(), m.end()) for m in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", text) if m.group().strip()]


def sentences_of(text: str, passage: Passage) -> list[str]:
    body = text[passage.start : passage.end]
    return [body[a:b] for a, b in split_sentences(body)] or [body]


class Bm25Peer:
    def __init__(self, texts: dict[str, str]) -> None:
        import bm25s

        self.passages = [p for source, text in texts.items() for p in windows(source, text)]
        self.texts = texts
        self.retriever = bm25s.BM25()
        self.retriever.index(bm25s.tokenize([texts[p.source][p.start : p.end] for p in self.passages], stopwords="en", show_progress=False), show_progress=False)

    def answer(self, question: str) -> tuple[list[Passage], str]:
        import bm25s

        k = min(5, len(self.passages))
        ids, _ = self.retriever.retrieve(bm25s.tokenize([question], stopwords="en", show_progress=False), k=k, show_progress=False)
        top = [self.passages[i] for i in ids[0].tolist()]
        asked = set(content_stems(question))
        best = max(sentences_of(self.texts[top[0].source], top[0]), key=lambda s: len(asked & set(content_stems(s))))
        return top, best


class TxtaiPeer:
    def __init__(self, texts: dict[str, str]) -> None:
        from txtai import Embeddings

        self.passages = [p for source, text in texts.items() for p in paragraphs(source, text)]
        self.texts = texts
        self.embeddings = Embeddings(path=str(model_dir()), hybrid=True, content=False)
        self.embeddings.index([(i, texts[p.source][p.start : p.end], None) for i, p in enumerate(self.passages)])

    def answer(self, question: str) -> tuple[list[Passage], str]:
        found = self.embeddings.search(question, 5)
        top = [self.passages[int(i)] for i, _ in found]
        candidates = sentences_of(self.texts[top[0].source], top[0])
        vectors = self.embeddings.batchtransform([question] + candidates)
        best = candidates[int(np.argmax(vectors[1:] @ vectors[0]))]
        return top, best


def score(peer, items: list[dict], texts: dict[str, str], name: str) -> dict[str, float]:
    recalls, right = [], []
    for item in tqdm(items, desc=name, unit="q"):
        top, answer = peer.answer(item["question"])
        if not item["answerable"]:
            continue
        evidence = item.get("evidence") or []
        found = sum(any(covers(texts[p.source], span, p.start, p.end) for p in top) for span in evidence)
        recalls.append(found / len(evidence) if evidence else 1.0)
        right.append(any(normalise(a) in normalise(answer) for a in accepted_answers(item)))
    return {"evidence_recall@5": round(float(np.mean(recalls)), 3), "answer_accuracy": round(float(np.mean(right)), 3), "abstention_accuracy": 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/peers.json")
    args = parser.parse_args()
    results: dict[str, dict[str, dict[str, float]]] = {}
    for set_name, (gold, corpus) in SETS.items():
        texts = {path.name: read_text(path) for path in list_documents(corpus)}
        items = load_gold(gold)
        results[set_name] = {
            "BM25 windows": score(Bm25Peer(texts), items, texts, f"bm25 {set_name}"),
            "txtai hybrid": score(TxtaiPeer(texts), items, texts, f"txtai {set_name}"),
        }
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"{'set':26} {'peer':14} recall@5 answers abstention")
    for set_name, peers in results.items():
        for peer, figures in peers.items():
            print(f"{set_name:26} {peer:14} {figures['evidence_recall@5']:8.3f} {figures['answer_accuracy']:7.3f} {figures['abstention_accuracy']:10.3f}")


if __name__ == "__main__":
    sys.exit(main())

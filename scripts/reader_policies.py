"""Trial (not merged): served figures with a reader (scripts/reader_synthetic_trial.py) re-reading the trees' best K eligible sentences.

Policies: none; reorder:K (the K sentences re-ordered by the geometric mean of the two
probabilities, the trees' scores kept in rank order, so whether to answer is unchanged);
rescue:K:R (the same, and a question the trees refuse is answered when the reader gives the
new best sentence at least R); geo:K (the K sentences scored by the geometric mean, read
through the trees' calibration). Prints answered-right / answerable, refused / unanswerable and
wrong answers per set. Usage: `python scripts/reader_policies.py READER_DIR SETS POLICIES`.
"""
import os, sys, math, tempfile
from pathlib import Path
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent; sys.path.insert(0, str(ROOT / "scripts"))
from cross_encoder_second_opinion import OnnxReader
from briefqa.answering import Answerer
from briefqa.engine import Engine
from briefqa.evaluation import evaluate, load_gold
from briefqa.index import build_index

rdir = Path(sys.argv[1]); sets = sys.argv[2].split(","); policies = sys.argv[3].split(",")
reader = OnnxReader(rdir / "reader.onnx", rdir / "tokenizer.json")
cache = {}
def read(q, sents):
    todo = [s for s in sents if (q, s) not in cache]
    if todo:
        for s, p in zip(todo, reader.probabilities(q, todo)): cache[(q, s)] = float(p)
    return [cache[(q, s)] for s in sents]
orig = Answerer.judge
POLICY = {"mode": "none"}
def raw_for(ans, share, target):
    lo, hi = 0.0, 1.0
    if ans.verifier.confidence(hi, share) < target: return None
    for _ in range(30):
        mid = (lo + hi) / 2
        if ans.verifier.confidence(mid, share) >= target: hi = mid
        else: lo = mid
    return hi
def judge(self, pool):
    ranked = orig(self, pool)
    mode = POLICY["mode"]
    if mode == "none" or not ranked: return ranked
    k = POLICY["k"]
    elig = [c for c in ranked if self.eligible(c, pool)][:k]
    if not elig: return ranked
    ps = read(pool.question.text, [c.sentence.statement for c in elig])
    trees = [c.score for c in elig]
    order = sorted(range(len(elig)), key=lambda i: -math.sqrt(trees[i] * ps[i]))
    if mode == "geo":
        for c, s, p in zip(elig, trees, ps): c.score = math.sqrt(s * p)
    else:  # reorder keeping the trees' scores in place; optional rescue
        top_scores = sorted(trees, reverse=True)
        for rank, i in enumerate(order): elig[i].score = top_scores[rank]
        R = POLICY.get("rescue")
        if R is not None:
            best = elig[order[0]]
            if ps[order[0]] >= R:
                share = self.foreign_share(pool.matched)
                need = raw_for(self, share, self.verifier.card.threshold)
                if need is not None and best.score < need: best.score = need
    return sorted(ranked, key=lambda c: (-c.score, c.sentence.sentence_id))
Answerer.judge = judge
def parse(p):
    if p == "none": return {"mode": "none"}
    parts = p.split(":")  # geo:3  reorder:3  rescue:3:0.9
    d = {"mode": parts[0] if parts[0] != "rescue" else "reorder", "k": int(parts[1])}
    if parts[0] == "rescue": d["rescue"] = float(parts[2])
    return d
with tempfile.TemporaryDirectory() as w:
    engines = {}
    for s in sets:
        if s == "squad":
            build_index(ROOT / "tests/data/squad/corpus", Path(w) / "sq", progress=False)
            engines[s] = (Engine(Path(w) / "sq"), ROOT / "tests/data/squad/heldout.jsonl")
        else:
            engines[s] = (Engine(ROOT / "index"), ROOT / f"tests/data/{s}.jsonl")
    for p in policies:
        POLICY.clear(); POLICY.update(parse(p))
        line = []
        for s in sets:
            e, gold = engines[s]
            idx, _ = e._ready(); texts = {a.source: a.text for a in idx.articles.values()}
            r = evaluate(load_gold(gold), e.ask, texts.__getitem__)
            wrong = sum(x.answered and not x.correct for x in r.results if x.answerable)
            right = sum(x.correct for x in r.results if x.answerable); refused = sum(not x.answered for x in r.results if not x.answerable)
            nA = sum(x.answerable for x in r.results); nU = len(r.results) - nA
            line.append(f"{s} {right}/{nA} {refused}/{nU} w{wrong}")
        print(f"{p:<16} " + " | ".join(line), flush=True)

"""Trial (fourteenth session, not merged): a cross-encoder reader taught by 597 reworded questions on the seed articles.

Fine-tunes the bundled MiniLM with a one-logit head (scripts/cross_encoder_second_opinion.py's
recipe) on: SQuAD 2.0 articles 00-05 (a seeded sample of SQUAD_N questions), the ten NEWS_TRAIN
sets, and tests/data/news_synth.jsonl (two heavily reworded questions for every fact-bearing
sentence, list item and table row of the five articles, plus 131 near misses, written by
helpers that read only the articles). Pairs: each answer sentence and the committed trees'
three best non-answers from the served pool; news repeated NEWS_REPEAT times. Writes
OUT/reader.onnx (int8) and OUT/tokenizer.json. About 26 minutes with the defaults
(three epochs, 800 SQuAD questions), as measured: `python scripts/reader_synthetic_trial.py OUT`; then
`python scripts/reader_policies.py OUT dev,blind6,squad none,reorder:3,rescue:3:0.8,geo:3`.
docs/verifier.md ("An eighth blind set, reworded questions for every sentence, ...") holds the figures.
"""
import json, os, random, shutil, sys, time, pickle
from pathlib import Path
os.environ.setdefault("HF_HUB_OFFLINE", "1"); os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parent.parent; sys.path.insert(0, str(ROOT / "scripts"))
from cross_encoder_trial import pools
from cross_encoder_second_opinion import fine_tune, export, quantise, OnnxReader, torch_probabilities
from train_verifier import NEWS_TRAIN
from verifier_data import load_items
from briefqa.index import build_index

SQUAD = ROOT.parent / "shared" / "squad"; DATA = ROOT / "tests" / "data"
out = Path(sys.argv[1]); out.mkdir(parents=True, exist_ok=True)
epochs = float(os.environ.get("EPOCHS", "3")); squad_n = int(os.environ.get("SQUAD_N", "800")); repeat = int(os.environ.get("NEWS_REPEAT", "2"))
use_synth = os.environ.get("SYNTH", "1") == "1"
work = out / "work"; cache = work / "pools.pkl"
if cache.exists():
    sq, news = pickle.load(open(cache, "rb"))
else:
    shutil.rmtree(work, ignore_errors=True); (work / "sq").mkdir(parents=True)
    for p in sorted((SQUAD / "corpus").glob("*.txt")):
        if p.name[:2] in ("00", "01", "02", "03", "04", "05"): shutil.copy(p, work / "sq" / p.name)
    build_index(work / "sq", work / "sq_index", progress=False)
    build_index(ROOT / "seeds", work / "news_index", progress=False)
    items = [i for i in load_items(SQUAD / "questions.jsonl") if i["doc"][:2] in ("00", "01", "02", "03", "04", "05")]
    random.Random(7).shuffle(items)
    sq = pools(work / "sq_index", items[:1500])
    news = pools(work / "news_index", [i for f in NEWS_TRAIN for i in load_items(DATA / f"{f}.jsonl")])
    pickle.dump((sq, news), open(cache, "wb"))
if os.environ.get("POOLS_ONLY"): sys.exit(0)
synth = pools(work / "news_index", load_items(DATA / "news_synth.jsonl")) if use_synth else []
def pairs_of(qs, rep):
    out_ = []
    for q in qs:
        pos = [c for c in q["candidates"] if c["label"]]
        neg = [c for c in q["candidates"] if not c["label"]][:3]
        if q["answerable"] and not pos: continue
        out_ += rep * ([(q["question"], c["text"], 1.0) for c in pos] + [(q["question"], c["text"], 0.0) for c in neg])
    return out_
pairs = pairs_of(sq[:squad_n], 1) + pairs_of(news, repeat) + (pairs_of(synth, repeat) if use_synth else [])
random.Random(7).shuffle(pairs)
print(len(pairs), "pairs;", len(sq[:squad_n]), "squad q,", len(news), "news q,", len(synth), "synth q", flush=True)
t = time.time()
tok, model = fine_tune(pairs, epochs=epochs)
print("trained in", round((time.time() - t) / 60, 1), "min", flush=True)
fp32 = export(model, out / "fp32.onnx"); quantise(fp32, out / "reader.onnx")
from briefqa.embeddings import base_model_dir as model_dir
shutil.copy(model_dir() / "tokenizer.json", out / "tokenizer.json")
r = OnnxReader(out / "reader.onnx", out / "tokenizer.json")
test = [("Who leads the task force?", "The task force is led by the Department of Justice."), ("How many smugglers were arrested?", "The weather was mild.")]
print("torch", torch_probabilities(tok, model, test), "int8", [float(r.probabilities(q, [s])[0]) for q, s in test])

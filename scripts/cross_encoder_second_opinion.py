"""Trial (not merged; branch `thorough` serves it): the cross-encoder as a second opinion, trained as it would ship.

The trees judge a sentence by word-level features; a cross-encoder reads question and
sentence together. It costs about 4 ms per sentence here (int8), too much for every question
within the speed budget, so it was built as a second opinion that a caller asks for: it
re-reads the trees' best few eligible sentences, and the answer is the one with the best
geometric mean of the two scores, if its calibrated probability clears its own threshold.
Unlike scripts/cross_encoder_trial.py, no figure here comes from articles the model or the
threshold saw. docs/verifier.md ("Trial: the cross-encoder as a second opinion") has the
results and why main does not take it.

Data and split (by article):
  fit          SQuAD 2.0 articles 00-03 and our news training questions (tests/data/extra,
               paraphrase, news_train; news repeated three times, as it is scarce)
  calibrate    SQuAD 2.0 articles 04-05: the calibration map and the threshold are fitted on
               them, with the trees' leave-one-article-out scores, so neither model saw them
  held out     SQuAD 2.0 articles 06-07, news dev and mixed: never used here

Pairs: every answer sentence and the three non-answer sentences the trees rate highest, per
fitting question. MiniLM (the bundled all-MiniLM-L6-v2) with a one-logit head, BCE loss,
AdamW at 1e-4 with linear warm-up and decay, batch 16, three epochs, seed 7. The result is
exported to ONNX, checked against PyTorch, quantised to int8 and checked again. Writes
build/cross_encoder/{cross_encoder.onnx, cross_encoder.json, tokenizer.json}; about 25 minutes:
`python scripts/cross_encoder_second_opinion.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_verifier import (  # noqa: E402
    NEWS_TRAIN, NEWS_WEIGHT, SEED, SQUAD, TRAIN_ARTICLES, choose_threshold, eligible, frontier, merge, news_rows, news_weights,
    out_of_fold_scores, question_outcomes, training_rows, veto_types,
)
from verifier_data import Rows, load_items  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CROSS_ENCODER_FILE = "cross_encoder.onnx"
CROSS_ENCODER_META = "cross_encoder.json"
TOKENIZER_FILE = "tokenizer.json"
FIT_ARTICLES = ("00", "01", "02", "03")
CALIBRATION_ARTICLES = ("04", "05")
NEWS_FIT = (*NEWS_TRAIN, "news_train")
NEWS_REPEAT = 3
NEGATIVES = 3
# Sentences re-read per question: the trees' best eligible ones. On held-out SQuAD, 2 gained as much
# as 4 or 8 (docs/verifier.md), at half the cost of 4.
TOP = 2
MAX_LENGTH = 128
EPOCHS = 3.0
LEARNING_RATE = 1e-4
BATCH = 16
PARITY_PAIRS = 16


def training_pairs(rows: Rows, tree_scores: np.ndarray, fit: np.ndarray) -> list[tuple[str, str, float]]:
    """Every answer sentence and the trees' hardest non-answers, for the questions of the fitting rows."""
    pairs = []
    for q in np.unique(rows.question[fit]):
        at = np.flatnonzero(rows.question == q)
        question = rows.question_texts[q]
        repeat = NEWS_REPEAT if str(rows.doc[at[0]]).startswith("news:") else 1
        negatives = sorted((i for i in at if not rows.labels[i]), key=lambda i: -tree_scores[i])[:NEGATIVES]
        chosen = [(question, rows.sentences[i], 1.0) for i in at if rows.labels[i]] + [(question, rows.sentences[i], 0.0) for i in negatives]
        pairs += repeat * chosen
    random.Random(SEED).shuffle(pairs)
    return pairs


def fine_tune(pairs: list[tuple[str, str, float]], *, epochs: float = EPOCHS, lr: float = LEARNING_RATE, layers: int | None = None):
    import torch
    from tqdm import tqdm
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from briefqa.embeddings import base_model_dir as model_dir

    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir()))
    model = AutoModelForSequenceClassification.from_pretrained(str(model_dir()), num_labels=1, attn_implementation="eager")
    if layers is not None:  # a shallower reader: MiniLM's first transformer layers only, for speed
        model.bert.encoder.layer = model.bert.encoder.layer[:layers]
        model.config.num_hidden_layers = layers
    steps = int(len(pairs) / BATCH * epochs)
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    # linear warm-up over a tenth of the steps, then linear decay (one epoch at this rate learns nothing)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, (steps - s) / steps))
    loss_of = torch.nn.BCEWithLogitsLoss()
    model.train()
    for step in tqdm(range(steps), desc="cross-encoder", unit="step"):
        start = (step * BATCH) % len(pairs)
        chunk = pairs[start : start + BATCH]
        encoded = tokenizer([p[0] for p in chunk], [p[1] for p in chunk], truncation=True, max_length=MAX_LENGTH, padding=True, return_tensors="pt")
        loss = loss_of(model(**encoded).logits.squeeze(-1), torch.tensor([p[2] for p in chunk]))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        optimiser.zero_grad()
    return tokenizer, model.eval()


def torch_probabilities(tokenizer, model, pairs: list[tuple[str, str]]) -> np.ndarray:
    import torch

    with torch.no_grad():
        encoded = tokenizer([p[0] for p in pairs], [p[1] for p in pairs], truncation=True, max_length=MAX_LENGTH, padding=True, return_tensors="pt")
        return torch.sigmoid(model(**encoded).logits.squeeze(-1)).numpy().astype(np.float64)


def export(model, target: Path) -> Path:
    """ONNX (legacy exporter, fused BERT kernels) in fp32; the int8 copy is made from it."""
    import torch
    from onnxruntime.transformers.optimizer import optimize_model

    example = torch.ones((2, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, (example, example, torch.zeros_like(example)), str(target), dynamo=False,
            input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "logits": {0: "batch"}}, opset_version=17,
        )
        optimize_model(str(target), model_type="bert", num_heads=12, hidden_size=384).save_model_to_file(str(target))
    return target


def quantise(source: Path, target: Path) -> Path:
    """Dynamic int8 quantisation of the weights: a quarter of the size, 2.4x faster per sentence here."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The fused attention nodes hide their output types from shape inference; they are all float.
    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    return target


def judged(rows: Rows, tree_scores: np.ndarray, allowed: np.ndarray, questions: np.ndarray, read) -> tuple[np.ndarray, np.ndarray]:
    """Per question: the best combined score among the trees' TOP eligible sentences, and whether that sentence answers."""
    best, right = np.zeros(len(questions)), np.zeros(len(questions), dtype=bool)
    for n, q in enumerate(questions):
        at = [i for i in np.flatnonzero(rows.question == q) if allowed[i]]
        at = sorted(at, key=lambda i: -tree_scores[i])[:TOP]
        if not at:
            continue
        second = read(rows.question_texts[q], [rows.sentences[i] for i in at])
        combined = np.sqrt(tree_scores[at] * second)
        pick = int(np.argmax(combined))
        best[n], right[n] = combined[pick], bool(rows.labels[at[pick]])
    return best, right


def frontier_figures(best: np.ndarray, right: np.ndarray, answerable: np.ndarray) -> dict[str, float]:
    curve = [answers for _, answers, refused in frontier(best, right, answerable, np.linspace(0, 1, 101)) if refused >= 0.75]
    top1 = right[answerable & (best > 0)].mean()
    a, u = best[answerable][:, None], best[~answerable][None, :]
    return {"top1": round(float(top1), 4), "separation_auc": round(float(((a > u) + 0.5 * (a == u)).mean()), 4),
            "answers_at_abstention_0.75": round(float(max(curve, default=0.0)), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "cross_encoder")
    parser.add_argument("--trees", type=Path, default=ROOT / "models" / "verifier", help="The committed trees, whose scores pick the hard negatives.")
    parser.add_argument("--epochs", type=float, default=EPOCHS)
    parser.add_argument("--layers", type=int, default=None, help="Keep only MiniLM's first N of 6 transformer layers (a faster reader).")
    parser.add_argument(
        "--recalibrate", action="store_true",
        help="Keep the committed cross-encoder; refit only the calibration and the threshold (after changing TOP, say).",
    )
    args = parser.parse_args()
    began = time.perf_counter()
    from briefqa.verifier import TreeVerifier

    squad_items = [i for i in load_items(SQUAD / "questions.jsonl") if i["doc"][:2] in TRAIN_ARTICLES]
    work = Path(tempfile.mkdtemp(prefix="briefqa-cross-"))
    try:
        rows, _, news_index = training_rows(work, args.trees, squad_items, list(NEWS_TRAIN))
        # The trees' out-of-fold scores, exactly as `make train` computes them for the trees' own threshold.
        tree_scores = out_of_fold_scores(rows, news_weights(rows, NEWS_WEIGHT), rows)
        vetoed = veto_types(rows)
        allowed = eligible(rows, vetoed)
        questions = np.flatnonzero([d[:2] in CALIBRATION_ARTICLES for d in rows.question_docs])
        if args.recalibrate:
            card = json.loads((args.out / CROSS_ENCODER_META).read_text(encoding="utf-8"))
        else:
            extra = news_rows(news_index, "news_train")  # fitting only: the trees never train on it
            every = merge([rows, extra])
            # news_train has no out-of-fold scores, and needs none: the trees never trained on it
            every_scores = np.concatenate([tree_scores, TreeVerifier(args.trees).score(extra.features)])
            article = np.array([str(d)[:2] for d in every.doc])
            fit = np.char.startswith(every.doc.astype(str), "news:") | np.isin(article, FIT_ARTICLES)
            pairs = training_pairs(every, every_scores, fit)
            print(f"{len(pairs)} training pairs", file=sys.stderr)
            tokenizer, model = fine_tune(pairs, epochs=args.epochs, layers=args.layers)
            training = {
                "fit": {"squad_articles": list(FIT_ARTICLES), "news": list(NEWS_FIT), "news_repeat": NEWS_REPEAT, "pairs": len(pairs)},
                "calibration_squad_articles": list(CALIBRATION_ARTICLES), "negatives": NEGATIVES, "epochs": args.epochs, "layers": args.layers or 6,
                "learning_rate": LEARNING_RATE, "batch": BATCH, "max_length": MAX_LENGTH, "seed": SEED,
                "minutes": round((time.perf_counter() - began) / 60, 1),
            }
            card = {"training": training, **ship(tokenizer, model, rows, tree_scores, allowed, questions, args.out, work)}
        card.update(calibrate(rows, tree_scores, vetoed, questions, args.out))
        card["held_out"] = held_out(OnnxReader(args.out / CROSS_ENCODER_FILE, args.out / TOKENIZER_FILE), work, card["calibration"])
        (args.out / CROSS_ENCODER_META).write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
        print(json.dumps({k: card[k] for k in ("threshold", "calibration_articles")}, indent=2), file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def ship(tokenizer, model, rows: Rows, tree_scores, allowed, questions, out: Path, work: Path) -> dict:
    """Export, check the export against PyTorch, quantise, and check that int8 keeps the fp32 figures."""
    from briefqa.embeddings import base_model_dir as model_dir

    out.mkdir(parents=True, exist_ok=True)
    fp32 = export(model, work / "cross_encoder.fp32.onnx")
    quantise(fp32, out / CROSS_ENCODER_FILE)
    shutil.copy(model_dir() / "tokenizer.json", out / TOKENIZER_FILE)
    readers = {"pytorch": lambda q, s: torch_probabilities(tokenizer, model, [(q, t) for t in s])}
    for name, path in (("onnx fp32", fp32), ("onnx int8", out / CROSS_ENCODER_FILE)):
        reader = OnnxReader(path, out / TOKENIZER_FILE)
        readers[name] = lambda q, s, reader=reader: reader.probabilities(q, s)
    parity_pairs = [(rows.question_texts[q], rows.sentences[i]) for q in questions[:PARITY_PAIRS] for i in np.flatnonzero(rows.question == q)[:1]]
    parity = {name: [round(float(p), 6) for p in read_pairs(read, parity_pairs)] for name, read in readers.items()}
    answerable = rows.answerable[questions]
    quantisation = {"top": TOP}
    for name in ("onnx fp32", "onnx int8"):
        quantisation[name] = frontier_figures(*judged(rows, tree_scores, allowed, questions, readers[name]), answerable)
        print(f"calibration articles, {name}: {quantisation[name]}", file=sys.stderr)
    difference = {f"{kind}_max_difference": round(float(np.max(np.abs(np.array(parity[f"onnx {kind}"]) - parity["pytorch"]))), 6) for kind in ("fp32", "int8")}
    return {
        "parity": {"pairs": [list(p) for p in parity_pairs], **parity, **difference},
        "quantisation": quantisation,
        "size_bytes": (out / CROSS_ENCODER_FILE).stat().st_size,
    }


def calibrate(rows: Rows, tree_scores, vetoed, questions, out: Path) -> dict:
    """Calibration map and threshold for the shipped int8 model re-reading the trees' TOP best, on the calibration articles."""
    from sklearn.isotonic import IsotonicRegression

    reader = OnnxReader(out / CROSS_ENCODER_FILE, out / TOKENIZER_FILE)
    best, right = judged(rows, tree_scores, eligible(rows, vetoed), questions, reader.probabilities)
    answerable, docs = rows.answerable[questions], np.array(rows.question_docs, dtype=str)[questions]
    trees_best, trees_right = (column[questions] for column in question_outcomes(tree_scores, rows, vetoed))
    calibration = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(best, right.astype(float))
    grid = np.unique(np.round(np.concatenate([[0.0], calibration.X_thresholds_, [1.0]]), 4))
    return {
        "version": time.strftime("%Y-%m-%d"),
        "threshold": round(choose_threshold(calibration.predict(best), right, docs, answerable), 4),
        "calibration": {"x": grid.tolist(), "y": np.round(calibration.predict(grid), 4).tolist()},
        "top": TOP, "max_length": MAX_LENGTH, "combination": "geometric mean of the trees' and the cross-encoder's probabilities",
        "calibration_articles": {"thorough": frontier_figures(best, right, answerable), "trees alone": frontier_figures(trees_best, trees_right, answerable)},
    }


def held_out(reader: "OnnxReader", work: Path, calibration: dict) -> dict:
    """The served pools of the held-out sets (SQuAD 06-07, news dev and mixed), the trees' TOP best
    eligible sentences re-read; the trial's measures, with sentences not re-read counting 0, and
    the curve of answers against abstention over calibrated thresholds 0.0-1.0."""
    from cross_encoder_trial import pools, report

    from briefqa.index import build_index

    data = ROOT / "tests" / "data"
    build_index(data / "squad" / "corpus", work / "held", progress=False)
    build_index(ROOT / "seeds", work / "news", progress=False)
    sets = {
        "SQuAD held out": pools(work / "held", load_items(data / "squad" / "heldout.jsonl")),
        "news dev": pools(work / "news", load_items(data / "dev.jsonl")),
        "news mixed": pools(work / "news", load_items(data / "mixed.jsonl")),
    }
    figures = {}
    for name, questions in sets.items():
        for q in questions:
            chosen = sorted((c for c in q["candidates"] if c["eligible"]), key=lambda c: -c["tree"])[:TOP]
            for c in q["candidates"]:
                c["cross"] = 0.0
            for c, p in zip(chosen, reader.probabilities(q["question"], [c["text"] for c in chosen]) if chosen else []):
                c["cross"] = float(p)
        figures[name] = report(name, questions)
        trees = json.loads((ROOT / "models" / "verifier" / "verifier.json").read_text(encoding="utf-8"))["calibration"]
        answerable = np.array([q["answerable"] for q in questions])
        for judge, value, mapping in (("curve", lambda c: np.sqrt(c["tree"] * c["cross"]), calibration), ("trees curve", lambda c: c["tree"], trees)):
            # the best eligible sentence by each judge (the combination sees only the re-read ones), its calibrated confidence
            best, right = np.zeros(len(questions)), np.zeros(len(questions), dtype=bool)
            for n, q in enumerate(questions):
                chosen = [c for c in q["candidates"] if c["eligible"] and (c["cross"] > 0 or judge == "trees curve")]
                if chosen:
                    pick = max(chosen, key=value)
                    best[n], right[n] = value(pick), bool(pick["label"])
            confidence = np.interp(best, mapping["x"], mapping["y"])
            figures[name][judge] = [[round(t, 2), round(a, 2), round(b, 2)] for t, a, b in frontier(confidence, right, answerable, np.linspace(0, 1, 11))]
    return figures


class OnnxReader:
    """The exported cross-encoder in onnxruntime: the probability, per sentence, that it answers the question."""

    def __init__(self, onnx_path: Path, tokenizer_path: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(max_length=MAX_LENGTH)  # longest first, as in training
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 2
        self.session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])

    def probabilities(self, question: str, sentences: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch([(question, s) for s in sentences])
        feeds = {name: np.array([getattr(e, field) for e in encodings], dtype=np.int64)
                 for name, field in (("input_ids", "ids"), ("attention_mask", "attention_mask"), ("token_type_ids", "type_ids"))}
        return 1.0 / (1.0 + np.exp(-self.session.run(None, feeds)[0].reshape(-1).astype(np.float64)))


def read_pairs(read, pairs: list[tuple[str, str]]) -> np.ndarray:
    return np.concatenate([np.atleast_1d(read(q, [s])) for q, s in pairs])


if __name__ == "__main__":
    main()

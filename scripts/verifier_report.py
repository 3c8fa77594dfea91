"""The verifier's held-out report: figures, frontier curves, reliability, and the model card.

Called by scripts/train_verifier.py once the model is written. Every figure comes from
the full served pipeline (Engine.ask) over indexes built with the new model, on articles
and questions the training never touched.
"""

from __future__ import annotations

import json
import shutil
import statistics
import time
from pathlib import Path

import numpy as np

from briefqa.engine import Engine
from briefqa.evaluation import evaluate, load_gold
from briefqa.features import FEATURES
from briefqa.index import build_index
from briefqa.verifier import MODEL_FILE, POOL_SIZE, RELEVANCE_FILE, TREES_FILE, TreeVerifier, shifted
from train_relevance import held_out_figures
from verifier_data import build_rows
from train_verifier import NEWS_TRAIN, ROOT, SQUAD, TRAIN_ARTICLES, frontier, question_outcomes

# The news sets no model trains on: dev and every blind set NEWS_TRAIN leaves out, read from
# tests/data so that a new blind set is held out without editing a list.
HELD_OUT_NEWS = ("dev",) + tuple(sorted(
    (p.stem for p in (ROOT / "tests" / "data").glob("blind*.jsonl") if p.stem not in NEWS_TRAIN),
    key=lambda name: int(name.removeprefix("blind") or 1),
))
BINS = 10


def _engine(corpus: Path, target: Path, model_dir: Path) -> Engine:
    build_index(corpus, target, progress=False, verifier_dir=model_dir)
    engine = Engine(target, auto_reload=False)
    engine.load()
    return engine


def calibrated(meta: dict, best: np.ndarray, rows) -> np.ndarray:
    """Each question's best raw score as the server reports it: shifted by its foreign share, then calibrated."""
    return np.interp(shifted(best, meta["foreign_shift"] * rows.foreign_share), meta["calibration"]["x"], meta["calibration"]["y"])


def _verifier_milliseconds(engine: Engine, questions: list[str]) -> float:
    """Median time to build the feature rows and score them, per question (the embedding excluded)."""
    answerer = engine._ready()[1]
    times = []
    for text in questions:
        pool = answerer.pool(text)
        began = time.perf_counter()
        answerer.verifier.score(pool.features(answerer, pool.candidates[:POOL_SIZE]))
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def _reliability(pairs: list[tuple[float, bool]]) -> tuple[float, list[tuple[float, float, int]]]:
    """Expected calibration error over equal-width bins, and (mean confidence, accuracy, count) per bin."""
    confidence = np.array([c for c, _ in pairs])
    right = np.array([r for _, r in pairs], dtype=float)
    bins, error = [], 0.0
    for low in np.linspace(0, 1, BINS, endpoint=False):
        inside = (confidence >= low) & (confidence < low + 1 / BINS + (1e-9 if low + 1 / BINS >= 1 else 0))
        if inside.any():
            bins.append((float(confidence[inside].mean()), float(right[inside].mean()), int(inside.sum())))
            error += inside.sum() / len(confidence) * abs(confidence[inside].mean() - right[inside].mean())
    return float(error), bins


def write_report(out: Path, docs: Path, work: Path, meta: dict, rows, out_of_fold, held_items, *, seconds: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    held_corpus = work / "squad-held"
    held_corpus.mkdir()
    for path in sorted((SQUAD / "corpus").glob("*.txt")):
        if path.name[:2] not in TRAIN_ARTICLES:
            shutil.copy(path, held_corpus / path.name)
    figures = {}
    squad = _engine(held_corpus, work / "held-index", out)
    news = _engine(ROOT / "seeds", work / "news-final", out)
    sets = [("SQuAD held-out articles", squad, held_items)] + [
        (f"news {name}", news, load_gold(ROOT / "tests" / "data" / f"{name}.jsonl")) for name in HELD_OUT_NEWS
    ]
    verifier = TreeVerifier(out)
    pairs: list[tuple[float, bool]] = []
    for label, engine, items in sets:
        texts = {a.source: a.text for a in engine.index.articles.values()}
        figures[label] = evaluate(items, engine.ask, texts.__getitem__).figures()
        # Calibration is judged on the best eligible candidate of every question, answered or not:
        # its confidence is the model's claim that it answers, right or wrong.
        set_rows = build_rows(engine.index_dir, items, desc=f"reliability {label}")
        best, right = question_outcomes(verifier.score(set_rows.features), set_rows, meta["veto_types"])
        pairs += list(zip(calibrated(meta, best, set_rows).tolist(), right.tolist()))
    ece, bins = _reliability(pairs)

    # Frontier curves on the held-out SQuAD articles: the verifier's best-candidate score
    # against the old relevance blend used alone, both as ranker and as threshold.
    held_rows = build_rows(work / "held-index", held_items, desc="held-out curves")
    meta["relevance"]["held_out"] = held_out_figures(verifier.relevance(held_rows.features), held_rows, meta["relevance"]["floor"])
    thresholds = np.linspace(0, 1, 101)
    curves = {}
    for name, scores in (("trained verifier", verifier.score(held_rows.features)),
                         ("hand-set relevance blend (before)", held_rows.features[:, FEATURES.index("heuristic")])):
        best, right = question_outcomes(scores, held_rows, meta["veto_types"])
        if name.startswith("trained"):
            best = calibrated(meta, best, held_rows)
        curves[name] = frontier(best, right, held_rows.answerable, thresholds)
    best, right = question_outcomes(out_of_fold, rows, meta["veto_types"])
    curves["trained verifier, out-of-fold on training articles"] = frontier(
        calibrated(meta, best, rows), right, rows.answerable, thresholds
    )

    docs.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(figsize=(6.5, 5))
    for name, points in curves.items():
        axes.plot([p[2] for p in points], [p[1] for p in points], label=name)
    operating = figures["SQuAD held-out articles"]
    axes.scatter([operating["abstention_accuracy"]], [operating["answer_accuracy"]], color="black", zorder=3, label="chosen operating point (served)")
    axes.set_xlabel("abstention accuracy (unanswerable questions)")
    axes.set_ylabel("answer accuracy (answerable questions)")
    axes.set_title("SQuAD 2.0 held-out articles: accuracy against abstention")
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(docs / "verifier_curves.png", dpi=110)
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(5, 5))
    axes.plot([0, 1], [0, 1], color="grey", linestyle="--", label="perfect calibration")
    axes.plot([b[0] for b in bins], [b[1] for b in bins], marker="o", label=f"briefqa (ECE {ece:.3f})")
    for mean, accuracy, count in bins:
        axes.annotate(str(count), (mean, accuracy), textcoords="offset points", xytext=(4, -10), fontsize=7)
    axes.set_xlabel("confidence")
    axes.set_ylabel("share of answers that are right")
    axes.set_title("Reliability on held-out SQuAD and news questions")
    axes.legend()
    figure.tight_layout()
    figure.savefig(docs / "reliability.png", dpi=110)
    plt.close(figure)

    questions = [i["question"] for i in held_items[:200]]
    milliseconds = _verifier_milliseconds(squad, questions)
    curve_table = {name: [p for p in points if round(p[0] * 100) % 10 == 0] for name, points in curves.items()}
    (docs / "verifier.json").write_text(
        json.dumps({"figures": figures, "ece": round(ece, 4), "reliability_bins": bins, "curves": curve_table,
                    "verifier_ms_per_question": round(milliseconds, 3), "relevance": meta["relevance"]}, indent=2) + "\n", encoding="utf-8",
    )
    _model_card(out, meta, figures, ece, curve_table, milliseconds, seconds)


def _model_card(out: Path, meta: dict, figures: dict, ece: float, curves: dict, milliseconds: float, seconds: float) -> None:
    size_kb, trees_kb = ((out / name).stat().st_size / 1024 for name in (MODEL_FILE, TREES_FILE))
    lines = [
        "# briefqa answer verifier", "",
        "Gradient-boosted trees (LightGBM) that give the probability that a candidate sentence answers a question.",
        f"Rebuilt by `make train` (scripts/train_verifier.py, {_seeds(meta)}); this run took {seconds / 60:.1f} minutes on 2 CPU cores.", "",
        "## Data and split", "",
        f"- Trained on SQuAD 2.0 articles {', '.join(meta['train']['squad_articles'])} of `../shared/squad` and our own news questions "
        f"({', '.join('tests/data/' + n + '.jsonl' for n in meta['train']['news'])}, weight {meta['news_weight']}).",
        "- Held out: SQuAD 2.0 articles 06_imperialism.txt and 07_french_and_indian_war.txt; the news dev set and "
        + ", ".join(f"tests/data/{name}.jsonl" for name in HELD_OUT_NEWS if name != "dev") + ".",
        "- Each question yields up to 24 candidate sentences (the pre-ranked pool the server scores); a candidate is positive when it lies in "
        "the evidence paragraph and holds a gold answer. Unanswerable questions give only negatives, among them the near-miss sentence.",
        f"- Calibration ({'centred isotonic' if meta.get('centred') else 'isotonic'}) and the answer threshold are fitted on leave-one-group-out predictions over the training groups.", "",
        "## Model", "",
        f"- {len(meta['features'])} features (src/briefqa/features.py): {', '.join(meta['features'])}.",
        f"- {meta['rounds']} rounds, {json.dumps({k: v for k, v in meta['params'].items() if k not in ('verbose', 'num_threads')})}"
        + (f"; {meta['bag']} models, {_seeds(meta)}, averaged in log-odds." if meta.get("bag", 1) > 1 else "."),
        f"- Answer threshold on calibrated confidence: {meta['threshold']}. Answer types whose type check is a veto: {', '.join(meta['veto_types']) or 'none'}.",
        f"- Before calibration, a question's best raw score moves by {meta['foreign_shift']} log-odds per unit of its foreign share"
        " (the share of its IDF weight in words no document uses), a weight fitted by logistic regression on the out-of-fold scores.",
        f"- Served as ONNX on onnxruntime: {size_kb:.0f} KB (verifier.onnx; the LightGBM text form, verifier.txt, is {trees_kb:.0f} KB). "
        f"On every training row the export's probability differs from LightGBM's by at most {meta['onnx_max_difference']:.1e}.",
        f"- Feature rows and scoring take {milliseconds:.2f} ms per question (median, embedding excluded).", "",
        "## Held-out figures (full pipeline, `briefqa eval`)", "",
        "| set | evidence recall@5 | answer accuracy | abstention accuracy | false abstention |",
        "|---|---|---|---|---|",
    ]
    for name, f in figures.items():
        lines.append(f"| {name} | {f['evidence_recall@5']} | {f['answer_accuracy']} | {f['abstention_accuracy']} | {f['false_abstention']} |")
    lines += ["", f"Expected calibration error over these questions: {ece:.3f} (docs/reliability.png).", "",
              "## Frontier on the held-out SQuAD articles (best candidate right / unanswerable refused, by threshold)", "",
              "| threshold | " + " | ".join(curves) + " |", "|---|" + "---|" * len(curves)]
    names = list(curves)
    for i in range(len(curves[names[0]])):
        cells = [f"{curves[n][i][1]:.2f} / {curves[n][i][2]:.2f}" for n in names]
        lines.append(f"| {curves[names[0]][i][0]:.1f} | " + " | ".join(cells) + " |")
    lines += _relevance_card(out, meta["relevance"])
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _relevance_card(out: Path, relevance: dict) -> list[str]:
    held = relevance["held_out"]
    size_kb = (out / RELEVANCE_FILE).stat().st_size / 1024
    return [
        "", "## Relevance trees for briefs (relevance.onnx)", "",
        "- The same features and training rows, labelled by whether the sentence lies in the paragraph its question was written "
        "against (the evidence, or the near miss), plus questions of SQuAD training articles 00-02 asked of an index of 03-05 and "
        f"the other way round ({relevance['off_corpus_questions_per_half']} each, every sentence off the topic); {relevance['rows']} rows, "
        f"{relevance['on_topic_rows']} on the topic. Same parameters, rounds and seeds averaged ({relevance.get('bag', 1)}) as the verifier.",
        f"- Held constant (never split on), so a sentence is judged on its own match and not its rank in the pool: {', '.join(relevance['held_constant'])}.",
        f"- A brief admits a sentence at probability {relevance['floor']} or more.",
        f"- Held-out SQuAD articles ({held['rows']} candidate rows of their questions' pools): ROC AUC {held['roc_auc']}, "
        f"precision {held['precision_at_floor']} and recall {held['recall_at_floor']} at the floor; the most relevant sentence "
        f"lies in the question's paragraph for {held['best_sentence_on_topic']} of the questions.",
        f"- ONNX {size_kb:.0f} KB; differs from LightGBM by at most {relevance['onnx_max_difference']:.1e} on the training rows.",
    ]


def _seeds(meta: dict) -> str:
    first, bag = meta["params"]["seed"], meta.get("bag", 1)
    return f"seed {first}" if bag == 1 else f"seeds {first}-{first + bag - 1}"

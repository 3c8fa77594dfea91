"""The trained answer verifier: it travels in the index, it is checked, and it holds its held-out figures."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from briefqa.engine import Engine
from briefqa.errors import IndexCorrupt
from briefqa.evaluation import evaluate, load_gold
from briefqa.features import FEATURES
from briefqa.index import load_index
from briefqa.verifier import MODEL_FILE, MODEL_FILES, POOL_SIZE, TREES_FILE, TreeVerifier, bundled_model_dir, shifted

from .conftest import DATA, SEEDS

SQUAD = DATA / "squad"


@pytest.fixture(scope="module")
def squad_items():
    return {item["id"]: item for item in load_gold(SQUAD / "heldout.jsonl")}


def test_the_index_carries_the_verifier_and_its_checksums(index_dir):
    manifest = json.loads((index_dir / "manifest.json").read_text())
    bundled = bundled_model_dir()
    for name in MODEL_FILES:
        assert (index_dir / "verifier" / name).read_bytes() == (bundled / name).read_bytes()
        assert f"verifier/{name}" in manifest["files"]
    assert set(manifest["verifier"]) == set(MODEL_FILES) == {MODEL_FILE, "relevance.onnx", "verifier.json"}


def test_health_names_the_verifier_and_its_threshold(engine):
    card = engine._ready()[1].verifier.card
    assert engine.health().verifier == f"gradient-boosted trees (ONNX), trained {card.version}, answers at confidence >= {card.threshold}"


def test_a_different_verifier_makes_the_index_stale(index_dir, tmp_path):
    from briefqa.embeddings import MODEL_NAME
    from briefqa.index import is_stale

    from .conftest import SEEDS

    assert not is_stale(SEEDS, index_dir, embedder_name=MODEL_NAME, chunk_words=90)
    other = tmp_path / "verifier"
    shutil.copytree(bundled_model_dir(), other)
    meta = json.loads((other / "verifier.json").read_text())
    meta["threshold"] = 0.9
    (other / "verifier.json").write_text(json.dumps(meta))
    assert is_stale(SEEDS, index_dir, embedder_name=MODEL_NAME, chunk_words=90, verifier_dir=other)


def test_a_model_folder_without_the_relevance_trees_is_refused_before_ingest(tmp_path, embedder):
    from briefqa.errors import CorpusError
    from briefqa.index import build_index

    from .conftest import SEEDS

    older = tmp_path / "verifier"
    shutil.copytree(bundled_model_dir(), older)
    (older / "relevance.onnx").unlink()  # a model trained before briefs had their own trees
    with pytest.raises(CorpusError, match="needs verifier.onnx, relevance.onnx, verifier.json\\); run `make train`"):
        build_index(SEEDS, tmp_path / "index", embedder, progress=False, with_onnx=False, verifier_dir=older)
    assert not (tmp_path / "index").exists()


def test_a_damaged_verifier_fails_the_checksum_at_load(index_dir, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    with open(copy / "verifier" / MODEL_FILE, "ab") as handle:
        handle.write(b"\n")
    with pytest.raises(IndexCorrupt, match="verifier/verifier.onnx fails its checksum"):
        load_index(copy)


def test_the_served_onnx_trees_match_the_lightgbm_trees(engine):
    """make train exports verifier.txt to verifier.onnx; the two must agree on the rows serving builds."""
    import lightgbm

    answerer = engine._ready()[1]
    rows = []
    for item in load_gold(DATA / "dev.jsonl"):
        pool = answerer.pool(item["question"])
        if pool.candidates:
            rows.append(pool.features(answerer, pool.candidates[:POOL_SIZE]))
    rows = np.vstack(rows)
    assert len(rows) > 1000
    trees = lightgbm.Booster(model_file=str(bundled_model_dir() / TREES_FILE))
    served = TreeVerifier(bundled_model_dir()).score(rows)
    assert np.abs(served - trees.predict(rows.astype(np.float64))).max() < 1e-5
    assert served.std() > 0.05  # the rows span the model's range, not one leaf


def test_serving_never_imports_lightgbm_or_its_dependencies(index_dir):
    """The server answers with onnxruntime alone: LightGBM, scikit-learn and pandas add ~130 MB."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from briefqa.engine import Engine\n"
        f"engine = Engine(Path({str(index_dir)!r}), auto_reload=False)\n"
        "assert engine.ask('How much illicit currency did HSI seize in 2021?').answered\n"
        "print(sorted(m for m in ('lightgbm', 'sklearn', 'pandas', 'torch') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert result.stdout.strip() == "[]"


def test_a_verifier_model_that_does_not_load_is_reported(tmp_path):
    shutil.copytree(bundled_model_dir(), tmp_path / "verifier")
    (tmp_path / "verifier" / MODEL_FILE).write_bytes(b"not a model")
    with pytest.raises(IndexCorrupt, match="does not load"):
        TreeVerifier(tmp_path / "verifier").score(np.zeros((1, len(FEATURES))))


def test_ingest_refuses_a_verifier_trained_on_another_encoder(tmp_path, embedder):
    from briefqa.embeddings import MODEL_NAME
    from briefqa.errors import CorpusError
    from briefqa.index import build_index

    assert json.loads((bundled_model_dir() / "verifier.json").read_text())["encoder"] == MODEL_NAME == embedder.name
    shutil.copytree(bundled_model_dir(), tmp_path / "verifier")
    meta = json.loads((tmp_path / "verifier" / "verifier.json").read_text())
    (tmp_path / "verifier" / "verifier.json").write_text(json.dumps({**meta, "encoder": "sentence-transformers/all-MiniLM-L6-v2"}))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEEDS / "002_47b46ce98c28fd65.txt", corpus)
    with pytest.raises(CorpusError, match="trained on the encoder sentence-transformers/all-MiniLM-L6-v2, but this ingest embeds with all-MiniLM-L6-v2-briefqa-"):
        build_index(corpus, tmp_path / "index", embedder, progress=False, verifier_dir=tmp_path / "verifier")
    assert not (tmp_path / "index").exists()


def test_rows_of_the_wrong_shape_are_refused():
    with pytest.raises(ValueError, match=f"shape \\(n, {len(FEATURES)}\\)"):
        TreeVerifier(bundled_model_dir()).score(np.zeros((3, len(FEATURES) - 1)))


def _probability(engine: Engine, item: dict, sentence_text: str) -> float:
    answerer = engine._ready()[1]
    pool = answerer.pool(item["question"])
    candidates = pool.candidates[:POOL_SIZE]
    (position,) = [i for i, c in enumerate(candidates) if c.sentence.text in sentence_text or sentence_text in c.sentence.text]
    raw = answerer.verifier.score(pool.features(answerer, candidates))
    return answerer.verifier.confidence(float(raw[position]), answerer.foreign_share(pool.matched))


@pytest.mark.parametrize("question_id", ["sq2460", "sq2464", "sq2466"])
def test_the_near_miss_sentence_is_rejected(squad_engine, squad_items, question_id):
    item = squad_items[question_id]
    assert not item["answerable"]
    near_miss = item["near_miss"][0] if isinstance(item["near_miss"], list) else item["near_miss"]
    assert _probability(squad_engine, item, near_miss) < squad_engine._ready()[1].verifier.card.threshold
    assert not squad_engine.ask(item["question"]).answered


@pytest.mark.parametrize("question_id", ["sq2274", "sq2275", "sq2276"])
def test_the_true_sentence_is_accepted(squad_engine, squad_items, question_id):
    item = squad_items[question_id]
    assert item["answerable"]
    assert _probability(squad_engine, item, item["evidence"][0]) >= squad_engine._ready()[1].verifier.card.threshold
    answer = squad_engine.ask(item["question"])
    assert answer.answered and any(a.lower() in answer.answer.lower() for a in item["answers"])


def test_confidence_is_the_calibrated_probability_of_the_best_candidate(engine):
    answerer = engine._ready()[1]
    question = "How much illicit currency did HSI seize in 2021?"
    pool = answerer.pool(question)
    candidates = [c for c in pool.candidates[:POOL_SIZE]]
    raw = answerer.verifier.score(pool.features(answerer, candidates))
    eligible = [r for r, c in zip(raw.tolist(), candidates) if answerer.eligible(c, pool)]
    assert engine.ask(question).confidence == round(answerer.verifier.confidence(max(eligible), answerer.foreign_share(pool.matched)), 3)


def test_the_shift_moves_a_score_on_the_logit_scale_and_keeps_0_and_1():
    assert shifted(0.5, np.log(3.0)) == pytest.approx(0.75)
    assert shifted(0.25, 0.0) == 0.25
    assert (shifted(0.0, 2.0), shifted(1.0, 2.0)) == (0.0, 1.0)


def test_the_foreign_share_is_the_weight_of_question_words_no_document_uses(engine):
    answerer = engine._ready()[1]
    share = lambda question: answerer.foreign_share(answerer.pool(question).matched)  # noqa: E731
    assert share("How much illicit currency did HSI seize in 2021?") == 0.0
    # Only "guacamole" is foreign; "make" and "home" are rarer in the articles, so it weighs about a third.
    assert round(share("How do I make guacamole at home?"), 3) == 0.348


def test_a_question_in_words_the_documents_lack_is_calibrated_for_it(engine):
    """"digital-coin", "clean" and "cash" are in no document ("cryptocurrency", "laundering" and
    "currency" are), so no sentence can echo them. Read as an echoing question's score, the trees'
    score for the sentence that answers was under the bar until the fine-tuned encoder; the card's
    shift, fitted on the training questions, can only raise it (blind 12)."""
    answerer = engine._ready()[1]
    question = "What kind of digital-coin activity does ICE keep an eye on because criminals use it to clean dirty cash?"
    pool = answerer.pool(question)
    share = answerer.foreign_share(pool.matched)
    assert round(share, 3) == 0.798 and answerer.verifier.card.foreign_shift > 0
    best = max(c.score for c in answerer.judge(pool) if answerer.eligible(c, pool))
    # Since the fine-tuned encoder the trees rate it over the bar unshifted too; the shift only raises it.
    assert answerer.verifier.card.threshold <= answerer.verifier.confidence(best) <= answerer.verifier.confidence(best, share)
    answer = engine.ask(question)
    assert answer.answered and answer.confidence == 0.985
    assert answer.answer.startswith("This includes monitoring cryptocurrency transactions")


def test_a_card_without_a_foreign_shift_reads_scores_as_they_are(tmp_path):
    shutil.copytree(bundled_model_dir(), tmp_path / "verifier")
    meta_path = tmp_path / "verifier" / "verifier.json"
    meta = json.loads(meta_path.read_text())
    del meta["foreign_shift"]  # a verifier trained before the shift
    meta_path.write_text(json.dumps(meta))
    verifier = TreeVerifier(tmp_path / "verifier")
    assert verifier.card.foreign_shift == 0.0
    assert verifier.confidence(0.285, 0.875) == verifier.confidence(0.285)


def test_a_sentence_that_only_repeats_the_question_cannot_answer_it(engine):
    answerer = engine._ready()[1]
    question = "Why is effective inter-agency coordination pivotal in ICE's strategy?"
    pool = answerer.pool(question)
    echo = [c for c in pool.candidates if c.sentence.text.startswith("Effective inter-agency coordination is pivotal")]
    assert len(echo) == 1 and not answerer.eligible(echo[0], pool)
    assert "Effective inter-agency coordination is pivotal" not in (engine.ask(question).answer or "")


def test_a_yes_no_question_may_be_answered_by_the_sentence_that_says_so(engine):
    # Without the veto the trees rate such an echo 0.68 for the "why" question above, so the veto
    # is what keeps that one honest; a yes/no question is confirmed by exactly such a sentence.
    answer = engine.ask("Is preventing crime as critical as enforcement?")
    assert answer.answered
    assert [c.quote for c in answer.citations] == ["Preventing crime is as critical as enforcement."]


def test_a_reference_to_the_article_is_matched_by_the_article_not_by_the_sentence(engine):
    answerer = engine._ready()[1]
    pool = answerer.pool("According to the piece on Venezuelan gang influence, what quality of how gangs operate makes policing them harder?")
    assert pool.matched.text == "what quality of how gangs operate makes policing them harder?"
    assert "influenc" in pool.question.stems and "influenc" not in pool.matched.stems
    assert pool.required == ["Venezuelan"] and pool.matched_required == []
    # The veto still asks the sentence's context (its article's title included) for the name.
    assert not any(answerer.eligible(c, pool) for c in pool.candidates if "venezuelan" not in c.context)
    assert any(answerer.eligible(c, pool) for c in pool.candidates)


def test_held_out_squad_articles_keep_their_figures(squad_engine):
    """Measured at the chosen operating point: recall 0.942, answers 0.460, abstention 0.801 with
    make train's model at 0.29 (README; the ninth session's model scored 0.947 / 0.446 / 0.826, and
    0.710 before the negation veto, 0.811 before the veto for questions asking the opposite,
    0.833 before the veto for who-questions naming no one new; answers 0.423
    before the foreign-share shift, 0.432 before the sixth session's retrain, 0.435 before the
    who-question veto)."""
    texts = {a.source: a.text for a in squad_engine.index.articles.values()}
    figures = evaluate(load_gold(SQUAD / "heldout.jsonl"), squad_engine.ask, texts.__getitem__).figures()
    assert figures["questions"] == 766
    assert figures["evidence_recall@5"] >= 0.93
    assert figures["answer_accuracy"] >= 0.40
    assert figures["abstention_accuracy"] >= 0.80
    assert figures["citation_exactness"] == 1.0


def test_rewording_swaps_plain_words_for_close_ones_and_keeps_names_figures_and_qualifiers():
    import random

    from sentence_transformers import SentenceTransformer

    from briefqa.embeddings import base_model_dir as model_dir
    from briefqa.lexicon import CLOSE_WORD, Lexicon, reword
    from briefqa.terms import stem

    vocabulary = ["fees", "costs", "charges", "raised", "increased", "river", "painting", "least", "lowest", "paris", "rome"]
    model = SentenceTransformer(str(model_dir()), device="cpu")
    lexicon = Lexicon(vocabulary, model.encode(vocabulary, normalize_embeddings=True))
    assert lexicon.neighbours("fees", 1)[0][0] in {"costs", "charges"}
    assert lexicon.neighbours("zzyzx") == []
    question = "Which fees were raised the least in Paris in 1990?"
    reworded = reword(question, lexicon, random.Random(7), share=1.0)
    before, after = question.split(), reworded.split()
    assert len(before) == len(after) and reworded != question
    for old, new in zip(before, after):
        if old != new:  # a plain content word, swapped for a close word of another stem
            assert old.islower() and stem(new) != stem(old)
            assert dict(lexicon.neighbours(old, 8))[new] >= CLOSE_WORD
    assert {"least", "Paris", "1990?", "Which", "the"} <= set(after)


def test_a_question_asking_the_opposite_of_its_paragraph_is_refused_and_says_why(squad_engine):
    # SQuAD 2.0 writes near misses by turning a word of the paragraph into its opposite.
    answer = squad_engine.ask("How many Africans were brought into the United States during the non-slave trade?")
    assert not answer.answered
    assert answer.reason == "the passages that could answer it speak of the opposite of what it asks"

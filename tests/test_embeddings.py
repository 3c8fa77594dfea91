"""The fast query path: ONNX export parity with sentence-transformers, and the fallback."""

import sys
import subprocess

import numpy as np
from fastapi.testclient import TestClient

from briefqa.api import create_app
from briefqa.engine import Engine
from briefqa.index import build_index, load_index, onnx_embedder

from .conftest import DATA, SEEDS


def test_onnx_matches_sentence_transformers(index_dir, embedder):
    index = load_index(index_dir)
    questions = [line.split('"question": "')[1].split('"')[0] for line in (DATA / "dev.jsonl").read_text().splitlines()]
    texts = [s.statement for s in index.sentences] + questions
    assert len(texts) >= 300
    fast = onnx_embedder(index_dir).embed_many(texts)
    reference = embedder.embed_many(texts)
    cosines = (fast * reference).sum(axis=1)
    assert cosines.min() >= 0.999


def test_onnx_vectors_are_unit_length_and_batch_independent(index_dir):
    fast = onnx_embedder(index_dir)
    alone = fast.embed("Who leads Operation Sentinel?")
    batched = fast.embed_batch(["Who leads Operation Sentinel?", "a much longer sentence " * 20])[0]
    assert abs(float(np.linalg.norm(alone)) - 1) < 1e-5
    assert float(alone @ batched) > 0.9999


def test_without_onnx_the_engine_falls_back_and_says_so(embedder, tmp_path):
    build_index(SEEDS, tmp_path / "index", embedder, progress=False, with_onnx=False)
    engine = Engine(tmp_path / "index")
    with TestClient(create_app(engine)) as client:
        health = client.get("/health").json()
        assert health["status"] == "ok"
        assert health["embedder"].startswith("sentence-transformers (fallback")
        body = client.post("/ask", json={"question": "How much illicit currency did HSI seize in 2021?"}).json()
        assert "$522 million" in body["answer"]


def test_the_served_engine_uses_onnx(client):
    assert client.get("/health").json()["embedder"] == "onnxruntime"


def test_answering_with_a_built_index_never_imports_torch(index_dir):
    code = (
        "import sys; from briefqa.engine import Engine; from briefqa.api import create_app; "
        f"e = Engine({str(index_dir)!r}); a = e.ask('How much illicit currency did HSI seize in 2021?'); "
        "assert a.answered; assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules, 'torch imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


class _CountingSession:
    """Wraps an onnxruntime session to count the runs that reach it."""

    def __init__(self, inner) -> None:
        self.inner, self.runs = inner, 0

    def run(self, *args, **kwargs):
        self.runs += 1
        return self.inner.run(*args, **kwargs)


def test_concurrent_queries_run_single_threaded_and_give_the_same_vectors(index_dir):
    from concurrent.futures import ThreadPoolExecutor

    index = load_index(index_dir)
    texts = [s.statement for s in index.sentences[:64]]
    plain = onnx_embedder(index_dir)
    serial = np.stack([plain.embed(t) for t in texts[:4]])
    served = onnx_embedder(index_dir, threads=2, serving=True)
    assert served._crowd_session is not served.session
    served.session, served._crowd_session = _CountingSession(served.session), _CountingSession(served._crowd_session)
    expected = np.stack([served.embed(t) for t in texts])
    assert served._crowd_session.runs == 0  # one query at a time always gets the multi-threaded session
    np.testing.assert_allclose(expected[:4], serial, atol=1e-5)

    with ThreadPoolExecutor(8) as pool:
        for _ in range(3):
            concurrent = np.stack(list(pool.map(served.embed, texts)))
            np.testing.assert_allclose(concurrent, expected, atol=1e-5)
    assert served._crowd_session.runs > 0
    assert served.session.runs + served._crowd_session.runs == 4 * len(texts)


def test_ingest_embedder_keeps_one_session(index_dir):
    embedder = onnx_embedder(index_dir)
    assert embedder._crowd_session is embedder.session


def test_the_server_keeps_a_single_threaded_session_and_the_cli_does_not(index_dir):
    with TestClient(create_app(index_dir=index_dir)) as client:
        assert client.post("/ask", json={"question": "How much illicit currency did HSI seize in 2021?"}).json()["answered"]
        served = client.app.state.engine.embedder
        assert served._crowd_session is not served.session
    library = Engine(index_dir)
    assert library.ask("How much illicit currency did HSI seize in 2021?").answered
    assert library.embedder._crowd_session is library.embedder.session


def test_the_index_embeds_with_the_fine_tuned_encoder_which_finds_a_reworded_question_s_answer(index_dir, embedder):
    from briefqa.embeddings import REPOSITORY_ENCODER, SentenceTransformerEmbedder, base_model_dir

    index = load_index(index_dir)
    assert embedder.path == REPOSITORY_ENCODER
    # A question written after the encoder was trained (tests/data/blind29.jsonl), sharing no content word
    # with its answer but "neighborhoods"/"communities"' sense.
    question = "What attitude in some neighborhoods can make residents reluctant to work with the agency and pass along tips?"
    answer = next(s.sentence_id for s in index.sentences if s.text.startswith("Moreover, the stigma surrounding immigration"))
    onnx = onnx_embedder(index_dir)
    tuned_rank = int(np.flatnonzero(np.argsort(-(index.sentence_vectors @ onnx.embed(question))) == answer)[0])
    stock = SentenceTransformerEmbedder(base_model_dir())
    stock_vectors = stock.embed_many([s.statement for s in index.sentences])
    stock_rank = int(np.flatnonzero(np.argsort(-(stock_vectors @ stock.embed(question))) == answer)[0])
    assert (tuned_rank, stock_rank) == (0, 3)


def test_briefqa_encoder_dir_chooses_the_encoder_and_an_index_of_another_encoder_is_stale(index_dir, monkeypatch):
    from briefqa.config import get_settings
    from briefqa.embeddings import MODEL_NAME, REPOSITORY_ENCODER, base_model_dir, model_dir, model_name
    from briefqa.index import is_stale

    assert model_dir() == REPOSITORY_ENCODER
    monkeypatch.setenv("BRIEFQA_ENCODER_DIR", str(base_model_dir()))
    get_settings.cache_clear()
    try:
        assert model_dir() == base_model_dir()
        assert model_name(model_dir()) == "sentence-transformers/all-MiniLM-L6-v2"
    finally:
        monkeypatch.delenv("BRIEFQA_ENCODER_DIR")
        get_settings.cache_clear()
    assert not is_stale(SEEDS, index_dir, embedder_name=MODEL_NAME, chunk_words=90)
    assert is_stale(SEEDS, index_dir, embedder_name="sentence-transformers/all-MiniLM-L6-v2", chunk_words=90)

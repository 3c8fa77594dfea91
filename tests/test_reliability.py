"""Ingest never leaves a broken index; a running server survives re-ingest, corruption and bad files."""

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from briefqa.api import create_app
from briefqa.engine import Engine
from briefqa.errors import IndexCorrupt
from briefqa.index import build_index, load_index

from .conftest import ROOT, SEEDS

BRIEFQA = str(Path(sys.executable).with_name("briefqa"))
HEADLINE = "How much illicit currency did HSI seize in 2021?"


def long_article(sentences: int) -> str:
    body = " ".join(f"Inspectors at harbour {i} logged {i * 3} containers of textiles and machine parts on shift {i % 7}." for i in range(sentences))
    return f"Harbour Inspection Log\n\n{body}\n"


@pytest.fixture
def index_copy(index_dir, tmp_path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(index_dir, target)
    return target


def test_killing_ingest_midway_leaves_the_previous_index_answering(index_copy, tmp_path):
    before = Engine(index_copy).ask(HEADLINE)
    manifest_before = (index_copy / "manifest.json").read_text()
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "harbour.txt").write_text(long_article(3000), encoding="utf-8")
    process = subprocess.Popen([BRIEFQA, "ingest", "--corpus", str(corpus), "--index", str(index_copy)], cwd=ROOT, stderr=subprocess.DEVNULL)
    staging = index_copy.parent / f".index.building-{process.pid}"
    deadline = time.monotonic() + 120
    while not (staging / "model.onnx").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # well into embedding the new article
    assert process.poll() is None, "ingest finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert (index_copy / "manifest.json").read_text() == manifest_before
    after = Engine(index_copy).ask(HEADLINE)
    assert (after.answer, after.citations) == (before.answer, before.citations)
    report = build_index(SEEDS, index_copy, progress=False)  # the next ingest clears the abandoned build
    assert not staging.exists() and len(report.unchanged) == 5


def test_a_corrupt_index_is_reported_never_answered_from(index_copy):
    with open(index_copy / "shards" / "shard-000" / "store.json", "r+b") as handle:
        handle.truncate(100)
    with TestClient(create_app(Engine(index_copy))) as client:
        health = client.get("/health").json()
        assert health["status"] == "degraded"
        assert "shards/shard-000/store.json fails its checksum" in health["reason"]
        response = client.post("/ask", json={"question": HEADLINE})
        assert response.status_code == 503
        assert "rebuild with `briefqa ingest`" in response.json()["detail"]
    result = subprocess.run([BRIEFQA, "ask", HEADLINE, "--index", str(index_copy)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: index file shards/shard-000/store.json fails its checksum; rebuild with `briefqa ingest`"


def test_an_index_from_another_model_is_refused(index_copy):
    manifest = json.loads((index_copy / "manifest.json").read_text())
    manifest["model"], manifest["dimension"] = "sentence-transformers/all-mpnet-base-v2", 768
    (index_copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt, match="built with sentence-transformers/all-mpnet-base-v2 \\(768 dimensions\\)"):
        load_index(index_copy)


def test_hot_reload_under_continuous_requests(index_copy, tmp_path):
    engine = Engine(index_copy)
    statuses: list[int] = []
    stop = threading.Event()
    with TestClient(create_app(engine)) as client:
        def hammer() -> None:
            while not stop.is_set():
                statuses.append(client.post("/ask", json={"question": HEADLINE}).status_code)

        workers = [threading.Thread(target=hammer) for _ in range(2)]
        for worker in workers:
            worker.start()
        corpus = tmp_path / "corpus"
        shutil.copytree(SEEDS, corpus)
        (corpus / "harbour.txt").write_text(long_article(20), encoding="utf-8")
        build_index(corpus, index_copy, progress=False)
        deadline = time.monotonic() + 30
        while "harbour" not in {d["doc_id"] for d in client.get("/documents").json()} and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(0.5)
        stop.set()
        for worker in workers:
            worker.join(30)
        assert "harbour" in {d["doc_id"] for d in client.get("/documents").json()}
        assert client.get("/health").json()["documents"] == 6
    assert len(statuses) > 10 and set(statuses) == {200}


def test_a_slow_reload_does_not_hold_up_the_request_that_notices_it(index_copy, monkeypatch):
    import briefqa.engine

    engine = Engine(index_copy)
    assert engine.ask(HEADLINE).answered  # warm: the embedder loads on first use
    before = engine.index
    real_load = briefqa.engine.load_index
    monkeypatch.setattr(briefqa.engine, "load_index", lambda path: (time.sleep(2), real_load(path))[1])
    manifest = index_copy / "manifest.json"
    manifest.write_text(manifest.read_text())  # a new signature, as a finished ingest leaves
    engine._checked -= 10  # as if the last manifest check were long ago
    began = time.monotonic()
    assert engine.ask(HEADLINE).answered
    assert time.monotonic() - began < 1.5  # answered from the current index, not after the 2 s load
    assert engine.index is before
    deadline = time.monotonic() + 30
    while engine.index is before and time.monotonic() < deadline:
        time.sleep(0.1)
        engine._checked -= 10
    assert engine.index is not before and engine.health().status == "ok"


def test_a_failed_reload_keeps_the_old_index_serving(index_copy):
    engine = Engine(index_copy)
    engine.load()
    manifest = json.loads((index_copy / "manifest.json").read_text())
    manifest["files"]["shards/shard-000/store.json"] = "0" * 64
    (index_copy / "manifest.json").write_text(json.dumps(manifest))
    assert engine.load() is False
    assert engine.ask(HEADLINE).answered
    health = engine.health()
    assert health.status == "degraded" and "still serving the index built at" in health.reason


def test_awkward_corpus_files_are_read_or_skipped_with_a_reason(embedder, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "huge.txt").write_text(long_article(60_000), encoding="utf-8")  # over 5 MB
    (corpus / "flat.txt").write_text("A title without stops\n\nno punctuation anywhere in this line at all\nnor in this one either", encoding="utf-8")
    (corpus / "notes.md").write_text("# Port Report\n\n## Findings\n\nInspectors found 12 forged manifests in May.\n\n- Item one was late\n", encoding="utf-8")
    (corpus / "image.png").write_bytes(b"\x89PNG")
    warnings: list[str] = []
    report = build_index(corpus, tmp_path / "index", embedder, progress=False, with_onnx=False, warn=warnings.append, max_article_bytes=2 * 1024 * 1024)
    assert os.path.getsize(corpus / "huge.txt") > 5 * 1024 * 1024
    assert dict(report.skipped) == {"huge.txt": f"{os.path.getsize(corpus / 'huge.txt'):,} bytes is over the 2,097,152-byte document limit (BRIEFQA_MAX_ARTICLE_BYTES)"}
    index = load_index(tmp_path / "index")
    notes = index.articles["notes"]
    assert notes.title == "Port Report"
    assert [s.heading for s in notes.sections] == ["Findings"]
    assert {s.text for s in index.sentences if s.source == "notes.md"} == {"Inspectors found 12 forged manifests in May.", "Item one was late"}
    assert index.articles["flat"].blocks  # read, not lost
    for sentence in index.sentences:
        assert index.articles[Path(sentence.source).stem].text[sentence.start : sentence.end] == sentence.text

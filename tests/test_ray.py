"""Ingest on a local Ray cluster (two worker CPUs): the sharded index answers exactly like the local engine."""

from __future__ import annotations

import json

import pytest

from briefqa.engine import Engine
from briefqa.evaluation import load_gold

from .conftest import DATA, SEEDS
from .test_cli import run

try:  # CI must run these, not skip them: Ray comes with `make install` (the [ray] extra)
    import ray  # noqa: F401
except ImportError:  # pragma: no cover
    pytest.fail("Ray is missing: run `make install`, which installs briefqa[ray]", pytrace=False)


@pytest.fixture(scope="module")
def ray_index(tmp_path_factory):
    target = tmp_path_factory.mktemp("ray") / "index"
    result = run("ingest", "--engine", "ray", "--shards", "2", "--workers", "2", "--corpus", str(SEEDS), "--index", str(target))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "added 5" in result.stdout
    return target


def test_ray_ingest_writes_two_checksummed_shards(ray_index):
    manifest = json.loads((ray_index / "manifest.json").read_text())
    assert [s["name"] for s in manifest["shards"]] == ["shard-000", "shard-001"]
    assert sum(s["counts"]["documents"] for s in manifest["shards"]) == 5
    assert sum(s["counts"]["chunks"] for s in manifest["shards"]) == 68
    assert {f"{s['dir']}/store.json" for s in manifest["shards"]} <= set(manifest["files"])
    assert manifest["bm25"] == "shards/corpus-bm25"  # one BM25 over both shards' chunks


@pytest.mark.parametrize("damaged", ["shard-001/sentences.faiss", "corpus-bm25/data.csc.index.npy"])
def test_a_corrupt_shard_degrades_health_and_is_never_answered_from(ray_index, tmp_path, damaged):
    import shutil

    from fastapi.testclient import TestClient

    from briefqa.api import create_app

    copy = tmp_path / "index"
    shutil.copytree(ray_index, copy)
    with open(copy / "shards" / damaged, "r+b") as handle:  # one byte flipped, the size unchanged
        handle.seek(-1, 2)
        last = handle.read(1)
        handle.seek(-1, 2)
        handle.write(bytes([last[0] ^ 0xFF]))
    with TestClient(create_app(Engine(copy))) as client:
        health = client.get("/health").json()
        assert health["status"] == "degraded" and f"shards/{damaged} fails its checksum" in health["reason"]
        assert client.post("/ask", json={"question": "How much illicit currency did HSI seize in 2021?"}).status_code == 503


def test_a_second_ray_ingest_embeds_only_what_changed(ray_index, tmp_path, engine):
    import shutil

    from briefqa.index import load_index

    copy, corpus = tmp_path / "index", tmp_path / "corpus"
    shutil.copytree(ray_index, copy)
    shutil.copytree(SEEDS, corpus)
    (corpus / "notice.txt").write_text("Harbour notice\n\nThe ferry timetable changes in June.\n", encoding="utf-8")
    result = run("ingest", "--engine", "ray", "--shards", "2", "--workers", "2", "--corpus", str(corpus), "--index", str(copy))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "added 1, updated 0, removed 0, unchanged 5, skipped 0; 69 chunks, 240 sentences, 2 texts embedded" in result.stdout
    index = load_index(copy)
    assert index.articles["notice"].title == "Harbour notice"
    before, after = engine.ask("How much illicit currency did HSI seize in 2021?"), Engine(copy).ask("How much illicit currency did HSI seize in 2021?")
    assert (after.answer, after.citations) == (before.answer, before.citations)


def test_the_ray_index_answers_every_dev_question_like_the_local_one(ray_index, engine):
    distributed = Engine(ray_index)
    for item in load_gold(DATA / "dev.jsonl"):
        local, sharded = engine.ask(item["question"]), distributed.ask(item["question"])
        assert (local.answered, local.answer, local.confidence, local.citations) == (
            sharded.answered, sharded.answer, sharded.confidence, sharded.citations,
        ), item["id"]
    assert engine.brief("human smuggling").markdown == distributed.brief("human smuggling").markdown


def test_two_serve_replicas_answer_200_concurrent_requests_and_both_reload(index_dir, tmp_path):
    import shutil
    import signal
    import subprocess
    import time
    from concurrent.futures import ThreadPoolExecutor

    from .test_web import free_port
    from .test_cli import BRIEFQA

    target = tmp_path / "index"
    shutil.copytree(index_dir, target)
    port = free_port()
    server = subprocess.Popen(
        [BRIEFQA, "serve", "--engine", "ray", "--replicas", "2", "--port", str(port), "--index", str(target)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        # A test run started in the background by a script inherits SIGINT ignored, and so would
        # the server; Ctrl-C is what this test checks, so the server gets the default handling back.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        health = _wait_for_health(url, timeout=180)
        assert health["replicas"] == 2 and health["status"] == "ok" and health["documents"] == 5
        questions = [item["question"] for item in load_gold(DATA / "dev.jsonl")]

        def ask(n: int) -> tuple[int, bool]:
            import urllib.request

            body = json.dumps({"question": questions[n % len(questions)]}).encode()
            request = urllib.request.Request(f"{url}/ask", data=body, headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())["question"] == questions[n % len(questions)]

        with ThreadPoolExecutor(max_workers=16) as pool:
            outcomes = list(pool.map(ask, range(200)))
        assert outcomes == [(200, True)] * 200

        # Hot reload in every replica: a document added from outside is seen by all of them.
        notice = tmp_path / "notice.txt"
        notice.write_text("Harbour notice\n\nThe ferry timetable changes in June.\n", encoding="utf-8")
        assert run("add", str(notice), "--index", str(target)).returncode == 0
        deadline, counts = time.monotonic() + 60, []
        while time.monotonic() < deadline:
            counts = [_wait_for_health(url, timeout=10)["documents"] for _ in range(20)]  # 20 requests reach both replicas
            if counts == [6] * 20:
                break
            time.sleep(1)
        assert counts == [6] * 20
    finally:
        server.send_signal(signal.SIGINT)  # about 5 s alone
        try:
            server.wait(timeout=90)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert server.returncode == 0  # Ctrl-C is a clean stop: Serve and the local cluster shut down


def _wait_for_health(url: str, timeout: float) -> dict:
    import time
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                return json.loads(response.read())
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"briefqa serve --engine ray did not answer at {url} within {timeout} s")


def test_killing_a_ray_worker_during_ingest_never_leaves_a_half_written_index(index_dir, tmp_path):
    """A Ray worker is SIGKILLed mid-ingest: Ray retries its work and the ingest completes, or the
    ingest fails and the previous index is still there, whole. Never a half-written index."""
    import shutil
    import signal
    import subprocess
    import time

    from briefqa.index import load_index

    from .test_cli import BRIEFQA
    from .test_reliability import long_article

    target = tmp_path / "index"
    shutil.copytree(index_dir, target)
    before = (target / "manifest.json").read_text()
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    for n in range(6):  # enough text that embedding is still running when the worker dies
        (corpus / f"harbour{n}.txt").write_text(f"Harbour report {n}\n\n" + long_article(400), encoding="utf-8")
    ingest = subprocess.Popen(
        [BRIEFQA, "ingest", "--engine", "ray", "--shards", "2", "--workers", "2", "--corpus", str(corpus), "--index", str(target)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and ingest.poll() is None:
        found = subprocess.run(["pgrep", "-f", "MapWorker"], capture_output=True, text=True).stdout.split()
        if found:
            time.sleep(2.0)  # let it take work first
            subprocess.run(["kill", "-9", found[0]])
            killed = found[0]
        time.sleep(0.2)
    out, err = ingest.communicate(timeout=600)
    assert killed is not None, "no Ray worker to kill: the ingest finished first"
    if ingest.returncode == 0:
        index = load_index(target)  # every checksum verified
        assert len(index.articles) == 11 and "added 6, updated 0, removed 0, unchanged 5" in out  # the seeds' vectors carried over
    else:
        assert (target / "manifest.json").read_text() == before
        assert len(load_index(target).articles) == 5

"""Ingest on a local Ray cluster (two worker CPUs): the sharded index answers exactly like the local engine."""

from __future__ import annotations

import json

import pytest

from briefqa.engine import Engine
from briefqa.evaluation import load_gold

from .conftest import DATA, SEEDS
from .test_cli import run

ray = pytest.importorskip("ray", reason="Ray is installed by `make install` (the [ray] extra)")


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


def test_the_ray_index_answers_every_dev_question_like_the_local_one(ray_index, engine):
    distributed = Engine(ray_index)
    for item in load_gold(DATA / "dev.jsonl"):
        local, sharded = engine.ask(item["question"]), distributed.ask(item["question"])
        assert (local.answered, local.answer, local.confidence, local.citations) == (
            sharded.answered, sharded.answer, sharded.confidence, sharded.citations,
        ), item["id"]
    assert engine.brief("human smuggling").markdown == distributed.brief("human smuggling").markdown

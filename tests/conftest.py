"""Shared fixtures: one real index over the real articles, built once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data"


def raw_text(source: str) -> str:
    with open(SEEDS / source, encoding="utf-8", newline="") as handle:
        return handle.read()


@pytest.fixture(scope="session")
def embedder():
    from briefqa.embeddings import default_embedder

    return default_embedder()


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory, embedder) -> Path:
    from briefqa.index import build_index

    target = tmp_path_factory.mktemp("built") / "index"
    build_index(SEEDS, target, progress=False)  # the production path: ONNX export, ONNX embeddings
    return target


@pytest.fixture(scope="session")
def engine(index_dir, embedder):
    from briefqa.engine import Engine

    engine = Engine(index_dir)
    engine.load()
    return engine


@pytest.fixture(scope="session")
def squad_engine(tmp_path_factory):
    """The two held-out SQuAD 2.0 articles: neither the verifier nor the relevance trees trained on them."""
    from briefqa.engine import Engine
    from briefqa.index import build_index

    target = tmp_path_factory.mktemp("squad") / "index"
    build_index(DATA / "squad" / "corpus", target, progress=False)
    engine = Engine(target, auto_reload=False)
    engine.load()
    return engine


@pytest.fixture(scope="session")
def client(engine):
    from fastapi.testclient import TestClient

    from briefqa.api import create_app

    with TestClient(create_app(engine)) as test_client:
        yield test_client

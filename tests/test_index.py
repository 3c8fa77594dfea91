import json
import shutil

import pytest

from briefqa.articles import sha256_of
from briefqa.errors import CorpusError, IndexCorrupt, IndexNotFound
from briefqa.index import build_index, is_stale, load_index

from .conftest import SEEDS, raw_text


def test_manifest_records_model_parameters_checksums_and_version(index_dir):
    manifest = json.loads((index_dir / "manifest.json").read_text())
    assert manifest["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert manifest["dimension"] == 384
    assert manifest["chunk_words"] == 90
    assert manifest["briefqa_version"] == "0.1.0"
    assert {a["source"]: a["sha256"] for a in manifest["articles"]} == {
        p.name: sha256_of(raw_text(p.name)) for p in SEEDS.glob("*.txt")
    }
    assert set(manifest["files"]) >= {"store.json", "chunks.faiss", "sentences.faiss", "chunks.npy", "sentences.npy", "model.onnx", "tokenizer.json"}
    assert manifest["faiss"]["chunks"] == {"type": "IndexFlatIP", "vectors": 68}
    assert manifest["counts"] == {"documents": 5, "chunks": 68, "sentences": 239}


def test_loaded_index_reproduces_itself(index_dir):
    first, second = load_index(index_dir), load_index(index_dir)
    assert first.chunks == second.chunks and first.sentences == second.sentences
    assert (first.chunk_vectors == second.chunk_vectors).all()
    assert first.faiss_index.ntotal == len(first.chunks) == 68
    norms = (first.chunk_vectors**2).sum(axis=1)
    assert abs(norms - 1).max() < 1e-4  # normalised: inner product is cosine


def test_reingesting_an_unchanged_corpus_embeds_nothing(index_dir, embedder, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    report = build_index(SEEDS, copy, progress=False)
    assert (len(report.added), len(report.updated), len(report.removed), len(report.unchanged)) == (0, 0, 0, 5)
    assert report.embedded == 0
    assert load_index(copy).chunks == load_index(index_dir).chunks


def test_changed_added_and_removed_articles_are_counted(index_dir, embedder, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    (corpus / "000_5ab1ac1bfa827a42.txt").unlink()
    with open(corpus / "001_8cb83d41340bd58a.txt", "a", encoding="utf-8") as handle:
        handle.write("\n\nA closing line was added for this test.")
    (corpus / "new.txt").write_text("New Title\n\nA brand new article about harbour inspections.", encoding="utf-8")
    assert is_stale(corpus, copy, embedder_name=embedder.name, chunk_words=90)
    report = build_index(corpus, copy, progress=False)
    assert report.added == ["new.txt"]
    assert report.updated == ["001_8cb83d41340bd58a.txt"]
    assert report.removed == ["000_5ab1ac1bfa827a42.txt"]
    assert len(report.unchanged) == 3
    assert "000_5ab1ac1bfa827a42" not in load_index(copy).articles
    assert not is_stale(corpus, copy, embedder_name=embedder.name, chunk_words=90)


def test_bad_files_are_skipped_with_a_reason(embedder, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEEDS / "003_e33ec4f381171ce5.txt", corpus / "good.txt")
    shutil.copy(SEEDS / "003_e33ec4f381171ce5.txt", corpus / "same.txt")
    (corpus / "empty.txt").write_text("")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02PK")
    (corpus / "latin.txt").write_bytes("Caf\xe9 title\n\nA na\xefve sentence.".encode("cp1252"))
    warnings = []
    report = build_index(corpus, tmp_path / "index", embedder, progress=False, with_onnx=False, warn=warnings.append)
    reasons = dict(report.skipped)
    assert reasons["empty.txt"] == "the file is empty"
    assert reasons["binary.txt"].startswith("binary.txt is a binary file of an unknown type; briefqa reads plain text (.txt)")
    assert reasons["latin.txt"].startswith("not UTF-8")
    assert reasons["same.txt"] == "exact duplicate of good.txt"
    assert len(warnings) == 4 and all(w.startswith("skipped ") for w in warnings)
    assert [a.source for a in load_index(tmp_path / "index").articles.values()] == ["good.txt"]


def test_an_empty_corpus_is_an_error(embedder, tmp_path):
    (tmp_path / "corpus").mkdir()
    with pytest.raises(CorpusError, match="no readable documents in"):
        build_index(tmp_path / "corpus", tmp_path / "index", embedder, progress=False, with_onnx=False)


def test_missing_and_corrupt_indexes_fail_clearly(index_dir, tmp_path):
    with pytest.raises(IndexNotFound, match="briefqa ingest"):
        load_index(tmp_path / "nothing")
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    with open(copy / "chunks.npy", "r+b") as handle:
        handle.truncate(1000)
    with pytest.raises(IndexCorrupt, match="chunks.npy fails its checksum"):
        load_index(copy)

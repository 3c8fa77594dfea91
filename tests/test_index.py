import hashlib
import json
import shutil

import pytest

from briefqa.articles import sha256_of
from briefqa.embeddings import ENCODER_META, REPOSITORY_ENCODER
from briefqa.errors import CorpusError, IndexCorrupt, IndexNotFound
from briefqa.index import build_index, is_stale, load_index

from .conftest import SEEDS, raw_text


def test_manifest_records_model_parameters_checksums_and_version(index_dir):
    manifest = json.loads((index_dir / "manifest.json").read_text())
    encoder = json.loads((REPOSITORY_ENCODER / ENCODER_META).read_text())
    assert manifest["model"] == encoder["name"] == f"all-MiniLM-L6-v2-briefqa-{encoder['weights_sha256'][:12]}"
    assert hashlib.sha256((REPOSITORY_ENCODER / "model.safetensors").read_bytes()).hexdigest() == encoder["weights_sha256"]
    assert manifest["dimension"] == 384
    assert manifest["chunk_words"] == 90
    assert manifest["briefqa_version"] == "0.1.0"
    assert {a["source"]: a["sha256"] for a in manifest["articles"]} == {
        p.name: sha256_of(raw_text(p.name)) for p in SEEDS.glob("*.txt")
    }
    shard = "shards/shard-000/"
    assert set(manifest["files"]) >= {shard + n for n in ("store.json", "chunks.faiss", "sentences.faiss", "chunks.npy", "sentences.npy")} | {"model.onnx", "tokenizer.json"}
    assert [s["name"] for s in manifest["shards"]] == ["shard-000"]  # 68 chunks: one shard
    assert manifest["shards"][0]["faiss"]["chunks"] == {"type": "IndexFlatIP", "vectors": 68}
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
    with open(copy / "shards" / "shard-000" / "chunks.npy", "r+b") as handle:
        handle.truncate(1000)
    with pytest.raises(IndexCorrupt, match="shards/shard-000/chunks.npy fails its checksum"):
        load_index(copy)


def test_a_sharded_index_answers_exactly_like_a_single_one(index_dir, tmp_path):
    """Five shards of the seeds (a shard closes at 10 chunks; a document is never split): the same answers,
    citations, passages and briefs as one shard."""
    from briefqa.engine import Engine
    from briefqa.evaluation import load_gold

    from .conftest import DATA

    sharded = tmp_path / "sharded"
    build_index(SEEDS, sharded, progress=False, shard_chunks=10)
    manifest = json.loads((sharded / "manifest.json").read_text())
    assert [s["documents"] for s in manifest["shards"]] == [[p.name] for p in sorted(SEEDS.glob("*.txt"))]
    assert sum(s["counts"]["chunks"] for s in manifest["shards"]) == 68
    assert manifest["bm25"] == "shards/corpus-bm25" and "shards/corpus-bm25/params.index.json" in manifest["files"]
    assert_same_bm25(load_index(index_dir), load_index(sharded))
    single, split = Engine(index_dir), Engine(sharded)
    for item in load_gold(DATA / "dev.jsonl"):
        a, b = single.ask(item["question"]), split.ask(item["question"])
        assert (a.answered, a.answer, a.confidence, a.citations) == (b.answered, b.answer, b.confidence, b.citations), item["id"]
        assert [(h.chunk.source, h.chunk.start, round(h.score, 6)) for h in a.passages] == [
            (h.chunk.source, h.chunk.start, round(h.score, 6)) for h in b.passages
        ], item["id"]
    for topic in ("human smuggling", "Sinaloa Cartel", "money laundering"):
        assert single.brief(topic).markdown == split.brief(topic).markdown


def assert_same_bm25(expected, actual) -> None:
    """Term weights are corpus-wide: every chunk scores the same for the same query, whatever its shard."""
    import numpy as np

    from briefqa.terms import content_stems

    assert actual.bm25.vocab_dict == expected.bm25.vocab_dict
    for query in ("cartel money laundering", "ferry timetable for the cartel", "smuggling routes across the border"):
        tokens = [t for t in content_stems(query) if t in expected.bm25.vocab_dict]
        np.testing.assert_allclose(actual.bm25.get_scores(tokens), expected.bm25.get_scores(tokens), rtol=1e-6)


def test_adding_a_document_rewrites_only_the_last_shard(index_dir, tmp_path):
    from briefqa.collection import add_documents, remove_document

    sharded = tmp_path / "sharded"
    build_index(SEEDS, sharded, progress=False, shard_chunks=30)
    before = json.loads((sharded / "manifest.json").read_text())
    report, _ = add_documents(sharded, [("notice.txt", b"Harbour notice\n\nThe ferry timetable changes in June.\n")], max_bytes=10**6)
    after = json.loads((sharded / "manifest.json").read_text())
    assert report.added == ["notice.txt"] and report.embedded == 2  # one chunk and one sentence: only the new document
    assert [s["dir"] for s in after["shards"][:-1]] == [s["dir"] for s in before["shards"][:-1]]  # untouched, not rewritten
    assert after["shards"][-1]["dir"] != before["shards"][-1]["dir"] and after["shards"][-1]["documents"][-1] == "notice.txt"
    assert load_index(sharded).articles["notice"].title == "Harbour notice"
    assert after["bm25"] == "shards/corpus-bm25.v1"  # rebuilt over every shard at the write, not at each load
    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(SEEDS, rebuilt / "corpus")
    (rebuilt / "corpus" / "notice.txt").write_bytes(b"Harbour notice\n\nThe ferry timetable changes in June.\n")
    build_index(rebuilt / "corpus", rebuilt / "index", progress=False, shard_chunks=30)
    assert_same_bm25(load_index(rebuilt / "index"), load_index(sharded))
    remove_document(sharded, "notice")
    assert "notice" not in load_index(sharded).articles
    final = json.loads((sharded / "manifest.json").read_text())
    kept = {p.relative_to(sharded).as_posix() for p in (sharded / "shards").iterdir()}
    assert final["bm25"] == "shards/corpus-bm25.v2" and {"shards/corpus-bm25.v1", "shards/corpus-bm25.v2"} <= kept
    assert "shards/corpus-bm25" not in kept  # two versions back: removed

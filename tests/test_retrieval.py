import pytest

from .conftest import raw_text


@pytest.mark.parametrize(
    ("query", "source", "section"),
    [
        ("illicit currency seized in 2021", "002_47b46ce98c28fd65.txt", "Impact on Drug Trafficking Landscape"),
        ("Operation Sentinel National Targeting Center", "003_e33ec4f381171ce5.txt", None),
        ("deportation destination Guadalajara", "004_434760b6812f335f.txt", "Successful Deportation Demonstrates ICE’s Commitment to Combating Transnational Crime"),
        ("identity theft and darknet drug sales", "000_5ab1ac1bfa827a42.txt", "Cybercrime and Technology Use"),
    ],
)
def test_the_passage_holding_the_answer_ranks_first(engine, query, source, section):
    top = engine.search(query, top_k=5)[0].chunk
    assert (top.source, top.section) == (source, section)


def test_scores_descend_and_passages_are_exact(engine):
    hits = engine.search("human smuggling networks", top_k=10)
    assert len(hits) == 10
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for hit in hits:
        assert raw_text(hit.chunk.source)[hit.chunk.start : hit.chunk.end] == hit.chunk.text


def test_a_query_of_unknown_words_still_returns_dense_results(engine):
    hits = engine.search("zzqx unknownword", top_k=3)
    assert len(hits) == 3 and all(h.lexical == 0 for h in hits)

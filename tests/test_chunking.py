from briefqa.articles import read_article
from briefqa.chunking import chunk_article, split_sentences

from .conftest import SEEDS


def spans(text):
    return [text[s:e] for s, e in split_sentences(text)]


def test_sentences_split_on_stops_but_not_on_initialisms():
    text = "ICE works in the U.S. and abroad. The U.S. Coast Guard helps. It ends here."
    assert spans(text) == ["ICE works in the U.S. and abroad.", "The U.S. Coast Guard helps.", "It ends here."]


def test_closing_quotes_stay_with_their_sentence():
    text = "They said “it is blurred.” Then they left. Dr. Smith stayed."
    assert spans(text) == ["They said “it is blurred.”", "Then they left.", "Dr. Smith stayed."]


def test_chunks_and_sentences_are_exact_slices_within_one_section():
    for path in sorted(SEEDS.glob("*.txt")):
        article = read_article(path)
        chunked = chunk_article(article)
        by_id = {s.sentence_id: s for s in chunked.sentences}
        for chunk in chunked.chunks:
            assert article.text[chunk.start : chunk.end] == chunk.text
            members = [by_id[i] for i in chunk.sentence_ids]
            assert {s.section for s in members} == {chunk.section}
            for sentence in members:
                assert article.text[sentence.start : sentence.end] == sentence.text
                assert chunk.start <= sentence.start < sentence.end <= chunk.end
                assert sentence.chunk_id == chunk.chunk_id


def test_the_seed_corpus_chunks_deterministically():
    totals = [(len(c.chunks), len(c.sentences)) for c in (chunk_article(read_article(p)) for p in sorted(SEEDS.glob("*.txt")))]
    assert sum(c for c, _ in totals) == 68
    assert sum(s for _, s in totals) == 239


def test_table_rows_and_lead_ins_are_typed():
    article = read_article(next(SEEDS.glob("004_*.txt")))
    sentences = chunk_article(article).sentences
    row = next(s for s in sentences if s.text.startswith("Date of Operation"))
    assert row.kind == "row" and row.text == "Date of Operation | March 15, 2024 |"
    lead = next(s for s in sentences if s.text == "Operation Highlights:")
    assert lead.kind == "lead_in"
    assert [s.text for s in sentences if s.group == lead.group and s.kind == "item"][0].startswith("Individual Profile:")

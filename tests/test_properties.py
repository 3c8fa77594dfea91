"""Whatever is asked, every citation and passage is exact and every answer is short."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefqa.articles import read_article

from .conftest import SEEDS, raw_text

CORPUS_WORDS = sorted({w.strip(".,;:“”\"()") for p in SEEDS.glob("*.txt") for w in read_article(p).text.split() if len(w) > 3})
questions = st.builds(
    lambda lead, words, tail: f"{lead} {' '.join(words)}{tail}",
    st.sampled_from(["What", "Who", "How many", "Which", "When", "Where", "How much", "In what year"]),
    st.lists(st.sampled_from(CORPUS_WORDS) | st.text(min_size=1, max_size=12), min_size=1, max_size=12),
    st.sampled_from(["?", "", " \u200b?", " 🙂", " مرحبا?"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=questions)
def test_citations_and_passages_are_always_exact(engine, question):
    if not question.strip():
        return
    answer = engine.ask(question[:1000], top_k=5)
    assert 0.0 <= answer.confidence <= 1.0
    assert answer.answered == (answer.answer is not None)
    if answer.answered:
        assert len(answer.answer) <= 400 and answer.citations
    for citation in answer.citations:
        assert raw_text(citation.source)[citation.start : citation.end] == citation.quote
        assert f"{citation.quote} [{citation.n}]" in answer.answer
    for hit in answer.passages:
        assert raw_text(hit.chunk.source)[hit.chunk.start : hit.chunk.end] == hit.chunk.text

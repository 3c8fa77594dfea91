"""Capitals acting as their governments and continents' adjectives, read in the articles' terms."""

import pytest

from briefqa import places
from briefqa.questions import analyse_question

from .test_answering import assert_exact

ARTICLE_COUNTS = {"United States": 5, "Venezuela": 3, "Colombia": 1}.get


@pytest.mark.parametrize(
    ("question", "reworded"),
    [
        ("Why do experts think Washington's penalties hurt?", "Why do experts think U.S. penalties hurt?"),
        ("What did sanctions on Caracas officials do?", "What did sanctions on Venezuela officials do?"),
        ("What effect had penalties against Caracas's leaders?", "What effect had penalties against Venezuela's leaders?"),
        # A capital after a preposition of place is the city: an article on the country does not cover it.
        ("How many were arrested in Caracas last year?", "How many were arrested in Caracas last year?"),
        ("Who flew from Caracas to Bogota?", "Who flew from Caracas to Bogota?"),
        # Seats of government name institutions, whatever the preposition.
        ("What is debated on Capitol Hill?", "What is debated on Capitol Hill?"),  # the lookup knows no Congress here
        # A continent's adjective becomes the continent's country most articles name...
        ("Whom do the South American crews recruit?", "Whom do the Venezuela crews recruit?"),
        # ...but not where it means all the continent's countries, nor where no country of it is known.
        ("Which South American countries host ICE offices?", "Which South American countries host ICE offices?"),
        ("Which African gangs does ICE track?", "Which African gangs does ICE track?"),
        # A place the articles name is left alone, capital or not.
        ("What did Washington say?", "What did Washington say?"),
    ],
)
def test_a_place_is_put_in_the_articles_terms_only_where_it_stands_for_one_they_name(question, reworded):
    known = ARTICLE_COUNTS if "Washington say" not in question else {"Washington": 1, "United States": 5}.get
    assert places.reword(question, lambda name: known(name) or 0) == reworded


def test_seats_and_capitals_name_what_they_stand_for():
    assert places.government("Capitol Hill", "Which topics are argued over on Capitol Hill?") == "Congress"
    assert places.government("Washington's", "Why did Washington's penalties fail?") == "United States"
    assert places.government("Caracas", "Who was detained at Caracas airport?") is None
    assert places.government("Denver", "Why did Denver's police act?") is None  # not a capital
    assert "Venezuela" in places.countries_in("South American") and places.countries_in("South America") == ()


def test_a_capital_acting_as_its_government_is_answered_from_the_country_s_sentences(engine):
    question = "Why do some experts think Washington's penalties on Venezuela's leadership have ended up helping crime groups?"
    answer = engine.ask(question)
    assert answer.answered and answer.question == question  # the answer names the question as asked
    assert answer.citations[0].quote.startswith("While intended to weaken the regime, some analysts argue that these sanctions")
    assert_exact(answer)


def test_a_continent_s_adjective_is_read_as_the_articles_country(engine):
    answer = engine.ask("What has frequently driven gangsters to escape their South American homeland for America?")
    assert answer.answered
    assert answer.citations[0].quote.startswith("Harsh political climates in Venezuela have often led to gang members fleeing")
    assert_exact(answer)


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("How many gang members were arrested in Caracas last year?", "the articles never mention Caracas"),
        ("Which African gangs does ICE track?", "the articles never mention African"),
    ],
)
def test_a_place_the_articles_never_name_is_still_refused(engine, question, reason):
    answer = engine.ask(question)
    assert not answer.answered and answer.reason == reason


def test_a_contracted_question_is_read_as_its_long_form():
    short, long = (analyse_question(q) for q in ("What's the name of the operative ICE deported?", "What is the name of the operative ICE deported?"))
    assert (short.answer_type, short.named_kind, short.focus) == (long.answer_type, long.named_kind, long.focus) == ("person", "name", "operative")

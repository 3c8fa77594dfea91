import pytest

from briefqa import entities
from briefqa.answering import CORROBORATED_PART, names_by_label
from briefqa.errors import InvalidInput
from briefqa.features import negated
from briefqa.questions import analyse_question, counts_what_is_asked, holds_answer_type, names_no_one_new, names_nothing_new, place_names, split_parts
from briefqa.terms import fold
from briefqa.verifier import POOL_SIZE

from .conftest import raw_text


def assert_exact(answer):
    for citation in answer.citations:
        assert raw_text(citation.source)[citation.start : citation.end] == citation.quote
        assert f"[{citation.n}]" in answer.answer
        assert citation.quote in answer.answer
    assert answer.answer is None or len(answer.answer) <= 400


def test_the_headline_question_cites_the_522_million_sentence(engine):
    answer = engine.ask("How much illicit currency did HSI seize in 2021?")
    assert answer.answered
    assert answer.answer == "Seizure of over $522 million in illicit currency in 2021 [1]"
    (citation,) = answer.citations
    assert (citation.source, citation.section, citation.start, citation.end) == (
        "002_47b46ce98c28fd65.txt", "Impact on Drug Trafficking Landscape", 3398, 3454,
    )
    assert_exact(answer)


def test_a_table_question_is_answered_with_the_row(engine):
    answer = engine.ask("What deportation destination is listed in the operation detail table?")
    assert answer.answered
    assert answer.citations[0].quote == "Deportation Destination | Guadalajara, Jalisco, Mexico |"
    assert_exact(answer)


def test_a_list_lead_in_brings_its_items(engine):
    answer = engine.ask("Who are HSI's key law enforcement partners?")
    assert answer.answered
    quotes = [c.quote for c in answer.citations]
    assert "Drug Enforcement Administration (DEA)" in quotes and "U.S. Coast Guard (USCG)" in quotes
    assert_exact(answer)


def test_a_plural_noun_the_auxiliary_closes_asks_for_the_whole_list(engine):
    """The wh-phrase "law enforcement partners" is plural though its first word is not (blind 17):
    one item of the list, which the trees rate 0.999, does not answer it."""
    answer = engine.ask("Which law enforcement partners does HSI name as key collaborators in its drug trafficking investigations?")
    assert answer.answered
    assert [c.quote for c in answer.citations][:7] == [
        "Key partners include:", "Drug Enforcement Administration (DEA)", "Federal Bureau of Investigation (FBI)",
        "U.S. Border Patrol (USBP)", "U.S. Coast Guard (USCG)", "State and local law enforcement",
        "Foreign counterparts through HSI’s 63 offices in 47 countries",
    ]
    assert_exact(answer)


@pytest.mark.parametrize(
    ("question", "wants_list"),
    [
        ("Which law enforcement partners does HSI name as key collaborators?", True),
        ("What steps has ICE taken against the gangs?", True),
        ("Which unit leads Operation Expanded Impact?", False),  # no auxiliary: "leads" may be the verb
        ("What role does HSI play?", False),
        ("Which notorious drug lord was extradited?", False),  # "-ous" is not a plural
    ],
)
def test_a_list_is_wanted_when_the_wh_phrase_names_several(question, wants_list):
    assert analyse_question(question).wants_list is wants_list


def test_a_two_part_question_is_answered_from_two_articles(engine):
    # Failed from the per-article threshold rule until the twentieth session's retrain, when the
    # second part took 001's "two primary divisions" sentence.
    answer = engine.ask(
        "Which ICE component leads Operation Expanded Impact and is described in another article as the principal investigative arm of DHS?"
    )
    assert answer.answered
    assert {c.source for c in answer.citations} == {"002_47b46ce98c28fd65.txt", "003_e33ec4f381171ce5.txt"}
    assert "Homeland Security Investigations (HSI)" in answer.answer
    assert_exact(answer)


def test_each_part_of_a_two_part_question_is_judged_on_its_own(engine):
    # The second part is answered by a list item under its lead-in; the two parts share "advanced data analytics".
    answer = engine.ask(
        "What analytical capability is cited both as a way ICE tracks gang members arriving from Venezuela"
        " and as an emerging focus area for HSI?"
    )
    assert answer.answered
    assert [c.quote for c in answer.citations] == [
        "By employing advanced data analytics and intelligence-sharing platforms, ICE can track these individuals"
        " and assess the risks they present to U.S. communities.",
        "Some emerging focus areas for HSI include:",
        "Developing advanced data analytics to uncover trafficking networks",
    ]
    assert (answer.confidence, answer.needed) == (0.331, 0.2)  # corroborated: half the bar of 0.40
    assert_exact(answer)


def test_the_passages_hold_every_chunk_the_answer_quotes(engine):
    # The list item answering the second part is found by that part's own retrieval; judged
    # against the whole question, its chunk falls out of the first five passages. The
    # passages shown with an answer must still hold everything it quotes.
    answer = engine.ask(
        "What analytical capability is cited both as a way ICE tracks gang members arriving from Venezuela"
        " and as an emerging focus area for HSI?"
    )
    assert answer.answered
    shown = [(p.chunk.source, p.chunk.start, p.chunk.end) for p in answer.passages]
    for citation in answer.citations:
        assert any(source == citation.source and start <= citation.start and citation.end <= end for source, start, end in shown)
    assert len(answer.passages) == 5
    assert len({p.chunk.chunk_id for p in answer.passages}) == 5


def test_passages_from_one_article_leave_the_last_place_to_another(engine):
    # Every strong passage is in the deportation article; the fifth place goes to another
    # article's best, so a question that spans two articles can show both.
    answer = engine.ask("Where was the Sinaloa Cartel operative deported to?")
    sources = [p.chunk.source for p in answer.passages]
    assert sources[:4] == ["004_434760b6812f335f.txt"] * 4
    assert sources[4] == "002_47b46ce98c28fd65.txt"
    assert [p.chunk.source for p in engine.ask("Where was the Sinaloa Cartel operative deported to?", top_k=1).passages] == [
        "004_434760b6812f335f.txt"
    ]


def test_a_refused_two_part_question_shows_each_parts_best_passages_in_turn(engine):
    # A false pair of the two-part set: Tren de Aragua is the Venezuelan gang, MS-13 the one HSI targets.
    answer = engine.ask(
        "Which gang is offered as an example of a Venezuelan gang and is also one HSI says it has systematically gone"
        " after across the U.S. and Central America?"
    )
    assert not answer.answered and answer.reason == "no two passages answer both parts of the question"
    sources = [p.chunk.source for p in answer.passages]
    assert sources == ["001_8cb83d41340bd58a.txt", "002_47b46ce98c28fd65.txt"] * 2 + ["001_8cb83d41340bd58a.txt"]
    assert "Tren de Aragua" in answer.passages[0].chunk.text and "MS-13" in answer.passages[1].chunk.text


def test_a_list_question_quotes_the_inline_list_after_its_answer(engine):
    # "These actions include seizing financial assets, ..." lists what the sentence before it
    # names; a question asking for several actions needs both. A question asking how many gets
    # the list too, as the continuation of its answer (test_a_sentence_is_quoted_with_its_continuation).
    listed = engine.ask("What actions has the DHS campaign taken against smuggling organizations?")
    # The twentieth session's model rates the list above the sentence it continues, so it is quoted first.
    assert [(c.source, c.start, c.end) for c in listed.citations] == [
        ("003_e33ec4f381171ce5.txt", 3481, 3661), ("003_e33ec4f381171ce5.txt", 3314, 3480),
    ]
    assert listed.citations[0].quote.startswith("These actions include seizing financial assets")
    assert_exact(listed)
    counted = engine.ask("How many law enforcement actions has the DHS smuggling campaign resulted in?")
    assert [(c.source, c.start, c.end) for c in counted.citations] == [
        ("003_e33ec4f381171ce5.txt", 3314, 3480), ("003_e33ec4f381171ce5.txt", 3481, 3661),
    ]


def test_a_sentence_is_quoted_with_its_continuation(engine):
    """The verifier picks the sentence that names the agencies; the one after it, which points
    back ("This collaboration ..."), says what they pool, and is quoted with it."""
    answer = engine.ask("When ICE teams up with the DEA, FBI and CBP, what do the agencies get to pool?")
    assert [c.quote[:40] for c in answer.citations] == [
        "By working alongside the Drug Enforcemen", "This collaboration enables the sharing o",
    ]
    assert_exact(answer)
    answerer = engine._ready()[1]
    continued = {
        (s.text[:25], answerer._continuation_after(s).text[:25])
        for s in answerer.index.sentences if answerer._continuation_after(s) is not None
    }
    # Only a next sentence of the same paragraph that opens with "This", "These" or "Such".
    assert ("By working alongside the ", "This collaboration enable") in continued
    assert all(after.split()[0] in ("This", "These", "Such") for _, after in continued)


def test_only_a_sentence_listing_what_the_one_before_names_continues_it(engine):
    index, answerer = engine._ready()
    continued = {
        (s.text[:40], answerer._enumeration_after(s).text[:40]) for s in index.sentences if answerer._enumeration_after(s)
    }
    assert continued == {
        ("In recent operations, ICE has executed m", "These actions include detailed investiga"),
        ("ICE’s Cyber Crimes Center conducts opera", "This includes monitoring cryptocurrency "),
        ("HSI collaborates closely with other law ", "This includes sharing intelligence and c"),
        ("The campaign, which officially began in ", "These actions include seizing financial "),
    }


@pytest.mark.parametrize(
    ("question", "splits"),
    [
        (
            "Which cartel had a member deported from San Francisco and a former kingpin whose extradition HSI counts as a landmark?",
            [("Which cartel had a member deported from San Francisco?",
              "Which cartel had a former kingpin whose extradition HSI counts as a landmark?")],
        ),
        (
            "Which agency tracks drug trafficking and racketeering and weapons?",
            [("Which agency tracks drug trafficking?", "Which agency tracks racketeering and weapons?"),
             ("Which agency tracks drug trafficking and racketeering?", "Which agency tracks weapons?")],
        ),
        ("How many offices does HSI have?", []),
    ],
)
def test_every_and_after_the_verb_is_a_possible_split(question, splits):
    from briefqa.questions import splits_at_and

    assert splits_at_and(question) == splits


def test_a_question_whose_names_no_article_holds_together_is_answered_part_by_part(engine):
    # San Francisco is only in 004, HSI's landmark only in 002: no "both" or "also" says two parts.
    answer = engine.ask(
        "Which cartel had a member deported from San Francisco and a former kingpin whose extradition HSI counts as a landmark?"
    )
    # "which cartel" asks for no name type, since the "whose" of the relative clause is not the question's wh-word.
    assert answer.answered and answer.confidence == 0.576
    assert [(c.source, c.start, c.end) for c in answer.citations] == [
        ("004_434760b6812f335f.txt", 106, 289), ("002_47b46ce98c28fd65.txt", 3798, 3908),
    ]
    assert_exact(answer)
    # The same split, with a part no sentence answers (the DEA counts no extradition): refused.
    refused = engine.ask(
        "Which cartel had a member deported from San Francisco and a former kingpin whose extradition the DEA counts as a landmark?"
    )
    assert not refused.answered and refused.reason == "no two passages answer both parts of the question"


def test_a_half_holding_its_own_and_is_kept_whole(engine):
    # Split at the first "and", the first half asks about "U.S. guns" and no sentence answers it.
    answer = engine.ask(
        "Which country is both where HSI tries to stop U.S. guns and ammunition from being smuggled to,"
        " and where the cartel operative was sent on deportation?"
    )
    assert answer.answered and answer.confidence == 0.831
    assert [(c.source, c.start, c.end) for c in answer.citations] == [
        ("002_47b46ce98c28fd65.txt", 2990, 3080), ("004_434760b6812f335f.txt", 1883, 1939),  # the destination row
    ]
    assert_exact(answer)
    # Under a bar of 0.85 the weaker part (0.831) could not pass alone; the stronger one passes and
    # corroborates it (both name Mexico), so the weaker needs half the bar. At 0.99 neither passes.
    question = (
        "Which country is both where HSI tries to stop U.S. guns and ammunition from being smuggled to,"
        " and where the cartel operative was sent on deportation?"
    )
    strict = engine.ask(question, min_confidence=0.85)
    assert (strict.answered, strict.confidence, strict.needed, strict.lowered_for) == (True, 0.831, 0.425, CORROBORATED_PART)
    assert strict.citations == answer.citations
    assert not engine.ask(question, min_confidence=0.99).answered


def test_a_two_part_answer_over_the_length_limit_quotes_a_clause(engine):
    # Whole, the two sentences take 486 characters; the targeting-centre one is quoted up to its
    # ", which ..." aside, and the quote is still verbatim from the sentence's start.
    answer = engine.ask(
        "Which border agency is one of ICE's inter-agency partners and also houses the targeting center that leads Operation Sentinel?"
    )
    assert answer.answered and len(answer.answer) == 377
    assert [(c.source, c.start, c.end) for c in answer.citations] == [
        ("000_5ab1ac1bfa827a42.txt", 1617, 1792), ("003_e33ec4f381171ce5.txt", 2009, 2202),
    ]
    assert answer.citations[1].quote.endswith("to identify suspicious activities and persons")
    assert_exact(answer)


def test_a_part_under_the_bar_is_corroborated_by_a_part_over_it_that_shares_the_answer(engine):
    # The crypto sentence alone was rated under the bar (0.289 < 0.29) until the twentieth session's
    # retrain (0.399 against 0.38), since the fine-tuned encoder 0.603 against 0.425, and 0.576 against
    # 0.40 since the twenty-second session's retrain; the two share
    # "money laundering", the thing both parts ask for. test_a_half_holding_its_own_and_is_kept_whole
    # exercises the corroboration under a raised bar.
    answer = engine.ask(
        "What illegal financial activity links the cryptocurrency transactions monitored by ICE's Cyber Crimes Center"
        " and the Hezbollah-linked networks HSI has prosecuted?"
    )
    assert answer.answered
    assert [(c.source, c.start, c.end) for c in answer.citations] == [
        ("000_5ab1ac1bfa827a42.txt", 3466, 3562), ("002_47b46ce98c28fd65.txt", 4111, 4277),
    ]
    assert (answer.confidence, answer.needed, answer.lowered_for) == (0.576, 0.4, "")
    assert_exact(answer)
    # One shared common word ("often") corroborates nothing: refused, as below.
    refused = engine.ask(
        "What analytical capability is cited both as a way ICE tracks gang members arriving from Venezuela"
        " and as a reason smugglers raise their fees?"
    )
    assert not refused.answered


@pytest.mark.parametrize(
    "question",
    [
        # One part is answered in the articles, the other is not: no half answers.
        "What analytical capability is cited both as a way ICE tracks gang members arriving from Venezuela"
        " and as a reason smugglers raise their fees?",
        "Which federal department works with ICE on sanctions against Venezuelan narcotics figures and also runs the Cyber Crimes Center?",
        # A false pair answered from the twentieth session's retrain (the "two primary divisions" sentence,
        # which says nothing of a payroll, over half the bar) until the twenty-second session's retrain.
        "Which ICE component leads Operation Expanded Impact and is described in another article as running the San Francisco field office's payroll?",
    ],
)
def test_a_two_part_question_with_one_part_unanswered_is_refused(engine, question):
    answer = engine.ask(question)
    assert not answer.answered
    assert answer.reason == "no two passages answer both parts of the question"


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        (
            "Which region is tied both to MS-13's operations and to the migration increase?",
            ("Which region is tied to MS-13's operations?", "Which region is tied to the migration increase?"),
        ),
        (
            "Which federal department works with ICE on sanctions and also leads the financial pillar?",
            ("Which federal department works with ICE on sanctions?", "Which federal department leads the financial pillar?"),
        ),
        (
            "Which ICE component leads Operation Expanded Impact and is described elsewhere as the investigative arm?",
            ("Which ICE component leads Operation Expanded Impact?", "Which ICE component is described elsewhere as the investigative arm?"),
        ),
        (
            "Which cartel links the San Francisco case to the El Chapo extradition?",
            ("Which cartel is involved in the San Francisco case?", "Which cartel is involved in the El Chapo extradition?"),
        ),
        ("Which agency connects drug seizures with money laundering?", ("Which agency is involved in drug seizures?", "Which agency is involved in money laundering?")),
        ("How does the DHS campaign link smuggling to trafficking?", None),
        ("Who are both the founders?", None),
        (
            "Which cartel is named in both the San Francisco deportation and the El Chapo extradition?",
            ("Which cartel is named in the San Francisco deportation?", "Which cartel is named in the El Chapo extradition?"),
        ),
        ("Which problem consists of both inflationary and deflationary impacts?", None),  # two modifiers of one noun
        (  # the first half holds an "and"; the halves divide at the "and" that repeats "where"
            "Which country is both where HSI stops guns and ammunition going to, and where the operative was sent?",
            ("Which country is where HSI stops guns and ammunition going to?", "Which country is where the operative was sent?"),
        ),
        (
            "Which agency is both a partner of ICE and DEA and a member of the task force?",
            ("Which agency is a partner of ICE and DEA?", "Which agency is a member of the task force?"),
        ),
    ],
)
def test_two_part_questions_split_where_the_wording_is_plain(question, parts):
    assert split_parts(question) == parts


def test_a_question_asking_the_opposite_is_not_answered_by_what_the_sentence_says(engine):
    item = "Adherence to Legal Protocols: The removal process complied with comprehensive legal reviews, respecting domestic and international laws."
    answered = engine.ask("What legal reviews did the removal of the Sinaloa operative comply with?")
    assert answered.answered and [c.quote for c in answered.citations] == [item]
    answerer = engine._ready()[1]
    pool = answerer.pool("What illegal reviews did the removal of the Sinaloa operative comply with?")
    assert [answerer.eligible(c, pool) for c in pool.candidates if c.sentence.statement == item] == [False]
    assert not engine.ask("What illegal reviews did the removal of the Sinaloa operative comply with?").answered


@pytest.mark.parametrize(
    ("question", "sentence", "opposite"),
    [
        ("What is the Yuan dynasty's unofficial name?", "The Yuan dynasty is officially known as the Great Yuan.", True),
        ("What was the non-elected body called?", "The elected body was called the Parliament.", True),
        ("What was the non-elected body called?", "The non-elected body was called the Council.", False),
        ("If P = NP is unsolved, what follows?", "Because the problem P = NP is not solved, much follows.", False),
    ],
)
def test_a_prefixed_opposite_is_read_against_the_sentence(question, sentence, opposite):
    from briefqa.features import asks_the_opposite, prefixed_opposites
    from briefqa.terms import content_stems, words

    folded = fold(sentence)
    opposites = prefixed_opposites(words(fold(question)))
    assert asks_the_opposite(opposites, frozenset(words(folded)), frozenset(content_stems(sentence)), negated(folded)) is opposite


def test_a_question_that_negates_needs_a_sentence_that_negates(engine):
    refused = engine.ask("Which agency does not work with HSI?")
    assert not refused.answered
    assert refused.reason == "the question asks about what is not so, and no relevant passage that gives an organisation negates anything"
    answerer = engine._ready()[1]
    pool = answerer.pool("What do smugglers no longer guarantee migrants?")
    allowed = [c.sentence.text for c in pool.candidates[:POOL_SIZE] if answerer.eligible(c, pool)]
    assert any("no longer guaranteeing migrants successful passage" in text for text in allowed)
    assert all(negated(fold(text)) for text in allowed)
    plain = answerer.pool("What do smugglers guarantee migrants?")
    assert any(not negated(fold(c.sentence.text)) for c in plain.candidates[:POOL_SIZE] if answerer.eligible(c, plain))


def test_two_parts_asking_for_a_name_must_share_a_name(engine):
    # Each part's best sentence talks of partner agencies; they share "law enforcement", not an agency.
    refused = engine.ask("Which agency is both a DHS component and a partner of the Colombian National Police?")
    assert not refused.answered
    assert refused.reason == "no two passages answer both parts of the question"
    answer = engine.ask("Which cartel is named in both the San Francisco deportation and the El Chapo extradition?")
    assert answer.answered
    assert [c.source for c in answer.citations] == ["004_434760b6812f335f.txt", "002_47b46ce98c28fd65.txt"]
    assert all("Sinaloa" in c.quote for c in answer.citations)
    assert_exact(answer)


def test_what_ties_two_articles_together_is_answered_from_each(engine):
    answer = engine.ask("Which country ties the firearms smuggling described by HSI to the deportation destination in the Sinaloa operation?")
    assert answer.answered
    assert [(c.source, c.quote) for c in answer.citations] == [
        ("002_47b46ce98c28fd65.txt", "Disrupting the smuggling of U.S. firearms and ammunition to Mexico to arm drug traffickers"),
        ("004_434760b6812f335f.txt", "Deportation Destination | Guadalajara, Jalisco, Mexico |"),
    ]
    assert_exact(answer)
    refused = engine.ask("Which gang links Venezuelan organized crime to the El Chapo extradition?")
    assert not refused.answered
    assert refused.reason == "no two passages answer both parts of the question"


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("How much illicit currency did HSI seize in 2022?", "the articles never mention 2022"),
        ("Who is the current director of ICE?", "the passages that could answer it name no one but whom the question names"),
        ("What is the name of the official who heads ICE's Cyber Crimes Center?", "no relevant passage that gives a person mentions Cyber Crimes Center"),
        # Asked for people by their office, the sanctions sentence ("individuals and entities") names no one.
        (
            "Which Venezuelan officials were named in the sanctions ICE uses as leverage with the Treasury Department?",
            "the passages that could answer it name no officials",
        ),
        ("In what year did the U.S. first impose sanctions on Venezuelan officials?", "no relevant passage that gives a year mentions Venezuelan"),
        ("In what year did the DHS anti-smuggling campaign officially begin?", "no relevant passage that gives a year mentions DHS"),
        # Each name is in some passage, in different articles: the reason says none holds them together.
        (
            "What role did San Francisco officers play in HSI's El Chapo extradition?",
            "no relevant passage mentions San Francisco, HSI and El Chapo together",
        ),
        ("How many stash houses were raided under the DHS anti-smuggling campaign?", "no relevant passage gives a count"),
        ("Which team won the 2016 NBA championship?", "the articles never mention 2016"),
        ("How do I make guacamole at home?", "no passage is likely to answer it: confidence 0.001, below the 0.4 needed"),
        ("How many pounds of fentanyl did HSI seize in 2021?", "no relevant passage gives a count"),
        # The passages that mention El Chapo name only him; the rest, which do not, are not why it is refused.
        ("What was the name of the judge who sentenced El Chapo?", "the passages that could answer it name no one but whom the question names"),
        # A table row says where, not why.
        (
            "Why was Guadalajara chosen as the deportation destination for the cartel operative?",
            "the passages that could answer it are table rows that give no reason",
        ),
    ],
)
def test_near_misses_and_off_topic_questions_abstain(engine, question, reason):
    answer = engine.ask(question)
    assert not answer.answered
    assert answer.answer is None and answer.citations == ()
    assert answer.reason == reason
    assert len(answer.passages) == 5  # passages are still returned
    assert 0.0 <= answer.confidence < 0.5


def test_month_is_not_a_year_but_answers_a_month_question(engine):
    answer = engine.ask("In which month did the DHS anti-smuggling campaign officially begin?")
    assert answer.answered and "April" in answer.answer


@pytest.mark.parametrize(
    ("question", "kind", "focus"),
    [
        ("How many drug smuggling arrests did HSI make in 2021?", "count", "arrests"),
        ("How much money has DHS committed?", "amount", None),
        ("How much is the campaign worth in money terms?", "amount", None),
        ("In what year did HSI begin targeting MS-13?", "year", "year"),
        ("When did the campaign begin?", "time", None),
        ("Who is the current director of ICE?", "person", "director"),
        ("Which U.S. city did ICE deport him from?", "city", "city"),
        ("Which Caribbean nation is the main transshipment point?", "country", "nation"),
        ("From which airport was the operative flown?", "facility", "airport"),
        ("What is the annual budget of the center?", "amount", "budget"),
        ("Has the campaign arrested more smugglers in Mexico or in Guatemala?", "comparison", None),
        ("What do ICE's operations often result in?", None, "ice"),
        ("Which of ICE's two main branches enforces immigration law?", "organisation", "branches"),
        ("Which department leads Joint Task Force Alpha?", "organisation", "department"),
        # A department the thing asked about sits within is not what is asked for.
        ("What is HSI within the Department of Homeland Security?", None, "hsi"),
        ("What department within DHS investigates smuggling?", "organisation", "department"),
        ("By how much did arrests rise?", "quantity", "arrests"),
    ],
)
def test_question_analysis_finds_the_expected_answer_type(question, kind, focus):
    analysed = analyse_question(question)
    assert (analysed.answer_type, analysed.focus) == (kind, focus)


@pytest.mark.parametrize(
    ("question", "measured"),
    [
        ("How many pounds of fentanyl did HSI seize in 2021?", "fentanyl"),
        ("How many kilograms of illicit cocaine were seized?", "cocaine"),
        ("How many of the smugglers were arrested?", None),
        ("How much money did DHS commit?", None),
    ],
)
def test_what_a_count_is_of_is_part_of_the_question(question, measured):
    assert analyse_question(question).measured == measured


def test_a_count_of_one_thing_answers_only_for_that_thing(engine):
    answer = engine.ask("How many pounds of narcotics did HSI seize in 2021?")
    assert answer.answer == "Seizure of over 1.4 million pounds of narcotics in 2021 [1]"
    assert_exact(answer)


@pytest.mark.parametrize(
    ("question", "counted"),
    [
        ("Through how many foreign offices, and in how many countries, does HSI work?", "offices"),
        ("How many of the nearly 2,000 arrested smugglers were convicted?", "smugglers"),
        ("How many were arrested?", "arrested"),
        ("How many were arrested, according to DHS?", "arrested"),  # the auxiliary skipped, the comma still ends it
        # A participle after a plural opens a clause about it (blind 32's terse "How many smugglers arrested ...?").
        ("How many smugglers arrested in the last eight weeks?", "smugglers"),
        ("How many people killed?", "people"),
        ("How many armed men attacked?", "men"),
    ],
)
def test_what_is_counted_ends_at_a_comma(question, counted):
    assert analyse_question(question).focus == counted


def test_a_count_asked_in_two_halves_is_answered_by_the_item_that_gives_both(engine):
    """Blind 19: "and" was taken for the counted noun, and no sentence counts "and"."""
    answer = engine.ask("Through how many foreign offices, and in how many countries, does HSI work with its overseas counterparts?")
    assert answer.answer == "Foreign counterparts through HSI’s 63 offices in 47 countries [1]"
    assert_exact(answer)


def test_by_how_much_is_answered_by_a_percentage(engine):
    answer = engine.ask("By how much did law enforcement actions against human smuggling organizations grow compared to prior years?")
    assert answer.answer == (
        "This represents a 600% increase in law enforcement actions against human smuggling organization compared to previous years. [1]"
    )
    assert_exact(answer)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("What share of smuggled migrants end up in forced labour?", "percent"),
        ("What share of the seized cocaine came through Colombia?", "percent"),
        # "share" as a verb asks for what is shared.
        ("What does HSI share with its foreign counterparts?", None),
    ],
)
def test_what_share_of_asks_for_a_proportion(question, kind):
    assert analyse_question(question).answer_type == kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        # A leading clause sets the scene; the question proper follows its comma.
        ("When ICE teams up with the DEA, FBI and CBP, what do the agencies get to pool?", None),
        ("After leaving Venezuela, which neighboring country do the cocaine shipments pass through?", "country"),
        ("When was the operation carried out?", "time"),
        # A kind or a sort of thing is described, not named.
        ("What kind of institutions does ICE collaborate with on money laundering?", None),
        ("What types of organizations does HSI dismantle?", None),
        ("Which institutions does ICE collaborate with on money laundering?", "organisation"),
        # After "what does", the noun is the clause's subject, not what is asked for.
        ("What does the agency hope people will flag to authorities?", None),
        ("What did the price of oil rise to in 1979?", "amount"),
    ],
)
def test_the_question_proper_decides_the_answer_type(question, kind):
    assert analyse_question(question).answer_type == kind


@pytest.mark.parametrize(
    ("question", "kind", "focus"),
    [
        # "who" opening a relative clause is not what the question asks.
        ("How do the operation highlights profile the individual who was removed?", None, None),
        ("From which country do most of the migrants who turn to smugglers come?", "country", "country"),
        # A person noun as a modifier or a verb is not a person asked for.
        ("What is the chief drug in the shipments ICE is trying to stop?", None, "drug"),
        ("With whom will the homeland department head the drive?", "agent", None),
        ("Which body will head the overall initiative?", None, "body"),
        ("Who is the head of HSI?", "person", "head"),
        ("Who is the current leader of the Tren de Aragua gang?", "person", "leader"),
        ("Who is the commander of Joint Task Force Alpha?", "person", "commander"),
        # A member of a body is a person; a neighbourhood or a district is a place.
        ("Which member of Congress sponsored the anti-gang funding bill for ICE?", "person", "member"),
        ("Which member states signed the accord?", None, "states"),
        ("In which San Francisco neighborhood was the operative arrested?", "place", "neighborhood"),
        # A committee, a commission or a council is asked for by its name.
        ("Which congressional committee oversees funding for ICE's anti-gang operations?", "organisation", "committee"),
        # A distance is a number.
        ("How far from the border have smugglers moved their stash houses?", "quantity", "far"),
        ("How far has the campaign come in its goals?", None, None),
    ],
)
def test_the_wh_word_and_the_head_noun_decide_who_is_asked_for(question, kind, focus):
    analysed = analyse_question(question)
    assert (analysed.answer_type, analysed.focus) == (kind, focus)


@pytest.mark.parametrize(
    ("question", "sentence", "holds"),
    [
        # Whom-questions are often answered by people or bodies with no name.
        ("Alongside whom will DHS lead the anti-smuggling campaign?", "DHS will lead the effort alongside international partners and related agencies.", True),
        ("Whose trust do the outreach efforts aim to win?", "The programmes seek the trust of immigrant communities.", True),
        # Not by the people the question already names, nor by things.
        ("Whom do the gangs recruit?", "The gangs are deeply entrenched in the drug trade.", False),
        ("Whom does the unit target?", "The unit targets shipments at key choke points.", False),
    ],
)
def test_a_who_question_is_answered_by_a_name_or_by_people_without_one(question, sentence, holds):
    assert holds_answer_type(analyse_question(question), sentence) is holds


@pytest.mark.parametrize(
    ("question", "named_kind"),
    [
        ("What is the name of the data analytics platform ICE uses?", "name"),
        ("What was the operation called?", "name"),
        ("Which darknet drug market did HSI take down?", "market"),
        ("What does the platform do?", None),
    ],
)
def test_a_question_asking_for_a_name_needs_a_sentence_that_names_something(question, named_kind):
    assert analyse_question(question).named_kind == named_kind



def test_a_share_is_not_answered_by_a_sentence_without_a_proportion(engine):
    answer = engine.ask("What share of Venezuelan gangs in the U.S. recruit other immigrants?")
    assert not answer.answered and answer.reason == "no relevant passage gives a percent"


@pytest.mark.parametrize(
    ("question", "quote_start"),
    [
        pytest.param(
            "Which agency enforces immigration laws within ICE?",
            "ICE operates within the Department of Homeland Security (DHS) and has two primary divisions",
            marks=pytest.mark.xfail(strict=True, reason="regressed under the trained verifier: a generic sentence outranks the answer"),
        ),
        ("Which ICE division investigates transnational crime?", "One of ICE’s primary divisions, Homeland Security Investigations (HSI)"),
    ],
)
def test_an_organisation_question_is_not_answered_by_the_organisation_it_names(engine, question, quote_start):
    # "The U.S. Immigration and Customs Enforcement (ICE) plays a crucial role" only repeats the question's ICE.
    answer = engine.ask(question)
    assert answer.citations[0].quote.startswith(quote_start)
    assert_exact(answer)


def test_article_references_become_frames():
    analysed = analyse_question("According to the piece on Venezuelan gang influence, what makes policing harder?")
    assert analysed.frames == ("Venezuelan gang influence",)
    assert analysed.core == "what makes policing harder?"


@pytest.mark.parametrize(
    ("question", "core"),
    [
        ("Which community-focused initiatives does the Sinaloa deportation article say should be prioritized?",
         "Which community-focused initiatives should be prioritized?"),
        ("Which initiatives does the article on the Sinaloa Cartel removal say should be prioritized?", "Which initiatives should be prioritized?"),
        ("In the HSI piece, what are crime syndicates fast at seizing on?", "what are crime syndicates fast at seizing on?"),
        ("What does ICE do, per the gang article?", "What does ICE do?"),
        # No article named: nothing to cut.
        ("What does the report say about fentanyl?", "What does the report say about fentanyl?"),
    ],
)
def test_a_reference_to_the_article_anywhere_in_the_question_is_cut_from_its_core(question, core):
    assert analyse_question(question).core == core


@pytest.mark.parametrize(
    ("question", "names", "excluded", "core"),
    [
        (
            "Which federal agency besides the DEA appears among HSI's key partners?",
            ("HSI",), ("DEA",), "Which federal agency appears among HSI's key partners?",
        ),
        ("Apart from HSI, which ICE division fights gangs?", ("ICE",), ("HSI",), "which ICE division fights gangs?"),
        ("Who other than ICE and the FBI works with CBP?", ("CBP",), ("ICE", "FBI"), "Who works with CBP?"),
        ("Besides the DEA, HSI works with which agency?", ("HSI",), ("DEA",), "HSI works with which agency?"),
        (
            "Besides Confucianism, Buddhism, and Islam, what religions were tolerated?", (),
            ("Confucianism", "Buddhism", "Islam"), "what religions were tolerated?",
        ),
        (
            "Besides Sinaloa's top bosses, what parts of the cartel has HSI targeted?", ("Sinaloa", "HSI"), (),
            "Besides Sinaloa's top bosses, what parts of the cartel has HSI targeted?",
        ),
    ],
)
def test_a_name_the_question_rules_out_is_not_one_it_asks_about(question, names, excluded, core):
    analysed = analyse_question(question)
    assert (analysed.names, analysed.excluded, analysed.core) == (names, excluded, core)


def test_a_sentence_naming_only_what_the_question_rules_out_cannot_answer_it(engine):
    answerer = engine._ready()[1]
    pool = answerer.pool("Which federal agency besides the DEA appears among HSI's key partners?")
    eligible = {c.sentence.statement: answerer.eligible(c, pool) for c in pool.candidates}
    assert eligible["Drug Enforcement Administration (DEA)"] is False
    assert eligible["Federal Bureau of Investigation (FBI)"] is True
    pool = answerer.pool("Besides Central America, through which region does HSI want to interdict drug production and transshipment?")
    eligible = {c.sentence.statement: answerer.eligible(c, pool) for c in pool.candidates}
    assert eligible["Interdicting drug production and transshipment through Central America and the Caribbean"] is True


@pytest.mark.parametrize(
    ("question", "table"),
    [
        ("What deportation destination is listed in the operation detail table?", "operation detail"),
        ("In the security-aspect table, how frequent are cartel arrests after cooperation?", "security aspect"),
        ("Which expected payoff does this initiatives table attach to improved data sharing?", "initiatives"),
        ("What is the chemical formula for table salt?", None),
        ("What is on the table?", None),
    ],
)
def test_a_table_named_by_its_headers_is_read_off_the_question(question, table):
    assert analyse_question(question).table == table


@pytest.mark.parametrize(
    ("question", "headers"),
    [
        ("What deportation destination is listed in the operation detail table?", ["Operation Detail", "Information"]),
        ("What legal basis does the operation-aspect table give?", ["Operation Aspect", "Details"]),
        ("How is information sharing described after cooperation in the security table?", ["Security Aspect", "Pre-Cooperation", "Post-Cooperation"]),
        ("What anticipated benefit does the initiatives table list for Community Outreach Programs?", ["Initiative", "Anticipated Benefit"]),
        # No table's headers name a comparison; "operation" alone fits two tables equally.
        ("How did the border approach change, according to the comparison table?", None),
        ("What date does the Sinaloa operation table give?", None),
    ],
)
def test_a_named_table_is_found_by_its_headers(engine, question, headers):
    answerer = engine._ready()[1]
    table = answerer.named_table(analyse_question(question))
    assert (answerer.table_headers[table] if table else None) == headers


@pytest.mark.parametrize(
    ("question", "outside", "inside", "confidence", "answered", "shown_first"),
    [
        # "Removal Date: April 2024", a list item beside the table, matches "remove" and "date"
        # better than the row does, and was the confident (0.633) and wrong answer before the veto.
        ("On what date did the operation to remove the Sinaloa operative take place, per the operation detail table?",
         "Removal Date: April 2024", "Operation Detail: Date of Operation; Information: March 15, 2024.", 0.911,
         True, "Date of Operation | March 15, 2024 |"),
        # The table row on the apprehension technique shares "arrest" and "operation" and was the
        # confident (0.649) and wrong answer; the list item names the arrest site.
        ("Where was the Sinaloa operative arrested, according to the operation highlights?",
         "Operation Aspect: Apprehension Technique; Details: Focused surveillance followed by tactical arrest.",
         "Arrest Site: Bay Area, California", 0.6, True, "Arrest Site: Bay Area, California"),
    ],
)
def test_only_the_named_tables_rows_or_lists_items_can_answer(engine, question, outside, inside, confidence, answered, shown_first):
    answerer = engine._ready()[1]
    pool = answerer.pool(question)
    eligible = {c.sentence.statement: answerer.eligible(c, pool) for c in pool.candidates}
    assert eligible[outside] is False and eligible[inside] is True
    answer = engine.ask(question)
    assert answer.confidence == confidence
    assert answer.answered is answered and (not answered or answer.answer.startswith(shown_first))
    assert shown_first in answer.passages[0].chunk.text


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Which bank did the cartel use to move its money?", "bank"),
        ("Which darknet drug market do the gangs sell on?", "market"),
        ("What trading company helped settle Huguenots near the Cape?", "company"),
        ("Which cryptocurrency do the gangs launder money through?", "cryptocurrency"),
        ("Which congressional committee is debating the funding?", "committee"),
        # A kind, not a name: "what sort of front firms" is answered by "shell companies".
        ("What sort of front firms does ICE try to uncover?", None),
        ("What does ICE share with banks?", None),
        ("Which agency leads the campaign?", None),
    ],
)
def test_a_question_asking_which_bank_or_firm_wants_a_name(question, kind):
    assert analyse_question(question).named_kind == kind


def test_which_cryptocurrency_is_not_answered_by_a_sentence_naming_none(engine):
    """Five blind sets asked it; "This includes monitoring cryptocurrency transactions, which are
    often used for money laundering." was quoted at 0.57 in four of them."""
    answer = engine.ask("Which cryptocurrency do Venezuelan criminal groups most often use to launder money?")
    assert not answer.answered
    assert_exact(answer)


@pytest.mark.parametrize(
    ("sentence", "vetoed"),
    [
        # The near miss a careless reader quotes: the subject, but no bank named.
        ("This approach often includes identifying shell companies, investigating money laundering activities, "
         "and collaborating with international financial institutions.", True),
        # A capitalised word that only opens the sentence is not a name.
        ("Cybercrime, including identity theft and darknet drug sales, poses additional challenges.", True),
        ("ICE traced the money through Banco Nacional accounts.", False),
        # A nationality or a country is not the name of a bank.
        ("ICE has adapted its methods to leverage innovative tools in its fight against Venezuelan gangs.", True),
        ("The money moved through accounts in Colombia.", True),
    ],
)
def test_a_which_bank_question_is_not_answered_by_a_sentence_naming_nothing(sentence, vetoed):
    question = analyse_question("Which bank does ICE work with on money laundering cases?")
    assert names_nothing_new(question, entities.names(sentence)) is vetoed


@pytest.mark.parametrize(
    ("word", "nationality"),
    [("Venezuelan", True), ("Mexican", True), ("Colombian", True), ("Venezuela", False), ("Cemex", False), ("Guzmán", False)],
)
def test_a_nationality_is_told_from_a_name(word, nationality):
    assert entities.is_nationality(entities.Name(word, 0, len(word))) is nationality


def test_a_which_bank_question_is_refused_when_no_passage_names_one(engine):
    """The verifier's favourite names no bank; what is left is rated 0.002."""
    question = "Which international bank does ICE collaborate with when tracing illicit funds?"
    answerer = engine._ready()[1]
    pool = answerer.pool(question)
    best = answerer.judge(pool)[0]
    assert best.sentence.text == "By tracing illicit funds, ICE can seize assets and dismantle financial networks."
    assert not answerer.eligible(best, pool)
    answer = engine.ask(question)
    assert not answer.answered and answer.confidence == 0.002


def test_a_how_many_question_is_refused_when_the_number_counts_something_else(engine):
    # "30,000 law enforcement actions to disrupt and dismantle human smuggling organizations"
    # holds a number and the word "organizations", but the number counts actions.
    answer = engine.ask("How many smuggling organizations has the DHS campaign broken up completely?")
    assert not answer.answered and answer.confidence == 0.0
    assert answer.reason == "the passages that could answer it count something other than organizations"
    counted = engine.ask("How many law enforcement actions has the DHS campaign resulted in?")
    assert counted.answered and "30,000 law enforcement actions" in counted.answer


@pytest.mark.parametrize(
    ("question", "sentence", "counts"),
    [
        ("How many organizations were dismantled?", "It led to 30,000 law enforcement actions against smuggling organizations.", False),
        ("How many organizations were dismantled?", "Officers dismantled 12 smuggling organizations.", True),
        ("How many pounds of fentanyl were seized?", "Agents seized 1.4 million pounds of fentanyl.", True),
        ("How many people were arrested?", "Police arrested 2,000 in the raids.", True),  # a generic noun counts anything
        ("What did the agency seize?", "It seized 30,000 items.", True),  # not a how-many question
        ("How many organizations were dismantled in 2024?", "In 2024 organizations fell.", False),  # the year is the question's
    ],
)
def test_a_count_is_written_before_what_it_counts(question, sentence, counts):
    assert counts_what_is_asked(analyse_question(question), sentence) is counts


@pytest.mark.parametrize(
    ("question", "row", "named"),
    [
        ("On what date did the operation take place?", "Date of Operation | March 15, 2024 |", True),
        ("What charges are listed for the deported operative?", "Charges | Drug Trafficking and Organized Crime |", True),
        # "charged" is not "charges": a verb that shares the label's stem does not name the row.
        ("What has happened to the fees charged by people who smuggle migrants?", "Charges | Drug Trafficking and Organized Crime |", False),
        # Every word of the label, not some of them.
        ("What date did the human smuggling campaign start?", "Date of Operation | March 15, 2024 |", False),
        # A longer label is met by words of the same stem, all of them.
        ("How frequent were cartel arrests after the cooperation?", "Cartel Arrest Frequency | Occasional | Regular and strategic |", True),
        ("How frequent were drug seizures after the cooperation?", "Cartel Arrest Frequency | Occasional | Regular and strategic |", False),
        # A list item is named by the label before its colon, as a row is by its first cell.
        ("What was the role of ERO in the operation?", "Role of ERO: Managed arrest, processing, and deportation logistics.", True),
        ("What role did ICE play in the operation?", "Role of ERO: Managed arrest, processing, and deportation logistics.", False),
        # An item without a label names nothing.
        ("What does Trade fraud mean?", "Trade fraud", False),
        # "Where" asks for a location, "when" for a date: the question word stands in for one label word.
        ("Where was the suspect arrested?", "Arrest Location | San Francisco, California |", True),
        ("Where was the Sinaloa operative deported to?", "Deportation Destination | Guadalajara, Jalisco, Mexico |", True),
        ("When was the operation carried out?", "Date of Operation | March 15, 2024 |", True),
        # ... beside a word the question spells out, and only for the kind it asks for.
        ("Where did it happen?", "Arrest Location | San Francisco, California |", False),
        ("When was the suspect arrested?", "Arrest Location | San Francisco, California |", False),
    ],
)
def test_a_table_row_is_named_by_every_word_of_its_label(engine, question, row, named):
    sentence = next(s for s in engine._ready()[1].index.sentences if s.text == row)
    assert names_by_label(question, sentence) is named


def test_a_list_item_the_question_names_by_its_label_needs_half_the_bar(engine):
    """The item's label "Role of ERO" is named, so half the 0.40 bar is what it needs (the trees,
    trained on news lists since the eleventh session, rate it 0.84 anyway)."""
    answer = engine.ask("What was the role of ERO in the operation?")
    assert answer.answered and answer.confidence == 0.84 and answer.needed == 0.2
    assert answer.answer.startswith("Role of ERO: Managed arrest, processing, and deportation logistics.")
    assert_exact(answer)


def test_a_lookup_answers_where_only_with_a_place(engine):
    """The item "Operation Sentinel: Identifies human smugglers ..." is named by its label, but says
    what the operation does, not where anything is: it is no lookup for a where-question."""
    answerer = engine._ready()[1]
    item = next(s for s in answerer.index.sentences if s.text.startswith("Operation Sentinel:\xa0Identifies human smugglers"))
    assert names_by_label("Where is the Operation Sentinel targeting center located?", item)
    assert not answerer.looked_up(analyse_question("Where is the Operation Sentinel targeting center located?"), item)
    assert answerer.looked_up(analyse_question("What does Operation Sentinel do?"), item)
    # "Where" stands in for the label word "Location", and the row holds a place: half the bar.
    answer = engine.ask("Where was the suspect arrested, according to the operation detail table?")
    assert answer.answered and answer.confidence == 0.52 and answer.needed == 0.2
    assert answer.answer.startswith("Arrest Location | San Francisco, California |")
    assert_exact(answer)


def test_a_table_row_the_question_names_by_its_label_needs_half_the_bar(engine):
    """The verifier rated this lookup 0.22, under the bar, until the fine-tuned encoder (0.788, and 0.908
    since the twenty-second session's retrain); every
    row named by its label and ranked first on our news sets was the right answer (docs/verifier.md).
    Under a bar of 1.0 the half bar still lets it through."""
    question = "What does the operation-aspect table give as the result?"
    answer = engine.ask(question)
    assert answer.answered and answer.confidence == 0.908 and answer.needed == 0.2
    strict = engine.ask(question, min_confidence=1.0)
    assert (strict.answered, strict.needed, strict.citations) == (True, 0.5, answer.citations)
    assert answer.answer.startswith("Result | Successful deportation and transfer for prosecution |")
    # A row that is not named keeps the whole bar.
    unnamed = engine.ask("What security protocols guarded the transfer to Mexico?")
    assert not unnamed.answered and unnamed.reason.endswith("confidence 0.136, below the 0.4 needed")


@pytest.mark.parametrize(
    ("question", "sentence", "holds"),
    [
        # The only person named is the one the question is about, under a fuller name.
        ("What was the name of the judge who sentenced El Chapo?",
         "A landmark achievement was the extradition and conviction of former Sinaloa kingpin Joaquín “El Chapo” Guzmán.", False),
        ("Who ordered the extradition of El Chapo?", "The extradition of Joaquín “El Chapo” Guzmán was ordered in 2017.", False),
        ("Who ordered the extradition of El Chapo?",
         "Prosecutor Alejandro Gertz Manero ordered the extradition of Joaquín “El Chapo” Guzmán.", True),
        ("Who leads the Financial Disruption pillar?", "Financial Disruption: Led by the Treasury Department.", True),
        # Two capitalised words, so a person's name by their shape, but a place the documents
        # put things in ("the team in San Francisco").
        ("What was the name of the Sinaloa operative deported to Mexico?",
         "ICE deported a high-ranking member of the Sinaloa Cartel from San Francisco to Mexico.", False),
    ],
)
def test_a_who_question_needs_someone_it_does_not_already_name(question, sentence, holds):
    places = place_names("The Enforcement and Removal Operations (ERO) team in San Francisco orchestrated the arrest.")
    assert places == {"san francisco"}
    assert names_no_one_new(analyse_question(question), entities.names(sentence), places=places) is not holds


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("Where was the Sinaloa operative arrested, according to the operation highlights?", "Operation Highlights:"),
        ("Which benefit of enhanced bilateral cooperation concerns surveillance, per the benefits of enhanced bilateral cooperation?",
         "Benefits of Enhanced Bilateral Cooperation:"),
        # Words of a label, but not the label named: nothing is named.
        ("What are the highlights of the operation?", None),
        ("Which key partners does HSI have?", None),
    ],
)
def test_a_list_named_by_its_label_is_found(engine, question, label):
    answerer = engine._ready()[1]
    part = answerer.named_part(analyse_question(question))
    lead_in = next((s for s in answerer.by_group.get(part, []) if s.kind == "lead_in"), None) if part else None
    assert (lead_in.text if lead_in else None) == label


@pytest.mark.parametrize("bad", ["", "   ", "x" * 1001])
def test_invalid_questions_are_refused(engine, bad):
    with pytest.raises(InvalidInput):
        engine.ask(bad)


@pytest.mark.parametrize(
    ("name", "written"),
    [("Justice Department", "Department of Justice"), ("Department of the Treasury", "Treasury Department")],
)
def test_an_institution_named_the_other_way_round_is_found(engine, name, written):
    answerer = engine._ready()[1]
    holders = answerer.articles_with(written, relatives=False)
    assert holders and answerer.articles_with(name) == holders
    assert answerer.constraints(analyse_question(f"What did the {name} do?"))[1] is None


def test_a_question_naming_an_institution_the_other_way_round_is_answered(engine):
    answer = engine.ask("Which task force run by the Justice Department goes after the most dangerous smuggling rings?")
    assert answer.answered
    assert answer.citations[0].quote.startswith("Joint Task Force Alpha (JTFA): Law enforcement taskforce, which is led by the Department of Justice")
    assert_exact(answer)


def test_the_last_words_of_a_full_name_stand_for_it(engine):
    """"Homeland Security" ends "Department of Homeland Security" (DHS); it only begins "Homeland
    Security Investigations" (HSI), so it is not HSI (blind 21)."""
    answerer = engine._ready()[1]
    assert answerer._spellings("Homeland Security") == ["homeland security", "dhs"]
    answer = engine.ask("Roughly how many people a day has the crackdown kept from making the trip north, by Homeland Security's own reckoning?")
    assert answer.answer == (
        "DHS estimates the law enforcement efforts, as well as related factors, has slowed, stopped, or reversed the flow of approximately 900 migrants each day. [1]"
    )
    assert_exact(answer)


def test_a_question_that_rules_a_name_out_is_answered_by_what_else_is_named(engine):
    # "Central America" is no longer a name the answer must hold, and the item naming it with the
    # Caribbean says more than the question does.
    answer = engine.ask("Besides Central America, through which region does HSI want to interdict drug production and transshipment?")
    assert answer.answered
    assert [c.quote for c in answer.citations] == ["Interdicting drug production and transshipment through Central America and the Caribbean"]
    assert_exact(answer)


def test_a_table_row_is_read_with_the_rest_of_its_table(engine):
    answerer = engine._ready()[1]
    (row,) = [s for s in answerer.index.sentences if s.text == "Date of Operation | March 15, 2024 |"]
    assert "san francisco, california" in answerer.context(row)
    (sentence,) = [s for s in answerer.index.sentences if s.text.startswith("The Enforcement and Removal Operations (ERO) team in San Francisco")]
    assert "guadalajara" not in answerer.context(sentence)


def test_a_possessive_ends_a_name():
    question = analyse_question("Which cartel links ICE's San Francisco deportation case to HSI's El Chapo extradition?")
    assert question.names == ("ICE", "San Francisco", "HSI", "El Chapo")
    assert analyse_question("Why did ICE's San Francisco team hand HSI the El Chapo case?").names == ("ICE", "San Francisco", "HSI", "El Chapo")
    assert analyse_question("Who was Alexander the Great?").names == ("Alexander the Great",)


def test_a_list_too_long_to_quote_whole_gives_its_lead_in_and_first_items(engine):
    answer = engine.ask("What are the five core pillars of the DHS campaign against human smuggling networks?")
    quotes = [c.quote for c in answer.citations]
    assert quotes[:2] == [
        "The campaign has five core pillars:",
        "Operation Expanded Impact:\u00a0An enhanced investigative effort led by U.S. Immigration and Customs Enforcement’s (ICE) Homeland Security Investigations (HSI).",
    ]
    assert_exact(answer)


def test_an_item_of_a_long_list_is_quoted_without_the_list(engine):
    """The item leads; runners-up of the same list would follow on their own merit (each at least a
    fifth of its score; none is, since the fine-tuned encoder), but the list is not quoted whole, nor its lead-in."""
    answer = engine.ask("With which experts does HSI plan to expand collaboration to combat trafficking of synthetic opioids like fentanyl?")
    assert [c.quote for c in answer.citations] == [
        "Expanding collaboration with public health experts to combat trafficking of synthetic opioids like fentanyl",
    ]
    assert_exact(answer)


@pytest.mark.parametrize(
    ("question", "quotes"),
    [
        # "... should be prioritized ... These include: - ..." The sentence alone repeats the
        # question; the list after its anaphoric lead-in is the answer, quoted as far as the length
        # limit allows.
        ("Which community-focused initiatives should be prioritized to foster trust and resilience against criminal influence?", [
            "Community-focused initiatives should be prioritized to foster trust and resilience against criminal influence.",
            "These include:",
            "Public Education Campaigns: Inform residents about safety measures and available law enforcement support.",
            "Support for Victims and Witnesses: Enhance protection programs to encourage cooperation and safeguard affected individuals.",
        ]),
        # The verifier picks the sentence and, as runner-up, the list's first item; the question
        # does not ask for several things, but one item of three is not the answer the sentence
        # introduces.
        ("What does HSI do to trace weapons and money?", [
            "HSI uses its customs and financial investigative powers to target the money laundering apparatus and weapons "
            "procurement networks of drug trafficking groups.",
            "This includes:",
            "Tracing the movement of money through complex financial networks",
            "Identifying how drug proceeds are laundered and invested",
        ]),
    ],
)
def test_a_sentence_that_introduces_a_list_answers_with_the_list(engine, question, quotes):
    answer = engine.ask(question)
    assert answer.answered
    assert [c.quote for c in answer.citations] == quotes
    assert_exact(answer)


def test_only_a_sentence_followed_by_a_lead_in_in_its_paragraph_introduces_a_list(engine):
    index, answerer = engine._ready()
    introducing = [s.text[:40] for s in index.sentences if answerer.introduced_list(s)]
    # The lead-ins that point back ("This includes ...", "These include:"); "Key partners
    # include:" and "The campaign has five core pillars:" say what their lists are themselves.
    assert introducing == [
        "Their broad mission is to investigate, d",
        "HSI leverages its broad legal authoritie",
        "HSI uses its customs and financial inves",
        "Community-focused initiatives should be ",
    ]


# The right sentence, rated just under the verifier's bar.
BELOW_THRESHOLD = "What is HSI within the Department of Homeland Security?"
# Rated 0.35751: to three places 0.358, which would read as meeting a bar of 0.358.
ROUNDED_UP = "What do ICE's targeted enforcement operations against Venezuelan gangs often result in?"


def test_min_confidence_lowers_or_raises_the_bar_for_one_question(engine):
    refused = engine.ask(BELOW_THRESHOLD)
    assert not refused.answered
    assert refused.reason == "no passage is likely to answer it: confidence 0.391, below the 0.4 needed"
    answered = engine.ask(BELOW_THRESHOLD, min_confidence=0.25)
    assert answered.answered and answered.confidence == 0.391
    assert (answered.citations[0].source, answered.citations[0].start, answered.citations[0].end) == ("002_47b46ce98c28fd65.txt", 365, 449)
    assert answered.answer.startswith("HSI is the principal investigative arm of the Department of Homeland Security (DHS).")
    stricter = engine.ask("How much illicit currency did HSI seize in 2021?", min_confidence=0.95)
    assert not stricter.answered
    assert stricter.reason == "no passage is likely to answer it: confidence 0.863, below the 0.95 needed"


def test_a_refused_confidence_is_shown_below_the_bar_it_missed(engine):
    """Rounded to three places this confidence (0.35751) would read 0.358, as if it met a bar of 0.358."""
    refused = engine.ask(ROUNDED_UP, min_confidence=0.358)
    assert not refused.answered and refused.confidence == 0.3575 < refused.needed == 0.358
    assert refused.reason == "no passage is likely to answer it: confidence 0.3575, below the 0.358 needed"


def test_min_confidence_zero_keeps_the_vetoes(engine):
    answer = engine.ask("How much illicit currency did HSI seize in 2031?", min_confidence=0.0)
    assert not answer.answered and answer.reason == "the articles never mention 2031"


@pytest.mark.parametrize("value", [-0.1, 1.01, True, "0.3", float("nan")])
def test_min_confidence_outside_zero_to_one_is_invalid_input(engine, value):
    with pytest.raises(InvalidInput, match="min_confidence must be a number from 0 to 1"):
        engine.ask("How much illicit currency did HSI seize in 2021?", min_confidence=value)


def test_an_engine_default_min_confidence_applies_and_health_names_it(index_dir):
    from briefqa.engine import Engine

    engine = Engine(index_dir, auto_reload=False, min_confidence=0.25)
    assert engine.ask(BELOW_THRESHOLD).answered
    assert not engine.ask(BELOW_THRESHOLD, min_confidence=0.5).answered
    assert engine.health().verifier.endswith("answers at confidence >= 0.25 (set; the verifier's own threshold is 0.4)")
    assert engine.health().answer_threshold == 0.25


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        # A how-much clause inside a which-question is what the topics shape, not what is asked.
        ("Which topics being argued over in Congress shape how much ICE can do against these gangs?", None),
        ("What factors determine how many agents HSI deploys?", None),
        # After a comma or an "and" it is a question of its own.
        ("In what year did it start, and how many arrests followed?", "count"),
        ("How many arrests did HSI make?", "count"),
    ],
)
def test_a_how_many_clause_inside_another_question_does_not_type_it(question, kind):
    assert analyse_question(question).answer_type == kind


def test_a_count_may_name_what_is_counted_in_other_words(engine):
    """"Staff" is "personnel" (cosine 0.73 by the embedder): the count answers; "arrests" is not "seizures"."""
    answer = engine.ask("How many extra staff did the homeland investigations branch send to back up the crackdown at the southern frontier?")
    assert answer.answered
    assert answer.citations[0].quote.startswith("HSI has deployed more than 700 additional personnel")
    assert_exact(answer)
    assert not counts_what_is_asked(analyse_question("How many arrests did HSI make?"), "HSI made 40 seizures.", alike=engine._ready()[1].alike)


def test_a_seat_of_government_reads_as_its_institution(engine):
    answer = engine.ask("Which topics being argued over on Capitol Hill shape how much ICE can do against these gangs?")
    assert answer.answered
    assert answer.citations[0].quote.startswith("Ongoing dialogues in Congress about immigration reform")


def test_the_words_a_count_may_name_are_embedded_in_one_batch(index_dir):
    """One call for the question, one for every noun after its candidates' counts (eight before)."""
    from briefqa.engine import Engine

    answerer = Engine(index_dir, auto_reload=False)._ready()[1]
    embedder, batches = answerer.retriever.embedder, []
    embed = embedder.embed_batch
    embedder.embed_batch = lambda texts: batches.append(list(texts)) or embed(texts)
    try:
        answerer.ask("How many smugglers arrested in the last eight weeks?")
    finally:
        embedder.embed_batch = embed
    assert len(batches) == 2 and batches[1][0] == "smugglers"

"""The quality bar on the dev set: a regression here fails CI."""

import pytest

from briefqa.evaluation import evaluate, load_gold

from .conftest import DATA, raw_text


@pytest.fixture(scope="module")
def dev_report(engine):
    return evaluate(load_gold(DATA / "dev.jsonl"), engine.ask, raw_text)


def test_dev_set_meets_the_bar(dev_report):
    """With the trained verifier and two-part questions judged part by part: recall 1.00,
    answers 0.854 (0.829 before a sentence was quoted with its continuation), abstention 1.00,
    false abstention 0.049 (0.122 before the foreign-share
    shift; 0.073 before the sixth session's retrain, which answers more paraphrases, some with
    the wrong sentence, and the question that rules out Central America).

    The hand-tuned rules scored 0.854 / 1.0 here, but they were tuned on this very set; on
    the news questions they never saw (mixed, paraphrase) the verifier answers more.

    Fifteenth session: "who" opening a relative clause no longer makes a question ask who, and
    "From which Northern Triangle country do most of the migrants who turn to smugglers come?" is
    answered by the sentence on cartels "in Mexico and the Northern Triangle": abstention 0.971.
    "What two dangers do outreach efforts alert neighborhoods to?" is no longer answered by a
    sentence that coordinates nothing, and is refused: false abstention 0.049, one wrong answer fewer.
    """
    figures = dev_report.figures()
    assert figures["questions"] == 75
    assert figures["evidence_recall@5"] >= 0.97
    assert figures["answer_accuracy"] >= 0.80
    assert figures["abstention_accuracy"] >= 0.97
    assert figures["false_abstention"] <= 0.17
    assert figures["citation_exactness"] == 1.0


def test_questions_written_apart_from_tuning_generalise(engine):
    """tests/data/extra.jsonl: our own questions and near-misses. The verifier trains on them, so this guards against breakage only."""
    figures = evaluate(load_gold(DATA / "extra.jsonl"), engine.ask, raw_text).figures()
    assert figures["answer_accuracy"] >= 0.85
    assert figures["abstention_accuracy"] >= 0.85
    assert figures["citation_exactness"] == 1.0


def test_harder_paraphrases_written_without_seeing_the_system(engine):
    """tests/data/paraphrase.jsonl: 32 questions written from the articles alone, mostly synonym-heavy paraphrases.

    First run: accuracy 0.654, abstention 0.833; two general fixes followed (what a count is
    "of", percentages answer "by how much"). A regression guard, no longer a clean held-out set.
    """
    figures = evaluate(load_gold(DATA / "paraphrase.jsonl"), engine.ask, raw_text).figures()
    assert figures["answer_accuracy"] >= 0.65
    assert figures["abstention_accuracy"] == 1.0
    assert figures["citation_exactness"] == 1.0


def test_a_second_independent_set_of_every_kind(engine):
    """tests/data/mixed.jsonl: 40 questions in the dev set's mix, written from the articles alone.

    First run: accuracy 0.607, abstention 0.917; a list too long to quote whole and
    possessives inside names were then fixed in general form. With the verifier retrained at a
    per-article threshold (0.395): 0.607 / 0.917 again; with a lead-in labelled as it is quoted
    (with its items) in training: 0.643 / 0.917; with the foreign-share shift in calibration:
    0.750 / 0.917; retrained in the sixth session (threshold 0.37): 0.679 / 0.917, two
    answers rated 0.365 and 0.368, one of them right. A regression guard.
    """
    figures = evaluate(load_gold(DATA / "mixed.jsonl"), engine.ask, raw_text).figures()
    assert figures["answer_accuracy"] >= 0.60
    assert figures["abstention_accuracy"] >= 0.9
    assert figures["citation_exactness"] == 1.0


def test_a_third_set_written_after_the_verifier_shipped(engine):
    """tests/data/fresh.jsonl: 30 questions in the dev set's mix, written before any output was seen.

    First run (the release before): recall 0.972, answers 0.667, abstention 0.917; with lead-ins
    labelled as quoted: 0.972 / 0.722 / 0.917. One of its failures prompted the echo veto, and
    another the list a restating sentence introduces (0.778), so it is a regression guard now,
    not a clean held-out set. Retrained in the sixth session: recall 0.972, answers 0.833.
    """
    figures = evaluate(load_gold(DATA / "fresh.jsonl"), engine.ask, raw_text).figures()
    assert figures["questions"] == 30
    assert figures["evidence_recall@5"] >= 0.95
    assert figures["answer_accuracy"] >= 0.68
    assert figures["abstention_accuracy"] >= 0.9
    assert figures["citation_exactness"] == 1.0


def test_near_misses_written_after_the_model_was_fixed_are_refused(engine):
    """tests/data/near_misses.jsonl: 26 unanswerable questions one step beside what the articles
    say (a bank, a darknet market, a year, a count they never give), written in the fifth session
    with the model unchanged. First run: 24 refused; the two answered ask "Which bank ...?" and
    "Which darknet marketplace ...?" and get a sentence on the subject that names none.
    """
    figures = evaluate(load_gold(DATA / "near_misses.jsonl"), engine.ask, raw_text).figures()
    assert figures["questions"] == 26
    assert figures["abstention_accuracy"] >= 0.88
    assert figures["answer_accuracy"] is None  # no answerable question: no answer accuracy, not 0.0
    assert figures["citation_exactness"] == 1.0


def test_paraphrases_written_after_the_calibration_change(engine):
    """tests/data/late_paraphrases.jsonl: 17 answerable questions in other words than the articles',
    written after the foreign-share shift was fixed. First run: answers 0.588, recall 0.941; the
    same code with the calibration before the shift answered 0.529. With ruled-out names,
    institutions named both ways and the retrain they needed: 0.706. A table row named by its
    label needs half the bar (tenth session): 0.765.
    """
    figures = evaluate(load_gold(DATA / "late_paraphrases.jsonl"), engine.ask, raw_text).figures()
    assert figures["questions"] == 17
    assert figures["answer_accuracy"] >= 0.70
    assert figures["abstention_accuracy"] is None
    assert figures["citation_exactness"] == 1.0


def test_a_blind_set_committed_before_its_first_run(engine):
    """tests/data/blind.jsonl: 40 questions in the dev set's mix, committed (9e3c071) before
    briefqa was run on them. First run: recall 0.932, answers 0.636, abstention 1.00, and two
    wrong answers. Two of its failures prompted general fixes, so it is a regression guard from
    here on (docs/verifier.md, eighth session). The named-table veto refuses a list item beside
    the table the question names. A question whose names no one article holds together is
    answered part by part (answers 0.682). A table row named by its label needs half the bar
    (tenth session): 0.727. The verifier trains on it since the eleventh session: 0.818, with a
    second wrong answer. Who-questions answered by people without a name, and "who" in a relative
    clause no longer asking who (fifteenth session): 0.864, one wrong answer. The model make train
    builds from today's code (seventeenth session, threshold 0.29): 0.909, no wrong answer.
    """
    _holds_its_bar(engine, "blind", recall=0.95, answers=0.86, abstention=1.00, wrong_answers=1)


def test_a_second_blind_set(engine):
    """tests/data/blind2.jsonl: 40 more questions in the dev set's mix, committed (851c69d) before
    briefqa was run on them, after the first blind set's fixes. First run: recall 1.00, answers
    0.591, abstention 0.944; an inline list ("These actions include ...") is now quoted after
    the sentence it continues (answers 0.636). The first blind set's two fixes did not fire on
    it: its table question is refused at 0.315, and its two-article question names two articles
    that one of them both mentions. Its two wrong answers became refusals in the ninth session:
    a list named by its label ("according to the operation highlights") is answered from its
    items alone, and a who-question is not answered by a sentence naming only whom it asks
    about ("the judge who sentenced El Chapo"); the calibration that veto refitted answers one
    more question (answers 0.682, abstention 1.00), and "What is HSI within the Department of
    Homeland Security?" no longer asks for an organisation (0.727). In the tenth session its two
    table questions refused at 0.315 and 0.194 were answered: a row the question names by its
    label needs half the bar (0.818). The calibration the which-bank veto refitted moved the bar
    from 0.37 to 0.375, and a question rated 0.370 is refused again (0.773). A labelled list item
    named by its label needs half the bar too, and that question, "Who leads the Financial
    Disruption pillar ...?", is answered by its item (0.818). The fifteenth session's who-question
    typing: 0.955.
    """
    _holds_its_bar(engine, "blind2", recall=1.00, answers=0.90, abstention=1.00, wrong_answers=0)


def test_a_third_blind_set(engine):
    """tests/data/blind3.jsonl: 40 more questions in the dev set's mix, committed (7b90f59) before
    briefqa was run on them, after the ninth session's first three fixes. First run: recall 1.00,
    answers 0.773, abstention 0.889, with two wrong answers and two unanswerable questions
    answered. A place the documents put things in is no one's name ("San Francisco" no longer
    answers "What was the name of the Sinaloa operative ...?"), and a sentence chosen with an item
    of the list it introduces is quoted with the list (answers 0.818, abstention 0.944).
    """
    # Trained on since the eleventh session: 0.955 / 0.944, no wrong answer. A two-part answer over
    # the length limit quotes a clause (eighteenth session): 1.00 / 0.944.
    _holds_its_bar(engine, "blind3", recall=1.00, answers=1.00, abstention=1.00, wrong_answers=0)


def test_a_fourth_blind_set(engine):
    """tests/data/blind4.jsonl: 40 more questions in the dev set's mix, committed (2f0664d) before
    briefqa was run on them, after the tenth session's table-row rule. First run: recall 1.00,
    answers 0.773, abstention 0.833: three unanswerable questions answered, two of them "Which bank
    ...?" and "Which darknet drug market ...?" by a sentence that names none. The which-bank veto
    refuses those; the calibration it refitted moved the bar from 0.37 to 0.375, and two questions
    rated 0.370 are refused (answers 0.727, abstention 0.944). "What share of ...?" now asks for a
    proportion, as "what percentage" does, and its third false answer is refused (abstention 1.00).
    A table row's label of two words or more is met by words of the same stem, so "How frequent
    were cartel arrests ...?" names "Cartel Arrest Frequency" (answers 0.773).
    """
    # Held out from training. Five seeds averaged and 343 news questions to learn from (eleventh
    # session): 0.909 / 1.00.
    _holds_its_bar(engine, "blind4", recall=1.00, answers=0.90, abstention=1.00, wrong_answers=0)


def test_a_fifth_blind_set(engine):
    """tests/data/blind5.jsonl: 40 more questions in the dev set's mix, written by a helper that
    never ran briefqa and committed (978dc18) before briefqa was run on them. First run: recall
    0.955, answers 0.545, abstention 0.889. "Where" now stands in for a label's "Location" or "Site"
    when the unit holds a place, so "Where was the suspect arrested?" names "Arrest Site: Bay Area,
    California" (answers 0.591). Held out from training; the verifier retrained on five seeds,
    343 news questions and the question proper's answer type: 0.682 / 0.889. A sentence quoted
    with its continuation ("This collaboration enables the sharing of ...") answers one more:
    0.727, with three answerable questions answered by the wrong sentence and two unanswerable
    ones answered ("in the year before the campaign launched", "what age group"). The fifteenth
    session's who-question typing: 0.773.
    """
    _holds_its_bar(engine, "blind5", recall=1.00, answers=0.81, abstention=0.88, wrong_answers=1)


def test_a_sixth_blind_set(engine):
    """tests/data/blind6.jsonl: 40 more questions in the dev set's mix, written by a helper that
    never ran briefqa and committed (bdacf24) before briefqa was run on them. First run, on the
    eleventh session's trees: recall 0.955, answers 0.636, abstention 0.833, with three answerable
    questions answered by the wrong sentence and three unanswerable ones answered. Its misses were
    read in the fifteenth session and prompted its fixes to answer types: whom-questions answered
    by people without a name ("international partners and related agencies"), "who" in a relative
    clause, "chief" or "head" as a modifier or verb, "the name of" needing a name and "how far" a
    number: answers 0.773, abstention 0.944. The model make train builds from today's code
    (seventeenth session) ranks one gold sentence out of the top five: recall 0.909. A two-part
    answer's weaker part corroborated by the other (eighteenth session): answers 0.818.
    """
    _holds_its_bar(engine, "blind6", recall=1.00, answers=0.90, abstention=0.94, wrong_answers=1)


def test_a_seventh_blind_set(engine):
    """tests/data/blind7.jsonl: 40 more questions in the dev set's mix, written by a helper that
    read only the articles and dev.jsonl's format, committed (f6e697d) before briefqa was run on
    them. First run, on the twelfth session's model: recall 0.955, answers 0.864, abstention 1.00,
    with two answerable questions answered by the wrong sentence. Its misses were read in the
    fifteenth session. With the seventeenth session's retrain, one of the two is refused instead.
    """
    _holds_its_bar(engine, "blind7", recall=1.00, answers=1.00, abstention=0.94, wrong_answers=0)


def test_an_eighth_blind_set(engine):
    """tests/data/blind8.jsonl: 40 more questions in the dev set's mix, written by a helper that
    read only the articles and dev.jsonl's format, committed before briefqa was run on them. First
    run, on the twelfth session's model: recall 1.00, answers 0.727 (paraphrases 3 of 8, every
    other answerable kind 13 of 14), abstention 0.944, with three answerable questions answered by
    the wrong sentence. Its misses were read in the fifteenth session (see blind 6): "Who is the
    commander of Joint Task Force Alpha?" now asks for a person, and is refused (abstention 1.00).
    """
    _holds_its_bar(engine, "blind8", recall=1.00, answers=0.95, abstention=1.00, wrong_answers=0)


def test_a_ninth_blind_set(engine):
    """tests/data/blind9.jsonl: 40 more questions in the dev set's mix, written by a helper that
    read only the articles and dev.jsonl's format, committed (f2af9e7) before briefqa was run on
    them. First run, on the twelfth session's model and rules: recall 0.955, answers 0.773,
    abstention 0.778, with three answerable questions answered by the wrong sentence. The
    fifteenth session's answer-type fixes left it unchanged; its four answered unanswerable
    questions were then read (a duration reworded, a Venezuelan state, named officials, U.S. states'
    laws) and prompted nothing general. Its answerable misses have not been read.
    """
    _holds_its_bar(engine, "blind9", recall=1.00, answers=0.95, abstention=0.94, wrong_answers=0)


def test_a_tenth_blind_set(engine):
    """tests/data/blind10.jsonl: as blind 9, committed (f6711dc) before its first run. First run:
    recall 0.955, answers 0.773, abstention 0.889, three answerable questions answered by the wrong
    sentence. The fifteenth session's answer-type fixes answer one more (0.818). Its two answered
    unanswerable questions were then read: "Which congressional committee ...?" now asks for an
    organisation's name and is refused (abstention 0.944). Its answerable misses have not been read.
    """
    _holds_its_bar(engine, "blind10", recall=1.00, answers=1.00, abstention=0.94, wrong_answers=0)


def test_an_eleventh_blind_set(engine):
    """tests/data/blind11.jsonl: 40 more questions in the dev set's mix, written by a helper that
    read only the articles and dev.jsonl's format, committed (0e3035b) before briefqa was run on
    them. First run, on the fifteenth session's final code: recall 0.864, answers 0.636 (paraphrases
    1 of 8), abstention 0.833, with five answerable questions answered by the wrong sentence. The
    code the session started from answers 0.591 and refuses as many. Its misses have not been read.
    """
    _holds_its_bar(engine, "blind11", recall=0.95, answers=0.86, abstention=0.88, wrong_answers=0)


def test_a_twelfth_blind_set(engine):
    """tests/data/blind12.jsonl: as blind 11, committed (ddd771d) before its first run. First run,
    on the fifteenth session's final code: recall 0.909, answers 0.727, abstention 0.889, three
    answerable questions answered by the wrong sentence; the code the session started from scores
    the same. Its misses have not been read. With the seventeenth session's retrain, one of the
    three wrong answers is refused instead.
    """
    _holds_its_bar(engine, "blind12", recall=1.00, answers=0.95, abstention=0.88, wrong_answers=0)


def test_a_thirteenth_blind_set(engine):
    """tests/data/blind13.jsonl: 40 questions in the dev set's mix by a helper that read only the
    articles and dev.jsonl's format, committed (52f0c45) before its first run. First run, on the
    sixteenth session's code: recall 0.955, answers 0.727, abstention 1.00, two answerable questions
    answered by the wrong sentence. Its misses have not been read.
    """
    _holds_its_bar(engine, "blind13", recall=1.00, answers=0.90, abstention=0.94, wrong_answers=0)


def test_a_fourteenth_blind_set(engine):
    """tests/data/blind14.jsonl: as blind 13, committed (88f92e1) before its first run. First run:
    recall 0.932, answers 0.818, abstention 1.00, one wrong answer. Its misses have not been read.
    """
    _holds_its_bar(engine, "blind14", recall=0.97, answers=0.95, abstention=1.00, wrong_answers=0)


def test_a_fifteenth_blind_set(engine):
    """tests/data/blind15.jsonl: as blind 13, committed (e69809d) before its first run. First run,
    on the sixteenth session's model at 0.335: recall 0.955, answers 0.591, abstention 0.944; with
    make train's model (seventeenth session): answers 0.636, four answerable questions answered by
    the wrong sentence. Its misses have not been read.
    """
    _holds_its_bar(engine, "blind15", recall=1.00, answers=0.95, abstention=1.00, wrong_answers=1)


def test_a_sixteenth_blind_set(engine):
    """tests/data/blind16.jsonl: as blind 13, committed (e69809d) before its first run. First run,
    on either model: recall 0.955, answers 0.727, abstention 0.889, five answerable questions
    answered by the wrong sentence. Its misses have not been read.
    """
    _holds_its_bar(engine, "blind16", recall=1.00, answers=0.86, abstention=0.88, wrong_answers=2)


def test_a_seventeenth_blind_set(engine):
    """tests/data/blind17.jsonl: a helper that read only the articles and dev.jsonl's format wrote 40
    questions in the dev set's mix, committed (5a6e18c) before its first run (nineteenth session).
    Eight gold answers were not verbatim spans of their evidence, as dev's always are ("because they
    are often used for money laundering"); each was replaced by the shortest verbatim span that
    says the same, a bullet list's by its first item. First run, so graded: recall 0.841, answers
    0.591, abstention 1.00, four answerable questions answered by the wrong sentence (heavy
    paraphrases and a list). Its misses have been read. A plural wh-phrase closed by an auxiliary
    asks for a whole list ("Which law enforcement partners does ..."): answers 0.636, three wrong.
    """
    _holds_its_bar(engine, "blind17", recall=0.95, answers=0.81, abstention=1.00, wrong_answers=1)


def test_an_eighteenth_blind_set(engine):
    """tests/data/blind18.jsonl: as blind 17, the helper told to give gold answers as verbatim spans
    of their evidence, committed (3968bfd) before its first run. First run: recall 0.977, answers
    0.818, abstention 1.00, two answerable questions answered by the wrong sentence. Its misses
    have not been read.
    """
    _holds_its_bar(engine, "blind18", recall=1.00, answers=0.95, abstention=1.00, wrong_answers=0)


@pytest.mark.parametrize(
    ("name", "recall", "answers", "abstention", "wrong_answers"),
    [
        ("blind19", 1.00, 0.95, 0.94, 0),
        ("blind20", 1.00, 0.95, 1.00, 1),
        ("blind21", 1.00, 0.81, 1.00, 1),
        ("blind22", 1.00, 0.86, 1.00, 0),
        ("blind23", 1.00, 1.00, 1.00, 0),
        ("blind24", 1.00, 0.90, 1.00, 0),
        ("blind25", 1.00, 0.95, 0.88, 0),
        ("blind26", 1.00, 0.95, 1.00, 0),
        ("blind27", 0.95, 0.77, 1.00, 1),
        ("blind28", 0.97, 0.81, 1.00, 1),
        ("blind29", 0.97, 0.81, 1.00, 1),
        ("blind30", 0.97, 0.86, 1.00, 1),
        ("blind31", 1.00, 0.95, 1.00, 0),
        ("blind32", 0.97, 0.86, 0.94, 0),
        ("blind33", 1.00, 0.86, 0.94, 0),
        ("blind34", 1.00, 0.90, 0.94, 1),
        ("blind35", 1.00, 0.77, 1.00, 1),
        ("blind36", 1.00, 0.86, 0.94, 3),
        ("blind37", 1.00, 0.86, 0.94, 1),
        ("blind38", 1.00, 0.77, 1.00, 2),
        ("blind39", 1.00, 0.86, 1.00, 0),
        ("blind40", 1.00, 0.68, 1.00, 2),
        ("blind41", 1.00, 0.81, 0.94, 1),
        ("blind42", 1.00, 0.90, 1.00, 2),
        ("blind43", 1.00, 0.90, 1.00, 0),
        ("blind44", 0.95, 0.72, 0.94, 1),
        ("blind45", 1.00, 0.68, 1.00, 2),
    ],
)
def test_the_blind_sets_from_19_on(engine, name, recall, answers, abstention, wrong_answers):
    """tests/data/blind19.jsonl to blind45.jsonl: 40 questions each in the dev set's mix, written by
    helpers from the articles alone, committed before their first runs. First runs
    (answers / abstention): blind 19 0.591 / 0.944 and blind 20 0.636 / 0.889 on e31e90d; blind 21
    0.591 / 0.889 and blind 22 0.773 / 1.00 on fb8b94b; blind 23 0.773 / 1.00, blind 24 0.773 /
    0.833, blind 25 0.773 / 0.833 and blind 26 0.773 / 0.944 on the model shipped since. Blind
    19-22 were read to choose among four retrained models; the misses of blind 23-26 have not been
    read (docs/verifier.md). Blind 27-30 (twenty-first session) were first run on the twentieth
    session's model: 0.545 / 1.00, 0.545 / 1.00, 0.591 / 0.944 and 0.591 / 1.00. Blind 31-45
    (twenty-second session), each group committed before its first run: blind 31-35 first ran at
    0.709 / 0.933 pooled and blind 36-40 at 0.755 / 0.956 on the old model; blind 19-35 are training
    data since that session's retrain, blind 36-40 informed the choice of it, and blind 41-45 were
    first run on it (0.809 / 0.978). The figures here are the shipped model's (docs/verifier.md)."""
    _holds_its_bar(engine, name, recall=recall, answers=answers, abstention=abstention, wrong_answers=wrong_answers)


def test_two_part_questions_of_the_eighteenth_session(engine):
    """tests/data/two_parts.jsonl: 30 two-part questions a helper wrote from the articles alone
    (15 answerable, 15 with one part false), after the corroboration rule was measured on the blind
    sets. Before it: answers 0.600, abstention 0.867; with it 0.667 and 0.867; with halves divided
    at a parallel "and" as well, 0.733 and 0.867; with a clause quoted where a pair would pass the
    length limit, 0.800 and 0.867. No answerable question answered wrong."""
    _holds_its_bar(engine, "two_parts", recall=0.93, answers=0.93, abstention=0.73, wrong_answers=0, questions=30)


def test_harder_paraphrases_and_near_misses_of_the_twelfth_session(engine):
    """tests/data/news_train2.jsonl: 79 questions a helper wrote to be hard (30 paraphrases in other
    words than the articles', 8 two-article questions, 22 near misses), never trained on. First
    run: recall 0.806, answers 0.426, abstention 0.760, sixteen answerable questions answered by
    the wrong sentence. A how-many answer must count what is asked (and the recalibration that
    veto brought): abstention 0.800, fifteen wrong. The fifteenth session's who-question typing:
    answers 0.463; a neighbourhood asked for is a place the sentence must name, and a why-question
    is not answered by a table row that gives no reason: abstention 0.880. A two-part answer's weaker
    part corroborated by the other (eighteenth session): answers 0.481. A guard against getting
    worse where briefqa is weakest."""
    _holds_its_bar(engine, "news_train2", recall=0.94, answers=0.68, abstention=1.00, wrong_answers=3, questions=79)


def test_every_kind_of_dev_question_is_mostly_handled(dev_report):
    by_kind: dict[str, list[bool]] = {}
    for r in dev_report.results:
        ok = r.correct if r.answerable else not r.answered
        by_kind.setdefault(r.kind, []).append(ok)
    # Two-document questions are answered part by part (3 of 3). Paraphrases fell to 7 of 15 under
    # the verifier (it abstains where the rules, tuned on these very questions, answered); that
    # floor is today's figure.
    floors = {"multi": 1.0, "paraphrase": 7 / 15}
    for kind, outcomes in by_kind.items():
        assert sum(outcomes) / len(outcomes) >= floors.get(kind, 0.5), kind


def _holds_its_bar(
    engine, name: str, *, recall: float, answers: float, abstention: float, wrong_answers: int, questions: int = 40,
) -> None:
    """A set of questions keeps its figures, with exactly this many answerable questions answered wrong.

    Blind 4-18 and the harder set are training data since the twentieth session's retrain, so their
    figures since then guard against regressions, not estimate unseen questions; blind 19 onwards do that.
    """
    report = evaluate(load_gold(DATA / f"{name}.jsonl"), engine.ask, raw_text)
    figures = report.figures()
    assert figures["questions"] == questions
    assert figures["evidence_recall@5"] >= recall
    assert figures["answer_accuracy"] >= answers
    assert figures["abstention_accuracy"] >= abstention
    assert sum(r.answered and not r.correct for r in report.results if r.answerable) == wrong_answers
    assert figures["citation_exactness"] == 1.0

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DATA, ROOT, raw_text

BRIEFQA = str(Path(sys.executable).with_name("briefqa"))


def run(*args: str, index_dir: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    if index_dir is not None:
        env["BRIEFQA_INDEX_DIR"] = str(index_dir)
    return subprocess.run([BRIEFQA, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)


def test_ask_prints_the_answer_then_numbered_sources(index_dir):
    result = run("ask", "How much illicit currency did HSI seize in 2021?", index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Seizure of over $522 million in illicit currency in 2021 [1]"
    assert lines[2] == "Sources:"
    assert lines[3].startswith("[1] 002_47b46ce98c28fd65.txt, HSI’s Focus on Disrupting Drug Trafficking Networks › Impact on Drug Trafficking Landscape")
    assert lines[4].strip() == "“Seizure of over $522 million in illicit currency in 2021”"
    assert lines[-1] == "Confidence 0.863 (answers need 0.4)."


def test_ask_json_is_the_api_shape(index_dir):
    result = run("ask", "Which CBP component leads Operation Sentinel?", "--json", index_dir=index_dir)
    body = json.loads(result.stdout)
    assert body["answered"] is True and "National Targeting Center" in body["answer"]
    for citation in body["citations"]:
        assert raw_text(citation["source"])[citation["start"] : citation["end"]] == citation["quote"]


def test_ask_says_so_when_the_articles_do_not_answer(index_dir):
    result = run("ask", "Who is the current director of ICE?", index_dir=index_dir)
    assert result.returncode == 0
    assert result.stdout.startswith("The articles do not answer this")


def test_min_confidence_comes_from_the_option_or_the_environment(index_dir):
    question = "What is HSI within the Department of Homeland Security?"
    assert run("ask", question, index_dir=index_dir).stdout.startswith("The articles do not answer this")
    answered = run("ask", question, "--min-confidence", "0.25", index_dir=index_dir)
    assert answered.stdout.startswith("HSI is the principal investigative arm of the Department of Homeland Security (DHS). [1]"), answered.stderr
    assert answered.stdout.splitlines()[-1] == "Confidence 0.391 (answers need 0.25)."
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "BRIEFQA_INDEX_DIR": str(index_dir), "BRIEFQA_MIN_CONFIDENCE": "0.25"}
    from_env = subprocess.run([BRIEFQA, "ask", question], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert from_env.stdout == answered.stdout


def test_ask_says_when_a_table_row_named_by_its_label_needed_half_the_bar(index_dir):
    answered = run("ask", "What does the operation-aspect table give as the result?", index_dir=index_dir)
    assert answered.stdout.startswith("Result | Successful deportation and transfer for prosecution |"), answered.stderr
    assert answered.stdout.splitlines()[-1] == "Confidence 0.908 (a table row or list item the question names by its label needs 0.2, half the bar)."
    paired = run(
        "ask", "Which country is both where HSI tries to stop U.S. guns and ammunition from being smuggled to,"
        " and where the cartel operative was sent on deportation?", "--min-confidence", "0.85", index_dir=index_dir,
    )
    assert paired.stdout.splitlines()[-1] == (
        "Confidence 0.831 (a part of a two-part answer that the other part corroborates needs 0.425, half the bar)."
    ), paired.stderr


def test_eval_sweep_prints_one_line_per_bar(index_dir):
    result = run("eval", str(DATA / "dev.jsonl"), "--sweep", "0.45,0.3", index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    assert header.split() == [
        "min_confidence", "evidence_recall@5", "answer_accuracy", "abstention_accuracy", "false_abstention", "citation_exactness",
    ]
    assert [line.split() for line in lines] == [["0.3", "1.0", "0.951", "0.971", "0.024", "1.0"], ["0.45", "1.0", "0.902", "0.971", "0.098", "1.0"]]


def test_eval_of_unanswerable_questions_only_says_n_a_for_answer_figures(index_dir, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"question": "How do I make guacamole at home?", "answerable": false}\n', encoding="utf-8")
    result = run("eval", str(gold), index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    assert [line.split() for line in result.stdout.splitlines()] == [
        ["evidence_recall@5", "n/a"], ["answer_accuracy", "n/a"], ["abstention_accuracy", "1.0"], ["false_abstention", "n/a"],
        ["citation_exactness", "1.0"], ["questions", "1"],
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ask", "   "), "Error: question must not be blank"),
        (("eval", str(DATA / "dev.jsonl"), "--sweep", "0.3,2"), "give one or more bars from 0 to 1"),
        (("eval", str(DATA / "dev.jsonl"), "--sweep", "0.3", "--min-confidence", "0.2"), "does not combine with --min-confidence"),
        (("ask", "Who?", "--min-confidence", "1.5"), "Invalid value for '--min-confidence'"),
        (("ask", "Who?", "--top-k", "0"), "Invalid value for '--top-k'"),
        (("eval", "missing.jsonl"), "does not exist"),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(index_dir, args, message):
    result = run(*args, index_dir=index_dir)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_index_says_how_to_build_one(tmp_path):
    result = run("ask", "Who?", "--index", str(tmp_path / "none"))
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: no index at {tmp_path / 'none'}; build one with `briefqa ingest --index {tmp_path / 'none'}`"


def test_search_and_ingest_commands(index_dir, tmp_path):
    result = run("search", "stash houses", "--top-k", "2", index_dir=index_dir)
    assert result.returncode == 0 and result.stdout.startswith("1. [")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Harbour Report\n\nInspectors checked 40 ships at the harbour in May.", encoding="utf-8")
    built = run("ingest", "--corpus", str(corpus), "--index", str(tmp_path / "idx"), "--quiet")
    assert built.returncode == 0, built.stderr
    assert "added 1, updated 0, removed 0, unchanged 0, skipped 0" in built.stdout
    again = run("ingest", "--corpus", str(corpus), "--index", str(tmp_path / "idx"), "--if-stale")
    assert "is up to date" in again.stdout


def test_eval_prints_the_figures(index_dir):
    result = run("eval", str(DATA / "extra.jsonl"), "--json", index_dir=index_dir)
    figures = json.loads(result.stdout)["figures"]
    assert figures["questions"] == 36
    assert figures["citation_exactness"] == 1.0


def test_eval_breaks_the_figures_down_by_kind_of_question(index_dir):
    result = run("eval", str(DATA / "blind5.jsonl"), index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("handled by kind (answered right, or refused when unanswerable):\n")[1].splitlines()
    assert [line.split()[:4] for line in lines] == [
        ["fact", "6", "of", "7"], ["paraphrase", "7", "of", "8"], ["table", "3", "of", "3"], ["list", "2", "of", "2"],
        ["multi", "0", "of", "2"], ["unanswerable", "11", "of", "13"], ["offtopic", "5", "of", "5"],
    ]
    as_json = json.loads(run("eval", str(DATA / "blind5.jsonl"), "--json", index_dir=index_dir).stdout)
    assert as_json["by_kind"]["paraphrase"] == {"handled": 7, "questions": 8}
    # A file of one kind has nothing to break down.
    plain = run("eval", str(DATA / "near_misses.jsonl"), index_dir=index_dir)
    assert "handled by kind" not in plain.stdout


def test_brief_prints_markdown_and_writes_a_file(index_dir, tmp_path):
    target = tmp_path / "brief.md"
    result = run("brief", "human smuggling", "--max-points", "4", "-o", str(target), index_dir=index_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Briefing: human smuggling")
    assert target.read_text(encoding="utf-8") == result.stdout.rstrip("\n") + "\n"
    off = run("brief", "sourdough bread", "--json", index_dir=index_dir)
    assert json.loads(off.stdout)["covered"] is False


def test_a_setting_out_of_range_is_one_line_naming_the_variable(index_dir):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "BRIEFQA_INDEX_DIR": str(index_dir), "BRIEFQA_MIN_CONFIDENCE": "2"}
    result = subprocess.run([BRIEFQA, "ask", "How much illicit currency did HSI seize in 2021?"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert result.returncode == 1
    assert result.stderr == "Error: invalid setting: BRIEFQA_MIN_CONFIDENCE: Input should be less than or equal to 1\n"

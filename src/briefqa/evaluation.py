"""Score an Answerer on a labelled JSONL file (the dev set's format)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InvalidInput
from .records import Answer

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‑": "-"})


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.translate(_QUOTES).lower()).strip()


@dataclass
class QuestionResult:
    question: str
    kind: str
    answerable: bool
    answered: bool
    correct: bool
    recall: float | None
    answer: str | None
    reason: str


@dataclass
class Report:
    """A figure is None when the file holds no question it is about: a set of unanswerable
    questions has no answer accuracy, and reporting 0.0 would read as a failure."""

    evidence_recall_at_5: float | None
    answer_accuracy: float | None
    abstention_accuracy: float | None
    false_abstention: float | None
    citation_exactness: float
    questions: int
    results: list[QuestionResult] = field(default_factory=list)

    def by_kind(self) -> dict[str, tuple[int, int]]:
        """Per kind of question (the gold file's ``kind``, in first-seen order): (handled, asked).
        Handled: answered right when answerable, refused when not."""
        counts: dict[str, tuple[int, int]] = {}
        for r in self.results:
            handled, asked = counts.get(r.kind or "unlabelled", (0, 0))
            counts[r.kind or "unlabelled"] = (handled + (r.correct if r.answerable else not r.answered), asked + 1)
        return counts

    def figures(self) -> dict[str, float | None]:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 3)

        return {
            "evidence_recall@5": rounded(self.evidence_recall_at_5),
            "answer_accuracy": rounded(self.answer_accuracy),
            "abstention_accuracy": rounded(self.abstention_accuracy),
            "false_abstention": rounded(self.false_abstention),
            "citation_exactness": rounded(self.citation_exactness),
            "questions": self.questions,
        }


def load_gold(path: Path) -> list[dict]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    items = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            raise InvalidInput(f"{path}:{number} is not valid JSON") from None
        if not isinstance(item, dict) or "question" not in item or "answerable" not in item:
            raise InvalidInput(f"{path}:{number} needs at least 'question' and 'answerable'")
        items.append(item)
    if not items:
        raise InvalidInput(f"{path} holds no questions")
    return items


def accepted_answers(item: dict) -> list[str]:
    """Every answer text the gold item accepts: SQuAD items list several ("answers"), ours one ("answer")."""
    return [text for text in item.get("answers") or [item.get("answer", "")] if text]


def _covers(text: str, span: str, start: int, end: int) -> bool:
    """Does the passage text[start:end] overlap at least half of some occurrence of ``span``?"""
    found = text.find(span)
    while found >= 0:
        if min(found + len(span), end) - max(found, start) >= len(span) / 2:
            return True
        found = text.find(span, found + 1)
    return False


def _evidence_recall(item: dict, answer: Answer, article_text: Callable[[str], str]) -> float:
    evidence = item.get("evidence") or []
    if not evidence:
        return 1.0
    top = answer.passages[:5]
    found = sum(any(_covers(article_text(h.chunk.source), span, h.chunk.start, h.chunk.end) for h in top) for span in evidence)
    return found / len(evidence)


def evaluate(
    items: list[dict],
    ask: Callable[[str], Answer],
    article_text: Callable[[str], str],
    *,
    max_answer_chars: int = 400,
    progress: Callable[[int], None] | None = None,
) -> Report:
    results: list[QuestionResult] = []
    citations = exact = 0
    for item in items:
        answer = ask(item["question"])
        for citation in answer.citations:
            citations += 1
            exact += article_text(citation.source)[citation.start : citation.end] == citation.quote
        answerable = bool(item["answerable"])
        correct = bool(
            answerable
            and answer.answered
            and answer.answer is not None
            and len(answer.answer) <= max_answer_chars
            and any(normalise(text) in normalise(answer.answer) for text in accepted_answers(item))
        )
        recall = _evidence_recall(item, answer, article_text) if answerable else None
        results.append(
            QuestionResult(item["question"], item.get("kind", ""), answerable, answer.answered, correct, recall, answer.answer, answer.reason)
        )
        if progress:
            progress(1)
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    mean = lambda values: sum(values) / len(values) if values else None  # noqa: E731
    return Report(
        evidence_recall_at_5=mean([r.recall for r in answerable]),
        answer_accuracy=mean([r.correct for r in answerable]),
        abstention_accuracy=mean([not r.answered for r in unanswerable]),
        false_abstention=mean([not r.answered for r in answerable]),
        citation_exactness=exact / citations if citations else 1.0,
        questions=len(results),
        results=results,
    )

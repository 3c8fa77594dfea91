"""What the verifier sees of a (question, candidate sentence) pair: one row of numbers.

Training (scripts/train_verifier.py) and serving both build rows here, from the same
candidates, so the model is scored on exactly what it was trained on. Every feature is
general: relevance signals from retrieval, how much of the question the sentence and its
paragraph account for (weighted by rarity), whether the names, years and figures the
question insists on are there, and whether the sentence holds the kind of thing asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from . import entities
from .questions import wh_word
from .terms import fold, stem, words

if TYPE_CHECKING:
    from .answering import Answerer, Candidate
    from .questions import Question

ANSWER_TYPES = (
    None, "count", "amount", "quantity", "percent", "year", "date", "time", "duration", "person", "agent",
    "organisation", "country", "city", "place", "facility", "comparison",
)
KINDS = ("sentence", "item", "row", "lead_in")
_NEGATION = re.compile(r"\b(?:not|never|no|none|neither|nor|without|n't)\b|n't\b")

FEATURES = (
    "dense", "dense_gap", "dense_rank",
    "focus_coverage", "sentence_coverage", "context_coverage", "paragraph_coverage",
    "chunk_score", "chunk_dense", "chunk_lexical", "chunk_rank",
    "heuristic", "heuristic_gap", "heuristic_rank",
    "missing_idf_sentence", "missing_idf_context", "missing_share_sentence", "bigram_share",
    "required", "required_met_context", "required_met_sentence", "names_missing_sentence",
    "typed", "answer_type", "wh_word", "kind", "sentence_words", "question_words",
    "negation_mismatch", "new_capitals", "new_numbers", "best_dense", "second_dense_gap",
    "qualifier_missing", "sentence_new_share", "capitals_share_sentence", "capitals_share_paragraph", "plain_share",
)
# Small words that SQuAD-style near-misses turn on ("the least", "before", "not"): stopwords to
# retrieval, but a question that insists on one is not answered by a sentence without it.
QUALIFIERS = frozenset("""most least first last before after not never no only more less fewer largest smallest
highest lowest earliest latest same different without except other both all each every nor between""".split())
CATEGORICAL = ("answer_type", "wh_word", "kind")


def negated(folded_text: str) -> bool:
    """Does the (folded) text negate something: "not", "never", "no", "wasn't"?"""
    return bool(_NEGATION.search(folded_text))


# Prefixes that turn a word into its opposite: "unofficial", "non-elected", "illegitimate", "disestablish".
_OPPOSING_PREFIXES = ("non-", "non", "un", "in", "im", "il", "ir", "dis")


def prefixed_opposites(question_words: list[str]) -> tuple[tuple[str, str, str], ...]:
    """(word, base, stem of base) for each question word that may be a prefixed opposite: "unofficial" -> "official"."""
    found = []
    for word in question_words:
        for prefix in _OPPOSING_PREFIXES:
            base = word[len(prefix):].lstrip("-")
            if word.startswith(prefix) and len(base) >= 4:
                found.append((word, base, stem(base)))
                break
    return tuple(found)


def asks_the_opposite(
    opposites: tuple[tuple[str, str, str], ...], sentence_words: frozenset[str], sentence_stems: frozenset[str], sentence_negated: bool,
) -> bool:
    """Does the question ask about the opposite of what the sentence says?

    "What is the Yuan dynasty's unofficial name?" is not answered by a sentence giving its
    official one: a question word is a prefixed opposite (``prefixed_opposites``) of a word the
    sentence uses, and the sentence neither uses the question's word nor negates anything ("If
    P = NP is unsolved ..." is answered by "... P = NP is not solved"). Of the SQuAD training
    articles' gold sentences it refuses 19 near misses and 2 of about 1,100 true answers ("What
    non-Chinese empire did the Yuan succeed?", answered in a sentence that calls the Yuan Chinese;
    a "dislike" met by "like").
    """
    if sentence_negated:
        return False
    return any(word not in sentence_words and (base in sentence_words or base_stem in sentence_stems) for word, base, base_stem in opposites)


@dataclass(frozen=True)
class SentenceFacts:
    """What the features need of a sentence, computed once per index (sentences are fixed)."""

    folded: str
    stems: tuple[str, ...]
    bigrams: frozenset[tuple[str, str]]
    words: frozenset[str]
    context_words: frozenset[str]
    paragraph_words: frozenset[str]
    paragraph: str
    negated: bool
    numbers: tuple[str, ...]
    capitalised: tuple[str, ...]
    length: int
    statement: str = ""

    @cached_property
    def stem_set(self) -> frozenset[str]:
        return frozenset(self.stems)

    @cached_property
    def names(self) -> tuple[entities.Name, ...]:
        """Read only by the checks that need them (who-questions), so not with the rest."""
        return entities.names(self.statement)


def sentence_facts(answerer: Answerer, candidate: Candidate) -> SentenceFacts:
    sentence = candidate.sentence
    cached = answerer.feature_cache.get(sentence.sentence_id)
    if cached is None:
        folded = fold(sentence.statement)
        stems = tuple(answerer.stem_list(sentence.statement))
        paragraph = answerer.paragraph(sentence)
        tokens = sentence.statement.split()
        cached = answerer.feature_cache[sentence.sentence_id] = SentenceFacts(
            folded, stems, frozenset(_bigrams(stems)), frozenset(words(folded)), frozenset(words(candidate.context)),
            frozenset(words(paragraph)), paragraph, negated(folded),
            tuple(re.findall(r"\d[\d,.]*", sentence.statement)), tuple(w for w in tokens[1:] if w[:1].isupper()), len(tokens),
            sentence.statement,
        )
    return cached


def _bigrams(stems: tuple[str, ...] | list[str]) -> set[tuple[str, str]]:
    return set(zip(stems, stems[1:]))


def candidate_features(answerer: Answerer, question: Question, candidates: list[Candidate], required: list[str]) -> np.ndarray:
    """One row per candidate, columns as in FEATURES; candidates arrive ranked by the heuristic score."""
    rows = np.zeros((len(candidates), len(FEATURES)), dtype=np.float32)
    if not candidates:
        return rows
    weights, total = answerer.weights(question.stems)
    total = total or 1.0
    question_bigrams = _bigrams(question.stems)
    asked = fold(question.text)
    question_negated = negated(asked)
    question_capitals = {w for w in question.text.split()[1:] if w[:1].isupper()}  # the first word is capitalised anyway
    capital_words = set(words(" ".join(question_capitals))) - QUALIFIERS
    qualifiers = QUALIFIERS & set(words(asked))
    question_stem_set = set(question.stems)
    dense = np.array([c.dense for c in candidates], dtype=np.float32)
    dense_order = np.argsort(-dense, kind="stable")
    dense_rank = np.empty(len(candidates), dtype=np.float32)
    dense_rank[dense_order] = np.arange(len(candidates))
    sorted_dense = dense[dense_order]
    best_dense = float(sorted_dense[0])
    second_gap = float(sorted_dense[0] - sorted_dense[1]) if len(candidates) > 1 else 1.0
    chunk_rank: dict[int, int] = {}
    for c in candidates:
        chunk_rank.setdefault(c.hit.chunk.chunk_id, len(chunk_rank))
    best_heuristic = candidates[0].score
    wh = wh_word(asked)
    answer_type = ANSWER_TYPES.index(question.answer_type) if question.answer_type in ANSWER_TYPES else 0
    names_required = [r for r in required if not r[:1].isdigit()]
    for i, c in enumerate(candidates):
        facts = sentence_facts(answerer, c)
        have = answerer.stems_of(c.sentence.statement)
        context_have = answerer.stems_of(c.context)
        missing_sentence = [weights[t] for t in weights if t not in have]
        missing_context = [weights[t] for t in weights if t not in context_have]
        met_context = answerer._met(required, c.context) if required else set()
        met_sentence = answerer._met(required, facts.folded) if required else set()
        names_missing = sum(1 for n in names_required if n not in met_sentence)
        new_capitals = sum(1 for w in facts.capitalised if w not in question_capitals)
        new_numbers = sum(1 for n in facts.numbers if n not in asked)
        new_share = sum(1 for t in facts.stems if t not in question_stem_set) / max(1, len(facts.stems))
        rows[i] = (
            c.dense, best_dense - c.dense, dense_rank[i],
            c.features[0], c.features[1], c.features[2], answerer.coverage(question, facts.paragraph),
            c.hit.score, c.hit.dense, c.hit.lexical, chunk_rank[c.hit.chunk.chunk_id],
            c.score, best_heuristic - c.score, i,
            max(missing_sentence, default=0.0), max(missing_context, default=0.0), sum(missing_sentence) / total,
            len(question_bigrams & facts.bigrams) / len(question_bigrams) if question_bigrams else 0.0,
            len(required), len(met_context) / len(required) if required else 1.0,
            len(met_sentence) / len(required) if required else 1.0, names_missing,
            float(c.typed), answer_type, wh, KINDS.index(c.sentence.kind) if c.sentence.kind in KINDS else 0,
            facts.length, len(question.stems),
            float(question_negated != facts.negated), new_capitals, new_numbers,
            best_dense, second_gap,
            sum(1 for w in qualifiers if w not in facts.context_words), new_share,
            len(capital_words & facts.words) / len(capital_words) if capital_words else 1.0,
            len(capital_words & facts.paragraph_words) / len(capital_words) if capital_words else 1.0,
            len(question_stem_set & have) / len(question_stem_set) if question_stem_set else 0.0,
        )
    return rows

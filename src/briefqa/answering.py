"""Hits -> Answer: extract the corpus sentences that answer, cite them, or abstain.

Nothing here writes prose. An answer is one or more verbatim sentences (a list
item or table row counts as one), each cited. Retrieval proposes candidate sentences,
a cheap relevance blend pre-ranks them, and the trained verifier (verifier.py) judges
the best few: the answer is its top sentence when the calibrated probability that it
answers clears the threshold chosen on held-out articles; otherwise briefqa abstains.
The rules below (answer type, the question's names, years and figures) are the
verifier's features; a few also veto, where held-out data shows they earn it (see
``Answerer.eligible``): a name or figure no article mentions, a sentence of the wrong
answer type, a context without the question's names, a sentence that only repeats the
question. A two-part question ("cited both as A and as B") is split and each part judged
on its own, since the verifier judges one sentence against one question.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import zip_longest

import numpy as np

from . import entities, places
from .articles import row_cells, table_headers
from .errors import InvalidInput
from .features import asks_the_opposite, candidate_features, negated, prefixed_opposites, sentence_facts
from .index import CorpusIndex
from .questions import NAMED_TYPES, UNITED_STATES, Question, analyse_question, WHO_TYPES, first_wh_word, counts_what_is_asked, holds_answer_type, names_no_one_new, names_nothing_new, place_names, split_parts, splits_at_and, words_a_count_may_name
from .records import CORROBORATED_PART, LABELLED_LOOKUP, Answer, Chunk, Citation, Hit, Sentence
from .retrieval import Retriever
from .terms import STOPWORDS, content_stems, fold, is_blank, similar_words, stem, words
from .verifier import POOL_SIZE, Verifier

MAX_QUESTION_CHARS = 1000

# The pre-ranking blends the sentence's cosine similarity with how much of the question's
# IDF-weighted content it covers. It only orders candidates for the verifier (which sees
# the blend and its parts as features); it decides nothing.
DENSE_WEIGHT = 0.5
COVERAGE_WEIGHT = 0.3
CHUNK_WEIGHT = 0.2
COVERAGE_MIX = (0.5, 0.3, 0.2)  # focus words, all words in the sentence, all words in its context
PAIR_SHARED_BONUS = 0.3
PAIR_COVERAGE_WEIGHT = 0.2
FRAME_PENALTY = 0.1  # a question that names its article prefers that article's sentences
RUNNER_UP_SHARE = 0.2  # a runner-up joins the answer when the verifier rates it at least a fifth as likely (dev answer accuracy 0.73 at 0.5, 0.80 at 0.2; SQuAD unchanged)
MAX_EXTRA_SENTENCES = 2
# Cosine of two words' vectors at which a count's noun names what a how-many question counts (``Answerer.alike``).
SAME_MEANING = 0.7
# A list's lead-in this short is a label a question can name the list by ("Operation Highlights:").
LABEL_WORDS = 5
PART_OPTIONS = 3  # sentences per part of a two-part question considered for the pair
# The share of the bar a lowered bar keeps (the CLI, API and web page call it half the bar), for:
# - a table row or labelled list item the question names by its label, a lookup the verifier (trained
#   on prose) rates low; see docs/verifier.md, "A table row named by its label";
# - the weaker part of a two-part answer whose other part clears the bar and shares a name or two
#   content words with it (``Answerer._corroborate``).
LOWERED_SHARE = 0.5

@dataclass
class Candidate:
    sentence: Sentence
    hit: Hit
    dense: float
    coverage: float
    score: float = 0.0
    context: str = ""
    typed: bool = True
    features: tuple[float, ...] = ()
    reasons: list[str] = field(default_factory=list)


_ASKS_SEVERAL = re.compile(r"\b(?:what|which|name)\s+(?:the\s+)?(?:two|three|four|five)\b", re.I)
_COORDINATION = re.compile(r"\band\b|\bor\b|\bnor\b|\bas well as\b|\bboth\b|&", re.I)
_REASON_WORDS = frozenset({"reason", "reasons", "cause", "causes", "purpose", "motive", "motives", "rationale", "basis", "justification", "why"})
_INSTITUTIONS = r"(?P<kind>department|ministry|office|bureau)"
_INSTITUTION_AFTER = re.compile(r"(?:the )?(?P<field>[a-z][a-z ]*?) " + _INSTITUTIONS)
_INSTITUTION_BEFORE = re.compile(r"(?:the )?" + _INSTITUTIONS + r" of (?:the )?(?P<field>[a-z][a-z ]*)")


@dataclass
class Pool:
    question: Question
    hits: list[Hit]
    candidates: list[Candidate]
    required: list[str]
    unknown: str | None
    # What a sentence is matched against: the question without its reference to an article
    # ("according to the piece on Venezuelan gang influence"), whose words describe the
    # article, not the answer, and are met by the article's title (the veto checks that).
    matched: Question
    matched_required: list[str]
    # The question's words and the names it rules out ("besides the DEA"), spelled out too: a
    # sentence made of nothing else cannot answer. Empty when the question rules nothing out.
    ruled_out: frozenset[str] = frozenset()
    # The table or list the question names ("per the operation detail table", "according to the
    # operation highlights"), as (source, group): its rows or items alone can answer.
    part: tuple[str, int] | None = None
    # The question as it was asked, before places were put in the articles' terms (places.reword).
    asked: str = ""

    @cached_property
    def matched_stems(self) -> frozenset[str]:
        return frozenset(self.matched.stems)

    @cached_property
    def opposites(self) -> tuple[tuple[str, str, str], ...]:
        return prefixed_opposites(words(fold(self.matched.text)))

    @cached_property
    def wh(self) -> str | None:
        """The question's own wh-word ("what", "who", ...); None for a yes/no question or a command."""
        return first_wh_word(fold(self.matched.text))

    @cached_property
    def asks_wh(self) -> bool:
        return self.wh is not None

    @cached_property
    def asks_several(self) -> bool:
        """Does the question ask for two to five things ("What two goals ...?", "Which three agencies ...?")?"""
        return bool(_ASKS_SEVERAL.search(self.matched.text))

    @cached_property
    def negated(self) -> bool:
        """Does the question ask what is not so ("What territory wasn't ceded to Britain?")?"""
        return negated(fold(self.matched.text))

    def features(self, answerer: Answerer, candidates: list[Candidate]) -> np.ndarray:
        """The verifier's rows for these candidates: the one place serving and training build them."""
        return candidate_features(answerer, self.matched, candidates, self.matched_required)


class Answerer:
    """Answers questions from one loaded index. Build once per index; cheap to call."""

    def __init__(
        self, index: CorpusIndex, retriever: Retriever, verifier: Verifier, *, candidates: int = 12, max_answer_chars: int = 400,
    ) -> None:
        self.index = index
        self.retriever = retriever
        self.verifier = verifier
        self.candidates = candidates
        self.max_answer_chars = max_answer_chars
        self._knowledge()

    def _knowledge(self) -> None:
        """Corpus-wide facts computed once: term rarity, acronyms, ordinary words, name spread."""
        index = self.index
        document_frequency: dict[str, int] = {}
        for sentence in index.sentences:
            for stem_ in set(content_stems(sentence.statement)):
                document_frequency[stem_] = document_frequency.get(stem_, 0) + 1
        total = max(1, len(index.sentences))
        self.idf = {t: math.log(1 + total / df) for t, df in document_frequency.items()}
        self.unseen_idf = math.log(1 + total)
        all_text = "\n".join(a.text for a in index.articles.values())
        self.acronyms = entities.acronyms(all_text)
        self.expansions = {fold(v): k for k, v in self.acronyms.items()}
        self.aliases = {**self.acronyms, **{v: k for k, v in self.acronyms.items()}}  # both directions
        self.common_words = frozenset(w for w in re.findall(r"\b[a-z][a-z'’-]+\b", all_text))
        self.corpus_stems = frozenset(content_stems(all_text))  # headings and titles included
        word_articles: dict[str, set[str]] = {}
        for doc_id, article in index.articles.items():
            # Digit runs are indexed too, so "13" is found inside "MS-13" and "2005" inside "2005-2018".
            for word in set(words(article.text)) | set(re.findall(r"\d+", article.text)):
                word_articles.setdefault(word, set()).add(doc_id)
        self.word_articles = {w: frozenset(d) for w, d in word_articles.items()}
        self.words_by_prefix: dict[str, list[str]] = {}
        for word in self.word_articles:
            self.words_by_prefix.setdefault(word[:5], []).append(word)
        self.by_group: dict[tuple[str, int], list[Sentence]] = {}
        for sentence in index.sentences:
            if sentence.group is not None:
                self.by_group.setdefault((sentence.source, sentence.group), []).append(sentence)
        self.doc_of_source = {a.source: a for a in index.articles.values()}
        first_rows: dict[tuple[str, int], int] = {}
        for sentence in index.sentences:
            if sentence.kind == "row" and sentence.group is not None:
                key = (sentence.source, sentence.group)
                first_rows[key] = min(first_rows.get(key, sentence.start), sentence.start)
        self.table_headers = {key: table_headers(self.doc_of_source[key[0]].text, start) for key, start in first_rows.items()}
        # A list headed by a short label ("Operation Highlights:") can be named by it; a label two
        # lists share names neither.
        labels: dict[str, set[tuple[str, int]]] = {}
        for sentence in index.sentences:
            if sentence.kind != "lead_in" or sentence.group is None:
                continue
            label = words(fold(sentence.statement))
            if 2 <= len(label) <= LABEL_WORDS:
                labels.setdefault(" ".join(label), set()).add((sentence.source, sentence.group))
        self.list_labels = {label: next(iter(keys)) for label, keys in labels.items() if len(keys) == 1}
        self.chunk_by_id = {chunk.chunk_id: chunk for chunk in index.chunks}
        self._contexts: dict[int, str] = {}
        self._stems: dict[str, frozenset[str]] = {}
        self._variants: dict[str, list[str]] = {}
        self._stem_lists: dict[str, list[str]] = {}
        self.feature_cache: dict[int, object] = {}  # sentence id -> features.SentenceFacts
        self._frame_stems: dict[int, frozenset[str]] = {}
        self._context_words: dict[str, set[str]] = {}
        self._weights: dict[tuple[str, ...], tuple[dict[str, float], float]] = {}
        self._word_vectors: dict[str, np.ndarray] = {}

    # -- context and constraints -------------------------------------------------

    def context(self, sentence: Sentence) -> str:
        """What a sentence may lean on to meet a constraint: its block, lead-in, section and title."""
        cached = self._contexts.get(sentence.sentence_id)
        if cached is None:
            cached = self._contexts[sentence.sentence_id] = self._build_context(sentence)
        return cached

    def paragraph(self, sentence: Sentence) -> str:
        block = self.doc_of_source[sentence.source].blocks[sentence.block]
        return self.doc_of_source[sentence.source].text[block.start : block.end]

    def stem_list(self, text: str) -> list[str]:
        cached = self._stem_lists.get(text)
        if cached is None:
            if len(self._stem_lists) > 200_000:
                self._stem_lists.clear()
            cached = self._stem_lists[text] = content_stems(text)
        return cached

    def stems_of(self, text: str) -> frozenset[str]:
        cached = self._stems.get(text)
        if cached is None:
            if len(self._stems) > 200_000:  # bounded: a long-running server sees unbounded questions
                self._stems.clear()
            cached = self._stems[text] = frozenset(content_stems(text))
        return cached

    def _build_context(self, sentence: Sentence) -> str:
        article = self.doc_of_source[sentence.source]
        block = article.blocks[sentence.block]
        parts = [article.title, sentence.section or "", article.text[block.start:block.end], sentence.statement]
        if sentence.group is not None and sentence.kind in ("item", "row"):
            members = self.by_group.get((sentence.source, sentence.group), [])
            parts += [s.text for s in members if s.kind == "lead_in"]
            # A table is read as a whole, as a sentence is read with its paragraph: in "Date of
            # Operation | March 15, 2024" the date belongs to the "Arrest Location | San Francisco" row's operation.
            if sentence.kind == "row":
                parts += [s.statement for s in members if s.kind == "row" and s is not sentence]
        return fold(" ".join(parts))

    def _name_variants(self, name: str) -> list[str]:
        """The spellings a name may take in the articles: its acronym or expansion, the other way round."""
        cached = self._variants.get(name)
        if cached is None:
            if len(self._variants) > 20_000:  # bounded: a long-running server sees unbounded questions
                self._variants.clear()
            cached = self._variants[name] = self._spellings(name)
        return cached

    def _spellings(self, name: str) -> list[str]:
        folded = fold(name).removesuffix("'s")
        variants = [folded]
        if folded in UNITED_STATES:
            variants += sorted(UNITED_STATES - {folded})
        if name in self.acronyms:
            variants.append(fold(self.acronyms[name]))
        if folded in self.expansions:
            variants.append(fold(self.expansions[folded]))
        elif len(words(folded)) >= 2:
            # "Homeland Security" ends "Department of Homeland Security" and so is DHS; a name's
            # last words are its head, so a name that only begins another (HSI's) is not it.
            variants += [fold(self.expansions[full]) for full in sorted(self.expansions) if full.endswith(" " + folded)]
        # Institutions are named both ways round: "the Justice Department" is the "Department of Justice".
        for variant in list(variants):
            if (after := _INSTITUTION_AFTER.fullmatch(variant)):
                variants += [f"{after['kind']} of {after['field']}", f"{after['kind']} of the {after['field']}"]
            elif (before := _INSTITUTION_BEFORE.fullmatch(variant)):
                variants.append(f"{before['field']} {before['kind']}")
        return variants

    def name_in(self, name: str, folded_text: str, text_words: set[str] | None = None) -> bool:
        text_words = text_words if text_words is not None else set(words(folded_text))
        for variant in self._name_variants(name):
            if re.search(r"(?<![a-z0-9])" + re.escape(variant) + r"(?![a-z0-9])", folded_text):
                return True
            parts = words(variant)
            # One word may match a relative ("Venezuelan" ~ "Venezuela"); a longer name must match as written.
            if len(parts) == 1 and any(similar_words(parts[0], w) for w in text_words if w[:1] == parts[0][:1]):
                return True
        halves = [h for h in re.split(r"(?<=[A-Za-z.])-(?=[A-Z])", name) if h]
        if len(halves) > 1:  # "U.S.-Mexico" is met where both countries are
            return all(self.name_in(h, folded_text, text_words) for h in halves)
        return False

    def constraints(self, question: Question) -> tuple[list[str], str | None]:
        """The question's distinguishing names, years and figures; or why it cannot be answered."""
        required: list[str] = []
        everywhere = len(self.index.articles)
        for value in question.years + question.numbers:
            if not self._figure_articles(value):
                return [], f"the articles never mention {value}"
            required.append(value)
        for name in question.names:
            present = self.articles_with(name)
            if not present:
                return [], f"the articles never mention {name}"
            if len(present) < everywhere:  # a name every article shares distinguishes nothing
                required.append(name)
        return required, None

    def _figure_articles(self, figure: str) -> frozenset[str]:
        """Articles holding every digit run of a figure ("1,400" is "1" and "400" in the word index)."""
        runs = re.findall(r"\d+", figure)
        return frozenset.intersection(*(self.word_articles.get(r, frozenset()) for r in runs)) if runs else frozenset()

    def articles_with(self, name: str, *, relatives: bool = True) -> frozenset[str]:
        """Articles holding every word of the name (or of an acronym variant), from the word index."""
        found: set[str] = set()
        halves = [h for h in re.split(r"(?<=[A-Za-z.])-(?=[A-Z])", name) if h]
        if len(halves) > 1:  # "U.S.-Mexico": both halves
            return frozenset.intersection(*(self.articles_with(h, relatives=relatives) for h in halves))
        for variant in self._name_variants(name):
            parts = words(variant)
            if not parts:
                continue
            holders = None
            for part in parts:
                with_part = set(self.word_articles.get(part, ()))
                if relatives and len(parts) == 1:
                    for relative in self.relatives(part):
                        with_part |= self.word_articles[relative]
                holders = with_part if holders is None else holders & with_part
            found |= holders or set()
        return frozenset(found)

    def relatives(self, word: str) -> list[str]:
        """Corpus words sharing a long stem with ``word``: 'venezuelan' -> ['venezuela', ...]."""
        return [w for w in self.words_by_prefix.get(word[:5], ()) if similar_words(word, w)]

    def other_spellings(self, question: Question) -> tuple[str, ...]:
        """The question's acronyms spelled out and its spelled-out names as acronyms, folded."""
        return tuple(fold(other) for name, other in self.aliases.items() if re.search(rf"\b{re.escape(name)}\b", question.text))

    def _met(self, required: list[str], context: str) -> set[str]:
        context_words = self._context_words.get(context)
        if context_words is None:  # contexts are few and fixed per index, so this stays small
            context_words = self._context_words[context] = set(words(context))
        met = set()
        for item in required:
            if item[:1].isdigit():
                if item in context or item.replace(",", "") in context.replace(",", ""):
                    met.add(item)
            elif self.name_in(item, context, context_words):
                met.add(item)
        return met

    # -- scoring -----------------------------------------------------------------

    def coverage(self, question: Question, text: str, variants: dict[str, frozenset[str]] | None = None) -> float:
        """IDF-weighted share of the question's stems found in ``text`` (or any of a stem's variants)."""
        weights, total = self.weights(question.stems)
        if not total:
            return 0.0
        have = self.stems_of(text)
        if variants:
            found = [t for t in weights if t in have or variants.get(t, frozenset()) & have]
        else:
            found = weights.keys() & have
        return sum(weights[t] for t in found) / total

    def foreign_share(self, question: Question) -> float:
        """The share of the question's IDF weight in words no document uses ("fees" where the
        articles say "prices"): what no sentence can echo, whichever answers."""
        weights, total = self.weights(question.stems)
        return sum(w for t, w in weights.items() if t not in self.idf) / total if total else 0.0

    def weights(self, stems: tuple[str, ...]) -> tuple[dict[str, float], float]:
        """IDF weight of each distinct stem and their total; memoised, as every candidate sentence asks."""
        cached = self._weights.get(stems)
        if cached is None:
            if len(self._weights) > 10_000:
                self._weights.clear()
            weights = {t: self.idf.get(t, self.unseen_idf) for t in dict.fromkeys(stems)}
            cached = self._weights[stems] = (weights, sum(weights.values()))
        return cached

    def variants(self, stems: tuple[str, ...]) -> dict[str, frozenset[str]]:
        """Corpus stems that are relatives of each stem: 'mexico' -> {'mexican'}."""
        return {t: frozenset(v for v in self.idf if v != t and v[:1] == t[:1] and similar_words(t, v)) for t in stems}

    def focus_coverage(self, question: Question, sentence: Sentence) -> float:
        """Coverage of the question words that the sentence's frame (title, heading, lead-in) lacks.

        "What do ICE's targeted enforcement operations often result in?" shares its topic
        with the whole section; only "result in" singles out the sentence that answers.
        """
        frame = self._frame_stems.get(sentence.sentence_id)
        if frame is None:
            frame = self._frame_stems[sentence.sentence_id] = frozenset(content_stems(self.frame(sentence)))
        focus = [t for t in question.stems if t not in frame]
        if not focus:
            return self.coverage(question, sentence.statement)
        weights = self.weights(question.stems)[0]
        have = self.stems_of(sentence.statement)
        return sum(weights[t] for t in focus if t in have) / sum(weights[t] for t in focus)

    def frame(self, sentence: Sentence) -> str:
        article = self.doc_of_source[sentence.source]
        parts = [article.title, sentence.section or ""]
        if sentence.group is not None and sentence.kind in ("item", "row"):
            parts += [s.text for s in self.by_group.get((sentence.source, sentence.group), []) if s.kind == "lead_in"]
        return " ".join(parts)

    def framed_source(self, question: Question) -> str | None:
        """The one article a question names ("the piece on Venezuelan gang influence"), if clear."""
        if len(question.frames) != 1:
            return None
        frame = set(content_stems(question.frames[0]))
        if not frame:
            return None
        scores = {}
        for article in self.index.articles.values():
            described = set(content_stems(" ".join([article.title] + [s.heading or "" for s in article.sections])))
            scores[article.source] = sum(self.idf.get(t, self.unseen_idf) for t in frame & described) / sum(
                self.idf.get(t, self.unseen_idf) for t in frame
            )
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        best, runner_up = ranked[0], ranked[1] if len(ranked) > 1 else ("", 0.0)
        return best[0] if best[1] >= 0.5 and best[1] > runner_up[1] else None

    def named_table(self, question: Question) -> tuple[str, int] | None:
        """The one table a question names by its headers ("the operation detail table"), if clear:
        every word of the name is among one table's headers, and no other table's fit is as good
        ("operation detail" fits "Operation Detail | Information" whole, "Operation Aspect |
        Details" only word by word)."""
        if not question.table:
            return None
        name = fold(question.table)
        wanted = set(content_stems(name))
        if not wanted:
            return None
        fits = []
        for key, headers in self.table_headers.items():
            have = set(content_stems(" ".join(headers)))
            if wanted <= have:
                whole = any(" ".join(words(fold(header))) == " ".join(words(name)) for header in headers)
                fits.append((whole, key))
        fits.sort(reverse=True)
        if not fits or (len(fits) > 1 and fits[1][0] == fits[0][0]):
            return None
        return fits[0][1]

    def named_part(self, question: Question) -> tuple[str, int] | None:
        """The table the question names by its headers, or else the list it names by its label: "the"
        and every word of a list's short lead-in ("according to the operation highlights" names the
        list under "Operation Highlights:")."""
        if question.table:
            return self.named_table(question)
        asked = f" {' '.join(words(fold(question.text)))} "
        named = {key for label, key in self.list_labels.items() if f" the {label} " in asked}
        return next(iter(named)) if len(named) == 1 else None

    def candidates_for(self, question: Question, matched: Question, query_vector: np.ndarray, hits: list[Hit]) -> list[Candidate]:
        """Candidate sentences of the hits, pre-ranked against ``matched`` (the question without its
        reference to an article); ``question`` names the article that reference points to."""
        framed = self.framed_source(question)
        question = matched
        pairs = [(hit, sentence_id) for hit in hits for sentence_id in hit.chunk.sentence_ids]
        if not pairs:
            return []
        dense_scores = self.index.sentence_vectors[[sid for _, sid in pairs]] @ query_vector
        found = []
        for (hit, sentence_id), dense in zip(pairs, dense_scores.tolist()):
            sentence = self.index.sentences[sentence_id]
            context = self.context(sentence)
            features = (self.focus_coverage(question, sentence), self.coverage(question, sentence.statement), self.coverage(question, context))
            coverage = sum(w * f for w, f in zip(COVERAGE_MIX, features))
            candidate = Candidate(sentence, hit, dense, coverage, context=context, features=features)
            candidate.score = DENSE_WEIGHT * dense + COVERAGE_WEIGHT * coverage + CHUNK_WEIGHT * hit.score
            if framed and sentence.source != framed:
                candidate.score -= FRAME_PENALTY
            found.append(candidate)
        found.sort(key=lambda c: (-c.score, c.sentence.sentence_id))
        # The answer-type check is the costly part; sentences ranked below these cannot be chosen anyway.
        also_named = self.other_spellings(question) if question.answer_type == "organisation" else ()
        self._word_vectors_of(words_a_count_may_name(question, [c.sentence.statement for c in found[:POOL_SIZE]]))
        for rank, candidate in enumerate(found):
            candidate.typed = question.answer_type is None or rank < POOL_SIZE and holds_answer_type(
                question, candidate.sentence.statement, common_words=self.common_words, also_named=also_named, alike=self.alike,
            )
        return found

    # -- answering ---------------------------------------------------------------

    def pool(self, question_text: str, *, top_k: int = 5, chunks: int | None = None) -> Pool:
        """Everything the answer is chosen from: passages, ranked candidate sentences, constraints.

        ``chunks`` widens the passages whose sentences become candidates (a brief reads more of
        them than an answer needs)."""
        chunks = chunks or self.candidates
        asked = validate_question(question_text)
        question_text = places.reword(asked, lambda name: len(self.articles_with(name)))
        question = analyse_question(question_text)
        # "According to the piece on X, ...": passages are found with the whole question,
        # sentences are matched on the rest. One batched call embeds both.
        texts = [question_text] if question.core == question_text else [question_text, question.core]
        vectors = self.retriever.embedder.embed_batch(texts)
        query_vector, sentence_vector = vectors[0], vectors[-1]
        hits = self.retriever.search(question_text, top_k=max(top_k, chunks), query_vector=query_vector)
        required, unknown = self.constraints(question)
        matched, matched_required = question, required
        if question.core != question_text:
            matched = analyse_question(question.core)
            matched_required = self.constraints(matched)[0]
        candidates = self.candidates_for(question, matched, sentence_vector, hits[:chunks])
        ruled_out = frozenset(question.stems).union(
            *(self.stems_of(variant) for name in question.excluded for variant in self._name_variants(name))
        ) if question.excluded else frozenset()
        return Pool(question, hits, candidates, required, unknown, matched, matched_required, ruled_out, self.named_part(question), asked)

    def judge(self, pool: Pool) -> list[Candidate]:
        """The pool's candidates scored by the verifier in one batch, best first (scores are raw)."""
        candidates = pool.candidates[:POOL_SIZE]
        if not candidates:
            return []
        raw = self.verifier.score(pool.features(self, candidates))
        for candidate, probability in zip(candidates, raw.tolist()):
            candidate.score = probability
        return sorted(candidates, key=lambda c: (-c.score, c.sentence.sentence_id))

    def ask(self, question_text: str, *, top_k: int = 5, min_confidence: float | None = None) -> Answer:
        """``min_confidence`` replaces the verifier's threshold for this question; the vetoes still apply."""
        threshold = self.verifier.card.threshold if min_confidence is None else min_confidence
        pool = self.pool(question_text, top_k=top_k)
        question = pool.question
        passages = self._passages([], pool.hits, top_k)

        def abstain(
            reason: str, confidence: float = 0.0, shown: tuple[Hit, ...] = passages, needed: float | None = None, lowered_for: str = "",
        ) -> Answer:
            return Answer(pool.asked, False, None, _shown_below(confidence, needed), (), shown, reason, needed, lowered_for)

        if pool.unknown:  # a name or figure the articles never mention: nothing here can be about it
            return abstain(pool.unknown)
        ranked = self.judge(pool)
        if not ranked:
            return abstain("nothing in the articles is close to the question")
        reranked = self._rerank(pool.hits, ranked)
        if pool.part is not None:  # the table or list the question names is shown first, answered or not
            reranked = tuple(sorted(reranked, key=lambda hit: not self._holds_part(hit.chunk, pool.part)))
        passages = self._passages([], reranked, top_k)
        ranked = [c for c in ranked if self.eligible(c, pool)]
        split = split_parts(question.text) if question.conjunctive else None
        if split is None and len(pool.required) > 1 and not self._held_together(pool.required):
            split = self._split_by_names(question.text, pool.required)
        if split:  # a two-part question is answered part by part, or not at all
            # Its passages are each part's best, in turn: the question is two retrievals.
            parts, part_passages = self._two_parts(question, split, threshold)
            if not parts:
                shown = self._passages([], [*part_passages, *reranked], top_k)
                return abstain("no two passages answer both parts of the question", 0.0, shown, threshold)
            units, confidence = parts
            answer_text, citations = self._render(units)
            shown = self._passages(units, [*part_passages, *reranked], top_k)
            corroborated = confidence < threshold
            needed = threshold * LOWERED_SHARE if corroborated else threshold
            return Answer(
                pool.asked, True, answer_text, round(confidence, 3), citations, shown, needed=needed,
                lowered_for=CORROBORATED_PART if corroborated else "",
            )
        if not ranked:
            return abstain(self._veto_reason(pool), 0.0, passages)
        confidence = self.verifier.confidence(ranked[0].score, self.foreign_share(pool.matched))
        looked_up = self.looked_up(question, ranked[0].sentence)
        bar = threshold * LOWERED_SHARE if looked_up else threshold
        if confidence < bar:
            return abstain(
                f"no passage is likely to answer it: confidence {_three_places_or_more(_shown_below(confidence, bar))}, below the {bar:g} needed",
                confidence, passages, bar, LABELLED_LOOKUP if looked_up else "",
            )
        chosen = self._choose(question, ranked, pool.required)
        units = self._expand_lists(question, chosen)
        answer_text, citations = self._render(units)
        return Answer(
            pool.asked, True, answer_text, round(confidence, 3), citations, self._passages(units, reranked, top_k), needed=bar,
            lowered_for=LABELLED_LOOKUP if looked_up else "",
        )

    def looked_up(self, question: Question, sentence: Sentence) -> bool:
        """Is the sentence a table row or list item the question names by its label, holding what a
        where- or when-question asks for? "Where is the Operation Sentinel targeting center?" names
        the item "Operation Sentinel: Identifies human smugglers ...", which says what it does, not where."""
        if not names_by_label(question.text, sentence):
            return False
        asked = next((_LOOKUP_KINDS[w] for w in words(question.text)[:12] if w in _LOOKUP_KINDS), None)
        if asked is None:
            return True
        return holds_answer_type(replace(question, answer_type=asked), sentence.statement, common_words=self.common_words)

    def _passages(self, units: list[Sentence], hits: tuple[Hit, ...] | list[Hit], top_k: int) -> tuple[Hit, ...]:
        """The passages an answer shows: the chunks it quotes first (a pair's second sentence or a
        list's items may sit in chunks ranked below the first few), then the best of the rest.

        When all of them would come from one document and another document has a retrieved
        passage, that document's best takes the last place that nothing quoted holds. A question
        that spans two articles needs both (held-out news recall@5: mixed 0.929 -> 0.946, fresh
        0.972 -> 1.00), and a one-article question rarely rests on its fifth passage (SQuAD
        held-out 0.947 -> 0.944, one question, in a corpus of only two articles).
        """
        known: dict[int, Hit] = {}
        for hit in hits:
            known.setdefault(hit.chunk.chunk_id, hit)
        cited = list(dict.fromkeys(unit.chunk_id for unit in units))
        first = [known.get(chunk_id) or Hit(self.chunk_by_id[chunk_id], 0.0) for chunk_id in cited]
        ordered = first + [hit for chunk_id, hit in known.items() if chunk_id not in cited]
        shown = ordered[:top_k]
        if len(shown) > 1 and len(shown) > len(cited) and len({hit.chunk.source for hit in shown}) == 1:
            other = next((hit for hit in ordered[top_k:] if hit.chunk.source != shown[0].chunk.source), None)
            if other is not None:
                shown[-1] = other
        return tuple(shown)

    def _two_parts(
        self, question: Question, split: tuple[str, str], threshold: float,
    ) -> tuple[tuple[list[Sentence], float] | None, list[Hit]]:
        """Answer "What X is cited both as A and as B?" as two one-sentence questions.

        Each part is judged on its own; among each part's few sentences, the pair whose
        sentences share a word the question does not use (the thing both parts ask for) is the
        answer, best lower confidence first. One sentence of the pair must clear the threshold;
        the other, if the two corroborate each other, needs ``LOWERED_SHARE`` of it. A lead-in stands for
        its list items, as it does for any answer. Also returns the parts' passages, each
        part's best in turn.
        """
        options: list[list[tuple[list[Sentence], float]]] = []
        part_passages: list[tuple[Hit, ...]] = []
        for part_text in split:
            part = self.pool(part_text)
            if part.unknown:
                return None, []
            judged = self.judge(part)
            part_passages.append(self._rerank(part.hits, judged))
            found = []
            share = self.foreign_share(part.matched)
            for candidate in [c for c in judged if self.eligible(c, part)][:PART_OPTIONS]:
                confidence = self.verifier.confidence(candidate.score, share)
                if confidence >= threshold * LOWERED_SHARE:
                    found.append((self.readings(candidate.sentence), confidence))
            options.append(found)
        # The question's own words, its acronyms spelled out included, cannot be what the parts share.
        asked = set(question.stems) | {t for other in self.other_spellings(question) for t in self.stems_of(other)}
        best: tuple[float, list[Sentence]] | None = None
        for first_readings, first_confidence in options[0]:
            for second_readings, second_confidence in options[1]:
                confidence = min(first_confidence, second_confidence)
                if max(first_confidence, second_confidence) < threshold or (best is not None and confidence <= best[0]):
                    continue
                shares_enough = self._share_answer if confidence >= threshold else self._corroborate
                for first in first_readings:
                    for second in second_readings:
                        if first[-1] == second[-1]:
                            continue
                        pair = self._within_limit(first + second)
                        if pair is not None and shares_enough(question, pair[len(first) - 1], pair[-1], asked):
                            best = (confidence, pair)
                            break
                    else:
                        continue
                    break
        in_turn = [hit for group in zip_longest(*part_passages) for hit in group if hit is not None]
        return ((best[1], best[0]) if best else None), in_turn

    def _within_limit(self, units: list[Sentence]) -> list[Sentence] | None:
        """A two-part answer as it fits the length limit: whole, or with its longest sentence or
        list item quoted up to a clause break (", which ...", "; ...") if that is enough; None if nothing fits.
        The cut quote is still verbatim, from the sentence's own start."""
        if _size(units) <= self.max_answer_chars:
            return units
        longest = max(range(len(units)), key=lambda i: len(units[i].text))
        unit = units[longest]
        if unit.kind not in ("sentence", "item") or unit.statement != unit.text:
            return None
        room = self.max_answer_chars - (_size(units) - len(unit.text))
        breaks = [m.start() for m in _CLAUSE_BREAK.finditer(unit.text) if m.start() <= room]
        if not breaks:
            return None
        clause = unit.text[: breaks[-1]]
        return [*units[:longest], replace(unit, end=unit.start + len(clause), text=clause, statement=clause), *units[longest + 1 :]]

    def _held_together(self, required: list[str]) -> bool:
        """Does some article mention every one of these names and figures?"""
        holders = [self._figure_articles(item) if item[:1].isdigit() else self.articles_with(item) for item in required]
        return bool(frozenset.intersection(*holders))

    def _split_by_names(self, text: str, required: list[str]) -> tuple[str, str] | None:
        """A question whose names no one article holds together asks about two: "Which cartel had a
        member deported from San Francisco and a former kingpin whose extradition HSI counts as a
        landmark?" names San Francisco (one article) and HSI (another). It is split at the "and"
        that leaves each part names one article holds, and is then answered part by part."""
        for first, second in splits_at_and(text):
            parts = [[item for item in required if item in part] for part in (first, second)]
            if all(parts) and len(parts[0]) + len(parts[1]) >= len(required) and all(self._held_together(p) for p in parts):
                return first, second
        return None

    def _share_answer(self, question: Question, first: Sentence, second: Sentence, asked: set[str]) -> bool:
        """Do two parts' sentences share what both parts ask for: a word the question does not use?

        When the question asks for a name (an agency, a country, a person), the shared word
        must be part of a name in both sentences: two vague parts' best sentences often share
        only a common phrase ("law enforcement"), which is not an answer to "Which agency ...?".
        """
        if question.answer_type in NAMED_TYPES:
            return bool(self._shared_names(first, second, asked))
        return bool(self.stems_of(first.statement) & self.stems_of(second.statement) - asked)

    def _corroborate(self, question: Question, first: Sentence, second: Sentence, asked: set[str]) -> bool:
        """Do two parts' sentences share enough to lend the weaker one the stronger one's
        confidence: a name both give, or two content words ("money laundering"), not one common
        word ("often"), which any two sentences may share."""
        if self._shared_names(first, second, asked):
            return True
        return question.answer_type not in NAMED_TYPES and len(self.stems_of(first.statement) & self.stems_of(second.statement) - asked) >= 2

    def _shared_names(self, first: Sentence, second: Sentence, asked: set[str]) -> frozenset[str]:
        """Stems of capitalised words both sentences use and the question does not."""
        return self._name_stems(first) & self._name_stems(second) - asked

    def _name_stems(self, sentence: Sentence) -> frozenset[str]:
        """Stems of the sentence's capitalised words; its first word only if the articles never write it in lower case."""
        found = set()
        for position, match in enumerate(re.finditer(r"[A-Za-z][\w.'’-]*", sentence.statement)):
            word = match.group()
            if word[0].isupper() and (position > 0 or word.lower() not in self.common_words):
                found |= self.stems_of(word)
        return frozenset(found)

    def readings(self, sentence: Sentence) -> list[list[Sentence]]:
        """What a sentence can contribute to an answer: itself or, for a lead-in, one of its items after it
        (a two-part answer takes one reading; training labels a lead-in by all of them)."""
        if sentence.kind != "lead_in" or sentence.group is None:
            return [[sentence]]
        items = [m for m in self.by_group.get((sentence.source, sentence.group), []) if m.kind == "item"]
        return [[sentence, item] for item in items] or [[sentence]]

    def introduced_list(self, sentence: Sentence) -> list[Sentence]:
        """The list a sentence introduces through an anaphoric lead-in right after it, in its paragraph:
        "Community-focused initiatives should be prioritized. These include: - ..." gives the
        lead-in and its items; any other sentence gives nothing."""
        following = self._next_in_paragraph(sentence, "lead_in")
        if following is None or following.group is None:
            return []
        # Only a lead-in that points back ("This includes:") leans on the sentence; "Key partners
        # include:" says what its list is by itself.
        if fold(following.text.split(maxsplit=1)[0]) not in _ANAPHORA:
            return []
        members = [m for m in self.by_group.get((following.source, following.group), []) if m.kind in ("lead_in", "item")]
        return members if any(m.kind == "item" for m in members) else []

    def _enumeration_after(self, sentence: Sentence) -> Sentence | None:
        """The next sentence of the paragraph when it lists what this one names ("... has resulted
        in 30,000 law enforcement actions ... These actions include seizing financial assets, ..."):
        an inline list, which a question asking for several things needs as much as the sentence.
        Serving only: training never quotes more than one sentence."""
        following = self._next_in_paragraph(sentence, "sentence")
        if following is None:
            return None
        opening = _ENUMERATION.match(fold(following.text))
        if not opening or (opening["noun"] and stem(opening["noun"]) not in self.stems_of(sentence.statement)):
            return None
        return following

    def eligible(self, candidate: Candidate, pool: Pool) -> bool:
        """The vetoes kept from the rules, because they earn their place on data.

        Unless the question has two parts, the sentence's context must mention every name,
        year and figure the question insists on (on the training articles this refuses 5% of
        true answer sentences and 36% of the rest). A sentence that says nothing the question does
        not already say cannot answer it, and a sentence that negates nothing does not answer a
        question that asks what is not so. The answer-type check refuses a sentence
        only for the answer types whose check the training data shows to be reliable: the
        card's ``veto_types``, chosen by scripts/train_verifier.py. For the other types it is
        a feature and nothing more.
        """
        if not candidate.typed and pool.question.answer_type in self.verifier.card.veto_types:
            return False
        if self._only_repeats(candidate, pool) or self._misses_negation(candidate, pool) or self.word_veto(candidate, pool):
            return False
        if pool.required and not pool.question.conjunctive:
            return self._met(pool.required, candidate.context) == set(pool.required)
        return True

    def alike(self, word: str, others: list[str]) -> bool:
        """Does one of ``others`` mean what ``word`` does, by the embedder's vectors of the words read
        alone? "nations" ~ "countries" 0.79, "staff" ~ "personnel" 0.73, "weapons" ~ "firearms"
        0.75, against "operations" ~ "actions" 0.51 and "arrests" ~ "seizures" 0.20. Only a
        how-many question whose counted noun no sentence spells out pays for it."""
        if not others:
            return False
        vectors = self._word_vectors_of([word, *others])
        return any(float(vectors[word] @ vectors[other]) >= SAME_MEANING for other in others)

    def _word_vectors_of(self, wanted: list[str]) -> dict[str, np.ndarray]:
        """Unit vectors of words read alone, the missing ones embedded in one batch and cached. Read
        into a local dict first: another request may clear the shared cache meanwhile."""
        vectors = {w: self._word_vectors.get(w) for w in dict.fromkeys(wanted)}
        missing = [w for w, vector in vectors.items() if vector is None]
        if missing:
            vectors.update(zip(missing, self.retriever.embedder.embed_batch(missing)))
            if len(self._word_vectors) > 50_000:  # bounded: a long-running server sees unbounded questions
                self._word_vectors.clear()
            self._word_vectors.update((w, vectors[w]) for w in missing)
        return vectors

    def word_veto(self, candidate: Candidate, pool: Pool) -> bool:
        """The vetoes read off the words alone (training records them per row, as ``Rows.word_vetoed``):
        the sentence names only what the question rules out, or for a who-question no one but whom it
        names, or for a which-bank question no name at all, lies outside the table or list the question
        names, counts something other than what a how-many question asks about, or speaks of the
        opposite of what it asks."""
        if self._is_excluded(candidate, pool) or self._outside_named_part(candidate, pool):
            return True
        if self._names_no_one_new(candidate, pool) or self._names_nothing_new(candidate, pool):
            return True
        if not counts_what_is_asked(pool.question, candidate.sentence.statement, alike=self.alike):
            return True
        if self._row_without_reason(candidate, pool) or self._one_where_several_asked(candidate, pool):
            return True
        if not pool.opposites:
            return False
        facts = sentence_facts(self, candidate)
        return asks_the_opposite(pool.opposites, facts.words, facts.stem_set, facts.negated)

    def _row_without_reason(self, candidate: Candidate, pool: Pool) -> bool:
        """A why-question is not answered by a table row that gives no reason: "Deportation
        Destination | Guadalajara" says where, not why ("Legal Basis | ..." may say why)."""
        return (
            candidate.sentence.kind == "row" and pool.wh == "why"
            and not _REASON_WORDS & sentence_facts(self, candidate).words
        )

    def _one_where_several_asked(self, candidate: Candidate, pool: Pool) -> bool:
        """"What two goals ...?" is not answered by a sentence that coordinates nothing: every one of
        our 69 answerable questions asking for two to five things (news and SQuAD) has an "and" or an
        "or" in its answer (a comma alone would let "Through outreach programs, ICE works ..." answer
        "what two dangers ...?"). A list item or lead-in stands for its whole list, so only prose
        is held to it."""
        return (
            candidate.sentence.kind == "sentence" and pool.asks_several
            and not _COORDINATION.search(candidate.sentence.statement)
        )

    def _names_no_one_new(self, candidate: Candidate, pool: Pool) -> bool:
        # The type is checked first so that only who-questions read (and cache) a sentence's names.
        return pool.question.answer_type in WHO_TYPES and names_no_one_new(
            pool.question, sentence_facts(self, candidate).names, common_words=self.common_words, places=self.places
        )

    def _names_nothing_new(self, candidate: Candidate, pool: Pool) -> bool:
        return pool.question.named_kind is not None and names_nothing_new(pool.question, sentence_facts(self, candidate).names)

    @cached_property
    def places(self) -> frozenset[str]:
        """Names the documents put something in ("in San Francisco"): read by who-questions only,
        so found on the first one, not when the index loads."""
        return frozenset().union(*(place_names(a.text) for a in self.index.articles.values()))

    def _is_excluded(self, candidate: Candidate, pool: Pool) -> bool:
        """Does the sentence name only what the question rules out? "Which agency besides the DEA ...?"
        is not answered by "- Drug Enforcement Administration (DEA)", but "Besides Central America,
        through which region ...?" is by "... through Central America and the Caribbean"."""
        return bool(pool.ruled_out) and not self.stems_of(candidate.sentence.statement) - pool.ruled_out

    def _holds_part(self, chunk: Chunk, part: tuple[str, int]) -> bool:
        sentences = self.index.sentences
        return any(sentences[i].kind in ("row", "item") and (sentences[i].source, sentences[i].group) == part for i in chunk.sentence_ids)

    def _outside_named_part(self, candidate: Candidate, pool: Pool) -> bool:
        """"On what date did the operation take place, per the operation detail table?" is not
        answered by "Removal Date: April 2024", a list item beside it, nor "Where was he arrested,
        according to the operation highlights?" by a table row. A two-part question may take its
        other part from anywhere."""
        if pool.part is None or pool.question.conjunctive:
            return False
        sentence = candidate.sentence
        return sentence.kind not in ("row", "item") or (sentence.source, sentence.group) != pool.part

    def _misses_negation(self, candidate: Candidate, pool: Pool) -> bool:
        """"What territory wasn't ceded to Britain?" is not answered by "France ceded its territory
        east of the Mississippi to Great Britain.": the sentence states the opposite case.

        On the SQuAD training articles 145 of the 168 questions that negate are unanswerable,
        and 11 of the other 23 are answered by a sentence that negates nothing: the veto costs
        those to refuse the near misses that only add a "not" to their paragraph's sentence.
        """
        return pool.negated and not sentence_facts(self, candidate).negated

    def _only_repeats(self, candidate: Candidate, pool: Pool) -> bool:
        """A sentence with no content word the question lacks answers a wh-question with nothing.

        A lead-in is quoted with its items, so it may, and so may a sentence that introduces a
        list through the lead-in after it ("... should be prioritized. These include:"); and "Is
        X as critical as Y?" is answered by the sentence that says so, so questions without a
        wh-word are exempt.
        """
        if candidate.sentence.kind == "lead_in" or not pool.asks_wh:
            return False
        return self.stems_of(candidate.sentence.statement) <= pool.matched_stems and not self.introduced_list(candidate.sentence)

    def _veto_reason(self, pool: Pool) -> str:
        """Why every candidate was refused, as precisely as the vetoes allow."""
        kind = pool.question.answer_type
        candidates = pool.candidates[:POOL_SIZE]
        giving = ""
        if kind in self.verifier.card.veto_types:
            candidates = [c for c in candidates if c.typed]
            if not candidates:
                return f"no relevant passage gives {_a(kind)}"
            giving = f"that gives {_a(kind)} "
        met = [self._met(pool.required, c.context) for c in candidates]
        missing = [item for item in pool.required if not any(item in m for m in met)]
        if missing:
            return f"no relevant passage {giving}mentions {_and(missing)}"
        if len(pool.required) > 1 and not any(m == set(pool.required) for m in met):
            return f"no relevant passage {giving}mentions {_and(pool.required)} together"
        if pool.negated and not any(sentence_facts(self, c).negated for c in candidates):
            return f"the question asks about what is not so, and no relevant passage {giving}negates anything"
        # The word vetoes explain the refusal of the passages that mention everything the question names.
        if pool.required and not pool.question.conjunctive:
            candidates = [c for c, m in zip(candidates, met) if m == set(pool.required)]
        vetoed = [self.word_veto(c, pool) for c in candidates]
        no_one_new = any(self._names_no_one_new(c, pool) for c in candidates)
        if any(vetoed) and all(v or self._only_repeats(c, pool) for c, v in zip(candidates, vetoed)):
            if any(self._is_excluded(c, pool) for c in candidates):
                return f"the passages that could answer it name only {_and(list(pool.question.excluded))}, which the question rules out"
            if any(self._outside_named_part(c, pool) for c in candidates):
                return "no row or item of the table or list the question names answers it"
            if no_one_new:
                return "the passages that could answer it name no one but whom the question names"
            if any(self._names_nothing_new(c, pool) for c in candidates):
                return f"the passages that could answer it name no {pool.question.named_kind}"
            if not any(counts_what_is_asked(pool.question, c.sentence.statement, alike=self.alike) for c in candidates):
                return f"the passages that could answer it count something other than {pool.question.focus}"
            if any(self._row_without_reason(c, pool) for c in candidates):
                return "the passages that could answer it are table rows that give no reason"
            return "the passages that could answer it speak of the opposite of what it asks"
        if no_one_new:
            return "the passages that could answer it name no one but whom the question names, or only repeat it"
        return "the passages that could answer it only repeat the question"

    def _rerank(self, hits: list[Hit], ranked: list[Candidate]) -> tuple[Hit, ...]:
        """Passages in the order of their best verified sentence; passages without a scored sentence follow."""
        best: dict[int, float] = {}
        for candidate in ranked:
            best.setdefault(candidate.hit.chunk.chunk_id, candidate.score)
        order = {hit.chunk.chunk_id: position for position, hit in enumerate(hits)}
        return tuple(sorted(hits, key=lambda h: (-best.get(h.chunk.chunk_id, -1.0), order[h.chunk.chunk_id])))

    def _choose(self, question: Question, ranked: list[Candidate], required: list[str]) -> list[Candidate]:
        """The verifier's best sentence, with what completes it; a two-part question may need a pair."""
        best = ranked[0]
        needed = set(required)
        if question.conjunctive and self._met(required, best.context) != needed:
            pair = self._pair(question, ranked, required)
            if pair:
                return pair
        return [best] + self._supporting(question, best, ranked, needed)

    def _pair(self, question: Question, ranked: list[Candidate], required: list[str]) -> list[Candidate] | None:
        """Two sentences that together meet a two-part question ("cited both as ... and as ...").

        The answer to such a question is what the two sentences share, so a pair that
        shares rare words the question does not use ranks above one that merely co-occurs.
        """
        pool = [c for c in ranked[:15] if c.score >= RUNNER_UP_SHARE * ranked[0].score]
        needed, asked = set(required), set(question.stems)
        best: tuple[float, list[Candidate]] | None = None
        for i, first in enumerate(pool):
            first_met = self._met(required, first.context)
            first_stems = self.stems_of(first.sentence.statement) - asked
            for second in pool[i + 1 :]:
                if second.sentence.block == first.sentence.block and second.sentence.source == first.sentence.source:
                    continue
                if first_met | self._met(required, second.context) != needed:
                    continue
                shared = first_stems & self.stems_of(second.sentence.statement)
                bonus = PAIR_SHARED_BONUS * min(1.0, max((self.idf.get(t, 0.0) for t in shared), default=0.0) / 4)
                joint = self.coverage(question, f"{first.sentence.statement} {second.sentence.statement}")
                score = (first.score + second.score) / 2 + bonus + PAIR_COVERAGE_WEIGHT * joint
                if best is None or score > best[0]:
                    best = (score, [first, second])
        return best[1] if best else None

    def _supporting(self, question: Question, best: Candidate, typed: list[Candidate], needed: set[str]) -> list[Candidate]:
        """A second sentence: the one in the same paragraph that covers what the best one leaves
        out ("Targeted operations are a pillar... These operations often result in arrests"),
        else a runner-up almost as good."""
        # Words the corpus never uses cannot be covered by any sentence, so they do not count.
        residual = [t for t in question.stems if t in self.idf and t not in self.stems_of(best.sentence.statement)]
        neighbours = [c for c in typed if c is not best and c.sentence.block == best.sentence.block and c.sentence.source == best.sentence.source]
        extras: list[Candidate] = []
        if residual and neighbours:
            residual_question = Question(question.text, None, None, (), (), (), tuple(residual), False, False)
            completing = max(neighbours, key=lambda c: (self.coverage(residual_question, c.sentence.statement), c.score))
            if self.coverage(residual_question, completing.sentence.statement) >= 0.5:
                extras.append(completing)
        position = typed.index(best)
        for other in typed[position + 1 : position + 1 + MAX_EXTRA_SENTENCES]:
            if len(extras) >= MAX_EXTRA_SENTENCES:
                break
            if other not in extras and other.score >= RUNNER_UP_SHARE * best.score and self._met(list(needed), other.context) == needed:
                extras.append(other)
        return extras

    def _expand_lists(self, question: Question, chosen: list[Candidate]) -> list[Sentence]:
        """A lead-in brings its items (as many as fit); a list question that hits one item gets the whole list if it fits."""
        units: list[Sentence] = []
        protected = 0
        for candidate in chosen:
            sentence = candidate.sentence
            introduced = self.introduced_list(sentence)
            # A sentence that restates the question answers it only through the list it introduces,
            # and one chosen with an item of that list answers with the list, not the one item.
            if introduced and (
                question.wants_list or self.stems_of(sentence.statement) <= set(question.stems)
                or any(other.sentence in introduced for other in chosen)
            ):
                group = self._leading_fit([sentence, *introduced])
                if len(group) > 2:  # the sentence, its lead-in and at least one item
                    units = _merged(units, group)
                    if candidate is chosen[0]:
                        protected = len(units)
                    continue
            enumeration = self._enumeration_after(sentence) if question.wants_list and candidate is chosen[0] else None
            if enumeration is not None and _size([sentence, enumeration]) <= self.max_answer_chars:
                units += [sentence, enumeration]
                protected = len(units)
                continue
            members = self.by_group.get((sentence.source, sentence.group), []) if sentence.group is not None else []
            if candidate is not chosen[0] and sentence.kind == "lead_in" and chosen[0].sentence in members:
                continue  # the best answer is one of its items, which has already decided how much of the list to quote
            is_list = members and sentence.kind in ("lead_in", "item") and any(m.kind == "lead_in" for m in members)
            if is_list and (sentence.kind == "lead_in" or question.wants_list):
                # The lead-in and as many items as fit, in order: a list too long to quote whole
                # still answers with its first items rather than with the bare lead-in.
                group = self._leading_fit([m for m in members if m.kind in ("lead_in", "item")])
                whole_list = len(group) == sum(m.kind in ("lead_in", "item") for m in members)
                # An item of a list too long to quote whole is quoted on its own.
                if len(group) > 1 and sentence in group and (whole_list or sentence.kind == "lead_in"):
                    units = _merged(units, group)
                    if candidate is chosen[0]:
                        protected = len(units)  # the best answer is this list: nothing may displace it
                    continue
            if sentence not in units:
                units.append(sentence)
        if protected:  # runners-up only in the room the list leaves
            kept = units[:protected]
            for unit in units[protected:]:
                if _size(kept + [unit]) <= self.max_answer_chars:
                    kept.append(unit)
            return self._with_continuation(chosen[0].sentence, kept)
        return self._with_continuation(chosen[0].sentence, self._fit(question, units))

    def _with_continuation(self, best: Sentence, units: list[Sentence]) -> list[Sentence]:
        """The answer with the best sentence's continuation right after it, before any runner-up
        it has no room for: "By working alongside the DEA, FBI and CBP, ICE has created a
        multi-faceted approach. This collaboration enables the sharing of intelligence, ..." says
        in its second sentence what the agencies pool. Serving only, like the inline list."""
        following = self._continuation_after(best)
        if following is None or best not in units or following in units:
            return units
        at = units.index(best) + 1
        for candidate in (units[:at] + [following] + units[at:], units[:at] + [following]):
            if _size(candidate) <= self.max_answer_chars:
                return candidate
        return units

    def _continuation_after(self, sentence: Sentence) -> Sentence | None:
        """The next sentence of the paragraph when it opens by pointing back ("This collaboration
        ...", "These efforts ...", "Such operations ..."): it goes on with the same thought."""
        following = self._next_in_paragraph(sentence, "sentence")
        return following if following is not None and words(following.text)[:1] in (["this"], ["these"], ["such"]) else None

    def _next_in_paragraph(self, sentence: Sentence, kind: str) -> Sentence | None:
        """The unit right after a prose sentence, when it is of ``kind`` and in the same paragraph."""
        if sentence.kind != "sentence" or sentence.sentence_id + 1 >= len(self.index.sentences):
            return None
        following = self.index.sentences[sentence.sentence_id + 1]
        same_paragraph = (following.source, following.block) == (sentence.source, sentence.block)
        return following if following.kind == kind and same_paragraph else None

    def _leading_fit(self, units: list[Sentence]) -> list[Sentence]:
        """The longest run from the start of ``units`` that an answer has room for."""
        group, size = [], 0
        for unit in units:
            size += len(unit.text) + 6
            if size > self.max_answer_chars:
                break
            group.append(unit)
        return group

    def _fit(self, question: Question, units: list[Sentence]) -> list[Sentence]:
        """Keep the subset of units that fits the length limit and covers the most of the question."""
        if _size(units) <= self.max_answer_chars or len(units) > 6:
            while len(units) > 1 and _size(units) > self.max_answer_chars:
                units = units[:-1]
            return units
        best, best_value = units[:1], -1.0
        for mask in range(1, 1 << len(units)):
            group = [u for i, u in enumerate(units) if mask >> i & 1]
            if _size(group) > self.max_answer_chars:
                continue
            value = self.coverage(question, " ".join(u.statement for u in group)) + (0.01 if mask & 1 else 0.0)
            if value > best_value:
                best, best_value = group, value
        return best

    def _render(self, units: list[Sentence]) -> tuple[str, tuple[Citation, ...]]:
        parts, citations = [], []
        for n, unit in enumerate(units, start=1):
            article = self.doc_of_source[unit.source]
            citations.append(Citation(n, unit.source, article.title, unit.section, unit.start, unit.end, unit.text, article.page_at(unit.start)))
            parts.append(f"{unit.text} [{n}]")
        text = " ".join(parts)
        if len(text) > self.max_answer_chars:  # one unit alone too long: cut at a word, keep the marker
            body = units[0].text[: self.max_answer_chars - 8].rsplit(" ", 1)[0]
            text = f"{body}… [1]"
        return text, tuple(citations)


# Where a sentence's main clause ends and an aside begins: ", which ...", ", while ...", "; ...".
_CLAUSE_BREAK = re.compile(r",\s+(?:which|where|while|whereas|although|though)\b|;\s")
_ANAPHORA = frozenset({"this", "these", "those", "they", "such", "it"})
# "These actions include ...", "This includes ...": a sentence listing what the one before it named.
_ENUMERATION = re.compile(r"(?:this|these|such)(?: (?P<noun>[a-z]+))? includ(?:e|es|ed)\b")


def names_by_label(question_text: str, sentence: Sentence) -> bool:
    """Does the question name this table row or labelled list item by every word of its label
    (``lookup_label``)?

    "Before cooperation, how was information sharing described?" names the row "Information
    Sharing | Delayed and fragmented | ...". A label of two words or more is met by words of the
    same stem ("how frequent were cartel arrests" names "Cartel Arrest Frequency"); a one-word
    label only as written, a plural's "s" aside, so "fees charged" does not name the row "Charges"."""
    label = _plain_words(lookup_label(sentence) or "")
    asked = _plain_words(question_text)
    if len(label) < 2:
        return bool(label) and label <= asked
    unmet = {word for word in label if not any(similar_words(word, other) for other in asked)}
    # "Where was the suspect arrested?" names "Arrest Location": the question word asks for the
    # label's kind of value. It stands in for one word only, beside words the question spells out,
    # so a bare "where" names no row called "Location".
    return not unmet or (len(unmet) == 1 and unmet <= _asked_for(question_text))


# What a lookup answering a where- or when-question must hold.
_LOOKUP_KINDS = {"where": "place", "when": "time"}
# The label words a question word asks for: a value labelled "... Location" tells where.
_LABELS_ASKED_FOR = {
    "where": frozenset({"location", "place", "destination", "site", "venue"}),
    "when": frozenset({"date", "time", "day", "year"}),
}


def _asked_for(question_text: str) -> frozenset[str]:
    return frozenset().union(*(_LABELS_ASKED_FOR.get(word, frozenset()) for word in words(question_text)))


def lookup_label(sentence: Sentence) -> str | None:
    """What a lookup names a unit by: a table row's first cell, or the short label before the colon
    of a list item ("Removal Date: April 2024"); None for a sentence."""
    if sentence.kind == "row":
        return row_cells(sentence.text)[0]
    if sentence.kind == "item":
        label, colon, value = sentence.text.partition(":")
        if colon and value[:1].isspace() and value.strip() and len(label.split()) <= LABEL_WORDS:
            return label
    return None


def _plain_words(text: str) -> set[str]:
    return {w[:-1] if w.endswith("s") and not w.endswith("ss") else w for w in words(text) if w not in STOPWORDS}



def _shown_below(confidence: float, bar: float | None) -> float:
    """A refused confidence to three places, or to as many more as it takes to stay under the bar
    it missed: 0.28995 under a 0.29 bar shows as 0.28995, not as a 0.29 that seems to meet it."""
    places = 3
    while bar is not None and round(confidence, places) >= bar and places < 8:
        places += 1
    return round(confidence, places)


def _three_places_or_more(shown: float) -> str:
    return f"{shown:.3f}" if round(shown, 3) == shown else repr(shown)


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _merged(units: list[Sentence], group: list[Sentence]) -> list[Sentence]:
    """``units`` with a list group in its own order, where its first member already stands (an item
    chosen first is quoted after its lead-in, not before it), else at the end."""
    at = min((units.index(m) for m in group if m in units), default=len(units))
    rest = [u for u in units if u not in group]
    return rest[:at] + group + rest[at:]


def _size(units: list[Sentence]) -> int:
    """Characters the units take in an answer, with their "[n] " markers."""
    return sum(len(u.text) + 5 for u in units)


def validate_question(text: str) -> str:
    if not isinstance(text, str) or is_blank(text):
        raise InvalidInput("question must not be blank")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidInput(f"question is {len(text)} characters; the limit is {MAX_QUESTION_CHARS}")
    return " ".join(text.split())

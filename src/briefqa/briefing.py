"""Topic -> Briefing: relevant, de-duplicated, cited points with figures and organisations.

Built on the same index, retrieval and citation machinery as answering. The verifier's
relevance trees decide what goes in; ``max_points`` is only a ceiling. Near-duplicate
sentences merge into one point that cites every source saying it, so one claim is
never counted as several.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from . import entities
from .answering import Answerer, Pool
from .errors import InvalidInput
from .records import BriefPoint, Briefing, Citation, KeyFigure, Organization, Sentence
from .terms import content_stems, fold, is_blank

MAX_TOPIC_CHARS = 200
MAX_POINTS = 20
MAX_FIGURES = 12
BRIEF_CHUNKS = 40  # passages whose sentences the relevance trees judge: a brief reads widely
MAX_LIST_CHARS = 500  # a longer list lends its items one by one, not as one point
ITEM_COVERAGE = 0.75  # share of the topic's words a list item must carry to lend its figures
CORE_SHARE = 0.7  # units this close to the best lend their paragraph to the key figures
DUPLICATE_SIMILARITY = 0.85
UNSURE_SHARE = 0.5  # of the relevance floor, for a topic whose words the documents use but no sentence clears it
DIVERSITY = 0.3  # MMR trade-off: 0 is pure relevance
_ORG_HEADS = {
    "department", "agency", "office", "bureau", "administration", "police", "patrol", "guard", "cartel", "center",
    "centre", "cell", "force", "council", "nations", "commission", "ministry", "court", "congress", "interpol",
    "service", "investigations", "enforcement", "community", "unodc", "treasury", "protection", "operations",
}
# A figure's unit runs to the first function word: "30,000 law enforcement actions to disrupt" stops at "to".
_STOP_WORDS = ("in", "of", "to", "from", "and", "the", "a", "for", "with", "at", "by", "on", "each", "per", "that", "which", "over")
_QUALIFIER = r"(?:(?:over|nearly|almost|approximately|about|around|more than|less than|up to|at least|some)\s+)?"
_FIGURE = re.compile(
    _QUALIFIER + r"(?:[$€£]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:million|billion|trillion))?|\d[\d,]*(?:\.\d+)?\+?\s?%"
    r"|\bmulti-?(?:million|billion)-dollar\b|\d[\d,]*(?:\.\d+)?\+?(?:\s(?:million|billion))?(?:\s(?!(?:" + "|".join(_STOP_WORDS) + r")\b)[a-z][\w-]*){1,3})",
    re.IGNORECASE,
)


@dataclass
class _Unit:
    members: list[Sentence]
    text: str
    vector: np.ndarray
    score: float
    source: str
    start: int
    citations: list[int] = field(default_factory=list)
    also: list["_Unit"] = field(default_factory=list)  # near-duplicates merged into this one


def validate_topic(topic: str, max_points: int) -> str:
    if not isinstance(topic, str) or is_blank(topic):
        raise InvalidInput("topic must not be blank")
    if len(topic) > MAX_TOPIC_CHARS:
        raise InvalidInput(f"topic is {len(topic)} characters; the limit is {MAX_TOPIC_CHARS}")
    if isinstance(max_points, bool) or not isinstance(max_points, int) or not 1 <= max_points <= MAX_POINTS:
        raise InvalidInput(f"max_points must be an integer from 1 to {MAX_POINTS}")
    return " ".join(topic.split())


class Briefer:
    def __init__(self, answerer: Answerer) -> None:
        self.answerer = answerer
        self.index = answerer.index

    def brief(self, topic: str, *, max_points: int = 8) -> Briefing:
        topic = validate_topic(topic, max_points)
        # The pool analyses the topic and checks its names once; the brief reads both from it.
        pool = self.answerer.pool(topic, chunks=min(BRIEF_CHUNKS, len(self.index.chunks)))
        question = pool.question
        units, others = ([], []) if pool.unknown else self._relevant_units(pool)
        if not units:
            return _uncovered(topic)
        clusters = self._merge_duplicates(units, others)
        overview, points = self._select(clusters, max_points)
        return self._assemble(topic, overview, points, self._figure_text(units, question), self.never_mentioned(topic))

    def never_mentioned(self, topic: str) -> tuple[str, ...]:
        """Words of the topic that no document uses, in any form ("elections" in "elections in Venezuela").

        A brief on such a topic can only gather what the documents say on the rest of it; it says
        so rather than passing off material on Venezuela as material on its elections.
        """
        corpus = self.answerer.corpus_stems
        missing = []
        for word in dict.fromkeys(re.findall(r"[\w'’-]+", topic)):
            stems = content_stems(word)
            if stems and not any(s in corpus or any(v in corpus for v in self.answerer.variants((s,))[s]) for s in stems):
                missing.append(word)
        return tuple(missing)

    def _figure_text(self, units: list[_Unit], question) -> list[Sentence]:
        """Sentences whose figures belong in the brief: relevant ones, and the paragraphs around the best."""
        best = units[0].score
        chosen: dict[int, Sentence] = {}
        for unit in units:
            for member in unit.members:
                # A list is relevant as a whole; its items lend figures only when they are on the topic
                # themselves ("2,600 drug smuggling arrests" is not about human smuggling).
                if len(unit.members) == 1 or self.answerer.coverage(question, member.statement, self._variants) >= ITEM_COVERAGE:
                    chosen[member.sentence_id] = member
            if unit.score >= CORE_SHARE * best:
                head = unit.members[0]
                for sentence in self.index.sentences[head.sentence_id - 8 : head.sentence_id + 8]:
                    if sentence.source == head.source and sentence.block == head.block:
                        chosen.setdefault(sentence.sentence_id, sentence)
        return [chosen[k] for k in sorted(chosen)]

    # -- selection ---------------------------------------------------------------

    def _relevant_units(self, pool: Pool) -> tuple[list[_Unit], list[_Unit]]:
        """The units on the topic, most relevant first (sentences, and short lists whole), and the
        other units read, which may repeat one of them word for word.

        The verifier's relevance trees judge each sentence (the probability that it lies in a
        passage on the topic); a unit is as relevant as its most relevant member. A section
        headed by the topic, or an article titled by it, is on the topic by the documents' own
        account, so its sentences are admitted whatever the trees say: an article about
        something else can still hold a whole section on the topic. So is a sentence naming a
        topic that is a name. When nothing is admitted but every word of the topic is in the
        documents, the floor halves (UNSURE_SHARE).
        """
        question = pool.question
        self._variants = self.answerer.variants(question.stems)
        if not pool.candidates:
            return [], []
        relevance = self.answerer.verifier.relevance(pool.features(self.answerer, pool.candidates))
        by_sentence = {c.sentence.sentence_id: float(p) for c, p in zip(pool.candidates, relevance)}
        floor = self.answerer.verifier.card.relevance_floor
        topic_names = self._topic_names(question.text)
        framed: dict[tuple[str, str | None], bool] = {}  # per article and section: headings repeat
        units: list[_Unit] = []
        others: list[_Unit] = []
        judged: list[tuple[_Unit, bool]] = []
        seen_groups: set[tuple[str, int]] = set()
        for candidate in sorted(pool.candidates, key=lambda c: c.sentence.sentence_id):
            sentence = candidate.sentence
            members = [sentence]
            if sentence.kind in ("lead_in", "item") and sentence.group is not None:
                key = (sentence.source, sentence.group)
                if key in seen_groups:
                    continue
                listed = [s for s in self.answerer.by_group[key] if s.kind in ("lead_in", "item")]
                if any(m.kind == "lead_in" for m in listed) and sum(len(m.text) for m in listed) <= MAX_LIST_CHARS:
                    seen_groups.add(key)
                    members = listed
                elif sentence.kind == "lead_in":
                    continue  # a long list's lead-in says nothing without its items, which stand alone
            score = max(by_sentence.get(m.sentence_id, 0.0) for m in members)
            where = (members[0].source, members[0].section)
            if where not in framed:
                framed[where] = self._framed(question, members[0])
            vouched = framed[where] or self._names_the_topic(topic_names, members)
            judged.append((self._unit(members, score), vouched))
        if not any(unit.score >= floor or vouched for unit, vouched in judged) and not self.never_mentioned(question.text):
            # Every word of the topic is in the documents, yet no sentence clears the floor: the trees
            # are least sure of what they never saw ("colonial rule in Africa" peaks at 0.40 in
            # the unseen SQuAD article on imperialism), so the best of half the floor is stated
            # rather than nothing. Topics the documents do not cover peak far lower (0.001 to 0.015).
            floor *= UNSURE_SHARE
        for unit, vouched in judged:
            (units if unit.score >= floor or vouched else others).append(unit)
        return sorted(units, key=lambda u: (-u.score, u.members[0].sentence_id)), others

    def _topic_names(self, topic: str) -> list[str]:
        """The names a topic is made of, when it is made of nothing else ("Tren de Aragua", "HSI and
        ICE"); none for "wildfires in California", nor for a capitalised ordinary word ("Money laundering")."""
        names = [
            n.text for n in entities.names(topic)
            if len(n.words) > 1 or n.text.isupper() or fold(n.text) not in self.answerer.common_words
        ]
        named = {stem for name in names for stem in content_stems(name)}
        return names if names and set(content_stems(topic)) <= named else []

    def _names_the_topic(self, topic_names: list[str], members: list[Sentence]) -> bool:
        """Does the unit name every name the topic is made of? A sentence that names "Tren de Aragua" is on
        that topic by its own words, as a section headed by it is, whatever the trees say of it."""
        if not topic_names:
            return False
        text = fold(" ".join(m.text for m in members))
        return all(self.answerer.name_in(name, text) for name in topic_names)

    def _framed(self, question, sentence: Sentence) -> bool:
        """Is the sentence in an article titled by the topic, or a section headed by it (every word of it)?"""
        article = self.answerer.doc_of_source[sentence.source]
        return any(self.answerer.coverage(question, heading, self._variants) >= 1.0 for heading in (article.title, sentence.section or "") if heading)

    def _unit(self, members: list[Sentence], score: float) -> _Unit:
        mean = self.index.sentence_vectors[[m.sentence_id for m in members]].mean(axis=0)
        return _Unit(members, _point_text(members), mean / max(np.linalg.norm(mean), 1e-12), score, members[0].source, members[0].start)

    def _merge_duplicates(self, units: list[_Unit], others: list[_Unit]) -> list[_Unit]:
        """One unit per claim, citing every source that makes it: ``others`` (units not admitted,
        perhaps because their passage is about something else) only add sources to a claim."""
        kept: list[_Unit] = []
        for unit in units:  # best first, so the kept text is the most relevant wording
            twin = self._twin(kept, unit)
            if twin is None:
                kept.append(unit)
            else:
                twin.also.append(unit)
        for unit in others:
            twin = self._twin(kept, unit)
            if twin is not None:
                twin.also.append(unit)
        return kept

    @staticmethod
    def _twin(kept: list[_Unit], unit: _Unit) -> _Unit | None:
        return next((k for k in kept if float(k.vector @ unit.vector) >= DUPLICATE_SIMILARITY or _same_words(k.text, unit.text)), None)

    def _select(self, clusters: list[_Unit], max_points: int) -> tuple[list[_Unit], list[_Unit]]:
        """Overview: the unit closest to the whole relevant set. Points: MMR, each article first."""
        centroid = np.mean([c.vector for c in clusters], axis=0)
        single = [c for c in clusters if len(c.members) == 1 and c.members[0].kind == "sentence"]
        overview = max(single or clusters, key=lambda c: 0.5 * c.score + 0.5 * float(c.vector @ centroid))
        # A single relevant sentence is both the overview and the one point, so no covered brief is empty.
        pool = [c for c in clusters if c is not overview] if len(clusters) >= 2 else list(clusters)
        chosen: list[_Unit] = []

        def add_most_useful(candidates: list[_Unit]) -> None:
            rest = [c for c in candidates if c not in chosen]
            if rest:
                chosen.append(max(rest, key=lambda c: (1 - DIVERSITY) * c.score - DIVERSITY * max(float(c.vector @ k.vector) for k in chosen + [overview])))

        # Half the points go to the most relevant and diverse; then every article with a passage
        # on the topic is heard; then the rest by relevance and diversity again.
        while len(chosen) < (max_points + 1) // 2 and len(chosen) < len(pool):
            add_most_useful(pool)
        for source in dict.fromkeys(c.source for c in pool):
            if len(chosen) < max_points and source not in {c.source for c in chosen + [overview]}:
                chosen.append(next(c for c in pool if c.source == source))
        while len(chosen) < min(max_points, len(pool)):
            add_most_useful(pool)
        order = {source: i for i, source in enumerate(dict.fromkeys(c.source for c in [overview] + chosen))}
        chosen.sort(key=lambda c: (order[c.source], c.start))  # grouped by article, in reading order
        return [overview], chosen

    # -- assembly ----------------------------------------------------------------

    def _assemble(
        self, topic: str, overview: list[_Unit], points: list[_Unit], figure_text: list[Sentence], never_mentioned: tuple[str, ...] = (),
    ) -> Briefing:
        citations: list[Citation] = []
        numbers: dict[tuple[str, int, int], int] = {}

        def cite(sentence: Sentence) -> int:
            key = (sentence.source, sentence.start, sentence.end)
            if key not in numbers:
                article = self.answerer.doc_of_source[sentence.source]
                numbers[key] = len(citations) + 1
                citations.append(Citation(
                    numbers[key], sentence.source, article.title, sentence.section, sentence.start, sentence.end, sentence.text,
                    article.page_at(sentence.start),
                ))
            return numbers[key]

        for unit in overview + points:
            unit.citations = [cite(m) for u in [unit, *unit.also] for m in u.members]
        overview_text = " ".join(f"{u.text} {_markers(u.citations)}" for u in overview)
        brief_points = tuple(BriefPoint(u.text, tuple(dict.fromkeys(u.citations))) for u in points)
        figures = self._figures(overview + points, figure_text, cite)
        organizations = self._organizations(figure_text)
        sources = tuple(dict.fromkeys((c.source, c.title) for c in citations))
        briefing = Briefing(topic, True, overview_text, brief_points, figures, organizations, tuple(citations), sources, "", never_mentioned)
        return Briefing(**{**briefing.__dict__, "markdown": render_markdown(briefing)})

    def _figures(self, units: list[_Unit], figure_text: list[Sentence], cite) -> tuple[KeyFigure, ...]:
        # Sentences already in the brief come first, so a figure is shown beside the point that makes it.
        in_brief = [m for u in units for m in u.members]
        ordered = in_brief + [s for s in figure_text if s not in in_brief]
        found: dict[str, KeyFigure] = {}
        for sentence in ordered:
            for figure in figures_in(sentence.text):
                key = re.sub(r"[^0-9$%.]", "", figure) or figure.lower()
                if key not in found and len(found) < MAX_FIGURES:
                    found[key] = KeyFigure(figure, sentence.statement if sentence.kind == "row" else sentence.text, (cite(sentence),))
        return tuple(found.values())

    def _organizations(self, sentences: list[Sentence]) -> tuple[Organization, ...]:
        acronyms = self.answerer.acronyms
        expansions = {fold(v): k for k, v in acronyms.items()}
        mentions: dict[str, list[str]] = {}
        for sentence in sentences:
            if sentence.kind == "row":
                continue  # table cells are labels, not names
            named = {_organization_name(n.text, acronyms, expansions) for n in entities.names(sentence.text)}
            for canonical in named - {None}:  # "Full Name (ACR)" in one sentence is one mention
                mentions.setdefault(canonical, []).append(sentence.source)
        organizations = []
        for name, sources in mentions.items():
            acronym = expansions.get(fold(name))
            organizations.append(Organization(name, acronym, len(sources), tuple(sorted(set(sources)))))
        return tuple(sorted(organizations, key=lambda o: (-o.mentions, o.name)))


def _organization_name(text: str, acronyms: dict[str, str], expansions: dict[str, str]) -> str | None:
    """The full name of an organisation, or None when the phrase is not one."""
    text = re.sub(r"^(?:The|the)\s+", "", text)
    text = re.sub(r"^[A-Z]{2,}[’']s\s+", "", text)  # "ICE’s Cyber Crimes Center" -> "Cyber Crimes Center"
    text = re.sub(r"^U\.S\.\s+", "", text) if fold(re.sub(r"^U\.S\.\s+", "", text)) in expansions else text
    if text in acronyms:
        return acronyms[text]
    if fold(text) in expansions:
        return text
    words = [fold(w) for w in text.split()]
    if len(words) >= 2 and words[-1] in _ORG_HEADS and words[0] not in {"operation", "community"}:
        return text
    if text.isupper() and len(text) >= 3 and not entities.is_country(text):
        return text  # an acronym the articles use without spelling out, such as INTERPOL
    return None


def figures_in(text: str) -> list[str]:
    """Amounts, counts, percentages and dates, with a short unit where the text gives one."""
    found = []
    for match in _FIGURE.finditer(text):
        figure = match.group().strip()
        number = re.search(r"\d[\d,.]*", figure)
        if number and entities.YEAR.fullmatch(number.group()) and "$" not in figure and "%" not in figure:
            continue  # a year is a date, picked up below
        figure = figure.rstrip(".,;:")
        if re.search(r"\d|dollar", figure):
            found.append(figure)
    found += [m.group() for m in entities.DATE.finditer(text)]
    found += [y for y in entities.YEAR.findall(text) if not any(y in f for f in found)]
    return list(dict.fromkeys(found))


def _point_text(members: list[Sentence]) -> str:
    if len(members) == 1:
        only = members[0]
        return only.statement if only.kind == "row" else only.text
    lead, items = members[0], members[1:]
    return f"{lead.text} " + "; ".join(m.text.rstrip(".") for m in items) + "."


def _same_words(a: str, b: str) -> bool:
    left, right = set(content_stems(a)), set(content_stems(b))
    return bool(left and right) and len(left & right) / len(left | right) >= 0.8


def _markers(numbers: list[int]) -> str:
    return "".join(f"[{n}]" for n in dict.fromkeys(numbers))


def _uncovered(topic: str) -> Briefing:
    markdown = f"# Briefing: {topic}\n\nThe articles hold nothing on {topic}.\n"
    return Briefing(topic, False, None, (), (), (), (), (), markdown)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(briefing: Briefing) -> str:
    lines = [f"# Briefing: {briefing.topic}", ""]
    if briefing.never_mentioned:
        words = ", ".join(f"“{w}”" for w in briefing.never_mentioned)
        lines += [f"*The documents never mention {words}; this brief gathers what they say on the rest of the topic.*", ""]
    if briefing.overview:
        lines += [f"**Overview.** {briefing.overview}", ""]
    lines += ["## Key points", ""]
    lines += [f"- {p.text} {_markers(list(p.citations))}" for p in briefing.points] or ["- (no further points)"]
    if briefing.key_figures:
        lines += ["", "## Key figures", "", "| Figure | Context | Cited |", "| --- | --- | --- |"]
        lines += [f"| {_cell(f.figure)} | {_cell(f.context)} | {_markers(list(f.citations))} |" for f in briefing.key_figures]
    if briefing.organizations:
        lines += ["", "## Organisations", ""]
        for o in briefing.organizations:
            name = f"{o.name} ({o.acronym})" if o.acronym else o.name
            plural = "mention" if o.mentions == 1 else "mentions"
            lines.append(f"- **{name}**: {o.mentions} {plural} in {', '.join(f'`{s}`' for s in o.sources)}")
    lines += ["", "## Sources", ""]
    for c in briefing.citations:
        where = f"{c.title} › {c.section}" if c.section else c.title
        lines.append(f"{c.n}. `{c.source}`, {where} (chars {c.start}–{c.end})")
    return "\n".join(lines) + "\n"

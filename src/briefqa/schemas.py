"""Request and response models of the HTTP API: the only pydantic models outside settings."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr, ValidationInfo, field_validator

from .answering import MAX_QUESTION_CHARS
from .engine import MAX_TOP_K
from .briefing import MAX_POINTS, MAX_TOPIC_CHARS
from .records import Answer, Article, Briefing, Citation, Hit
from .terms import VISIBLE, is_blank

def _whole_number(cls, value: object) -> object:
    """JSON has one number type: accept 5 and 5.0, refuse "5", true and 5.5."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("Input should be a valid integer")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("Input should be a valid integer, got a fraction")
    return int(value)


TopK = Annotated[int, Field(ge=1, le=MAX_TOP_K, description="How many ranked passages to return (1-50)")]
# Declared in the schema so generated clients and fuzzers know; enforced by the validators below.
NOT_BLANK = {"pattern": VISIBLE, "minLength": 1}


def _not_blank(value: str, info: ValidationInfo) -> str:
    if is_blank(value):
        raise ValueError(f"{info.field_name} must not be blank")
    return value


def _text(max_length: int, description: str):
    """A required string that must not be blank, with the rule declared in the schema too."""
    # Field before the validator, so the length limit stays a string limit ("at most 1000 characters").
    return Annotated[StrictStr, Field(max_length=max_length, description=description, json_schema_extra=NOT_BLANK), AfterValidator(_not_blank)]


QuestionText = _text(MAX_QUESTION_CHARS, "A question in plain English")
QueryText = _text(MAX_QUESTION_CHARS, "Words to search for")
TopicText = _text(MAX_TOPIC_CHARS, "What the brief is about")


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"question": "How much illicit currency did HSI seize in 2021?", "top_k": 5}]})

    question: QuestionText
    top_k: TopK = 5
    min_confidence: float | None = Field(
        None, ge=0, le=1, strict=True,
        description="Answer only when the calibrated confidence reaches this (half of it for a table row or list item the question names by its "
        "label). Default: the server's setting, "
        "else the verifier's threshold (GET /health names it). Lower answers more questions and refuses fewer unanswerable ones.",
    )

    _top_k_whole = field_validator("top_k", mode="before")(_whole_number)



class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"query": "human smuggling campaign", "top_k": 5}]})

    query: QueryText
    top_k: TopK = 5

    _top_k_whole = field_validator("top_k", mode="before")(_whole_number)



class CitationOut(BaseModel):
    n: int = Field(description="The [n] marker in the answer")
    source: str = Field(description="File name in the corpus")
    title: str
    section: str | None
    start: int = Field(description="Start offset (Python str index) into the raw file")
    end: int = Field(description="End offset; text[start:end] == quote")
    quote: str
    page: int | None = Field(None, description="Page of a PDF the quote is on (1-based); null for other formats")

    @classmethod
    def of(cls, citation: Citation) -> CitationOut:
        return cls(**citation.__dict__)


class PassageOut(BaseModel):
    chunk_id: int
    source: str
    title: str
    section: str | None
    start: int
    end: int
    text: str = Field(description="Verbatim: text[start:end] of the raw file")
    score: float

    @classmethod
    def of(cls, hit: Hit) -> PassageOut:
        c = hit.chunk
        return cls(chunk_id=c.chunk_id, source=c.source, title=c.title, section=c.section, start=c.start, end=c.end, text=c.text, score=round(hit.score, 4))


class AskResponse(BaseModel):
    question: str
    answered: bool = Field(description="False when the articles do not hold the answer")
    answer: str | None = Field(description="Verbatim corpus sentences with [n] citation markers, at most 400 characters")
    confidence: float = Field(ge=0, le=1)
    citations: list[CitationOut]
    passages: list[PassageOut] = Field(description="Ranked retrieved passages, returned even when the system abstains")
    reason: str | None = Field(None, description="Why briefqa abstained, in words; null when it answered")
    needed: float | None = Field(
        None, description="The calibrated confidence this answer had to reach: the bar in force, or half of it for a table row or list item "
        "the question names by its label and for the weaker part of a two-part answer whose other part clears the bar; null when a veto refused the question before any confidence was weighed",
    )
    lowered_for: str | None = Field(
        None, description="When `needed` is half the bar in force, what earned that, in words ('a table row or list item the question "
        "names by its label', or 'a part of a two-part answer that the other part corroborates'); null otherwise",
    )

    @classmethod
    def of(cls, answer: Answer) -> AskResponse:
        return cls(
            question=answer.question,
            answered=answer.answered,
            answer=answer.answer,
            confidence=answer.confidence,
            citations=[CitationOut.of(c) for c in answer.citations],
            passages=[PassageOut.of(h) for h in answer.passages],
            reason=answer.reason or None,
            needed=answer.needed,
            lowered_for=answer.lowered_for or None,
        )


class SearchResponse(BaseModel):
    query: str
    results: list[PassageOut]


class DocumentOut(BaseModel):
    doc_id: str
    source: str = Field(description="File name; citations name it")
    title: str
    chars: int = Field(description="Length of the text of record")
    chunks: int
    sha256: str = Field(description="SHA-256 of the text of record")
    format: str = Field("text", description="text, markdown, html, pdf or docx")
    sections: list[str] = Field(default_factory=list, description="Section headings, in order")


class SectionOut(BaseModel):
    heading: str | None
    start: int
    end: int


class DocumentDetail(DocumentOut):
    sections: list[SectionOut]
    text: str = Field(description="The text of record: every citation's offsets index into it")
    pages: list[int] = Field(default_factory=list, description="For a PDF, the offset in text where each page begins")

    @classmethod
    def of(cls, article: Article, chunks: int) -> DocumentDetail:
        return cls(
            doc_id=article.doc_id,
            source=article.source,
            title=article.title,
            chars=len(article.text),
            chunks=chunks,
            sha256=article.sha256,
            sections=[SectionOut(heading=s.heading, start=s.start, end=s.end) for s in article.sections],
            text=article.text,
            format=article.format,
            pages=list(article.pages),
        )


class UploadedDocument(BaseModel):
    doc_id: str
    source: str
    title: str
    format: str
    chunks: int


class UploadResponse(BaseModel):
    documents: list[UploadedDocument]


class HealthOut(BaseModel):
    status: str = Field(description='"ok", "no_index" or "degraded"')
    documents: int
    chunks: int
    model: str | None
    built_at: str | None
    embedder: str | None = Field(None, description="Query embedding backend in use")
    verifier: str | None = Field(None, description="Answer verifier in use: its version and answer threshold")
    answer_threshold: float | None = Field(
        None, description="The calibrated confidence an answer needs on this server unless a request sets min_confidence",
    )
    reason: str | None = Field(None, description="Why the status is not ok, and how to fix it")
    accepts_writes: bool = Field(True, description="Whether POST and DELETE /documents are allowed (false under BRIEFQA_READ_ONLY)")
    replicas: int | None = Field(None, description="Ray Serve replicas serving this app (briefqa serve --engine ray); null for one process")


class ErrorOut(BaseModel):
    detail: str


class BriefRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"topic": "human smuggling", "max_points": 8}]})

    topic: TopicText
    max_points: Annotated[int, Field(ge=1, le=MAX_POINTS, description="Ceiling on points (1-20); the relevance trees decide what goes in")] = 8

    _max_points_whole = field_validator("max_points", mode="before")(_whole_number)



class PointOut(BaseModel):
    text: str = Field(description="Verbatim corpus text")
    citations: list[int]


class KeyFigureOut(BaseModel):
    figure: str
    context: str = Field(description="The sentence the figure stands in")
    citations: list[int]


class OrganizationOut(BaseModel):
    name: str
    acronym: str | None
    mentions: int
    sources: list[str]


class SourceOut(BaseModel):
    source: str
    title: str


class BriefResponse(BaseModel):
    topic: str
    covered: bool = Field(description="False when the articles hold nothing on the topic")
    overview: str | None
    points: list[PointOut]
    key_figures: list[KeyFigureOut]
    organizations: list[OrganizationOut]
    citations: list[CitationOut]
    sources: list[SourceOut]
    markdown: str
    never_mentioned: list[str] = Field(default_factory=list, description="Words of the topic that no document uses; the brief covers the rest of the topic")

    @classmethod
    def of(cls, brief: Briefing) -> BriefResponse:
        return cls(
            topic=brief.topic,
            covered=brief.covered,
            overview=brief.overview,
            points=[PointOut(text=p.text, citations=list(p.citations)) for p in brief.points],
            key_figures=[KeyFigureOut(figure=f.figure, context=f.context, citations=list(f.citations)) for f in brief.key_figures],
            organizations=[OrganizationOut(name=o.name, acronym=o.acronym, mentions=o.mentions, sources=list(o.sources)) for o in brief.organizations],
            citations=[CitationOut.of(c) for c in brief.citations],
            sources=[SourceOut(source=s, title=t) for s, t in brief.sources],
            markdown=brief.markdown,
            never_mentioned=list(brief.never_mentioned),
        )

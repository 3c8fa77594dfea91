"""The HTTP edge: parse, call the Engine, render. Heavy models load in ``lifespan``."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from . import __version__
from .config import get_settings
from .engine import Engine
from .errors import BriefQAError, DocumentNotFound, IndexCorrupt, IndexNotFound, InvalidInput
from .schemas import (
    AskRequest,
    AskResponse,
    BriefRequest,
    BriefResponse,
    DocumentDetail,
    DocumentOut,
    ErrorOut,
    HealthOut,
    PassageOut,
    SearchRequest,
    SearchResponse,
)

log = logging.getLogger("briefqa.api")

_STATUS = {IndexNotFound: 503, IndexCorrupt: 503, DocumentNotFound: 404, InvalidInput: 422}
_ERRORS = {
    404: {"model": ErrorOut, "description": "No such document"},
    503: {"model": ErrorOut, "description": "No usable index; the detail says how to build one"},
}


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def create_app(engine: Engine | None = None, *, index_dir: Path | None = None) -> FastAPI:
    """Build the app. Tests pass their own Engine; ``briefqa serve`` lets settings decide."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if engine is None:
            settings = get_settings()
            app.state.engine = Engine(index_dir or settings.index_dir, candidates=settings.candidates, max_answer_chars=settings.max_answer_chars)
        else:
            app.state.engine = engine
        app.state.engine.load()
        yield

    app = FastAPI(
        title="briefqa",
        version=__version__,
        summary="Grounded, cited answers and briefings from a folder of articles.",
        description="Every answer is verbatim article text with exact citations: `text[start:end] == quote` "
        "against the raw file. When the articles do not hold the answer, `answered` is false.",
        lifespan=lifespan,
    )

    @app.exception_handler(BriefQAError)
    async def domain_error(request: Request, exc: BriefQAError) -> JSONResponse:
        status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "internal error; the server log has the details"}, status_code=500)

    @app.post("/ask", response_model=AskResponse, responses=_ERRORS, tags=["answers"])
    def ask(body: AskRequest, engine: EngineDep) -> AskResponse:
        """Answer a question with cited article sentences, or abstain when the articles do not say."""
        return AskResponse.of(engine.ask(body.question, top_k=body.top_k))

    @app.post("/search", response_model=SearchResponse, responses=_ERRORS, tags=["answers"])
    def search(body: SearchRequest, engine: EngineDep) -> SearchResponse:
        """Rank article passages for a query (hybrid dense + BM25)."""
        return SearchResponse(query=body.query, results=[PassageOut.of(h) for h in engine.search(body.query, top_k=body.top_k)])

    @app.post("/brief", response_model=BriefResponse, responses=_ERRORS, tags=["answers"])
    def brief(body: BriefRequest, engine: EngineDep) -> BriefResponse:
        """A cited briefing on a topic: overview, points, key figures, organisations, Markdown."""
        return BriefResponse.of(engine.brief(body.topic, max_points=body.max_points))

    @app.get("/documents", response_model=list[DocumentOut], responses=_ERRORS, tags=["documents"])
    def documents(engine: EngineDep) -> list[DocumentOut]:
        """List the indexed articles."""
        return [DocumentOut(**d.__dict__) for d in engine.documents()]

    @app.get("/documents/{doc_id}", response_model=DocumentDetail, responses=_ERRORS, tags=["documents"])
    def document(doc_id: str, engine: EngineDep) -> DocumentDetail:
        """One article with its sections and raw text."""
        article = engine.document(doc_id)
        chunks = sum(1 for c in engine.index.chunks if c.doc_id == article.doc_id)
        return DocumentDetail.of(article, chunks)

    @app.get("/health", response_model=HealthOut, tags=["service"])
    def health(engine: EngineDep) -> HealthOut:
        """Service status, index size, model and build time."""
        return HealthOut(**engine.health().__dict__)

    return app

"""The HTTP edge: parse, call the Engine, render. Heavy models load in ``lifespan``.

Security defaults: loopback only (see ``briefqa serve``), an optional API key compared
in constant time, CORS off unless origins are configured, 64 KB request bodies, and no
endpoint that takes a filesystem path. One JSON log line per request.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Security
from fastapi.middleware.cors import CORSMiddleware
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader

from . import __version__
from .config import Settings, get_settings
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
access_log = logging.getLogger("briefqa.access")

_STATUS = {IndexNotFound: 503, IndexCorrupt: 503, DocumentNotFound: 404, InvalidInput: 422}
_ERRORS = {
    401: {"model": ErrorOut, "description": "Missing or wrong X-API-Key (only when BRIEFQA_API_KEY is set)"},
    404: {"model": ErrorOut, "description": "No such document"},
    413: {"model": ErrorOut, "description": "Request body over the size limit"},
    503: {"model": ErrorOut, "description": "No usable index; the detail says how to build one"},
}
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="Needed only when the server sets BRIEFQA_API_KEY")


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def require_api_key(request: Request, key: Annotated[str | None, Security(api_key_header)]) -> None:
    expected: str | None = request.app.state.api_key
    if expected and not hmac.compare_digest((key or "").encode(), expected.encode()):
        raise HTTPException(401, "missing or wrong X-API-Key header")


class AccessLog:
    """One JSON line per request: method, path, status, latency and, for /ask, the answered flag.

    A plain ASGI middleware: Starlette's BaseHTTPMiddleware costs about a millisecond a request.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        began = time.perf_counter()
        status = 500
        scope.setdefault("state", {})["answered"] = None

        async def noting_status(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            access_log.info(json.dumps({
                "method": scope["method"], "path": scope["path"], "status": status,
                "ms": round((time.perf_counter() - began) * 1000, 2), "answered": scope["state"].get("answered"),
            }))


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, whether or not Content-Length is sent."""

    def __init__(self, app, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await _too_large(send, self.limit)
        seen, too_large, started = 0, False, False

        async def counted():
            # Past the limit the app is told the client went away, so it stops reading.
            nonlocal seen, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message) -> None:
            nonlocal started
            if too_large:
                return  # whatever the app answers to a cut-off body, the client gets 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not too_large:
                raise
        if too_large and not started:
            await _too_large(send, self.limit)


async def _too_large(send, limit: int) -> None:
    body = json.dumps({"detail": f"request body is over {limit // 1024} KB"}).encode()
    await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def create_app(engine: Engine | None = None, *, index_dir: Path | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the app. Tests pass their own Engine; ``briefqa serve`` lets settings decide."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if engine is None:
            app.state.engine = Engine(
                index_dir or settings.index_dir, candidates=settings.candidates, max_answer_chars=settings.max_answer_chars,
                onnx_threads=settings.onnx_threads, concurrent=True,
            )
        else:
            app.state.engine = engine
        app.state.engine.load()
        yield

    app = FastAPI(
        title="briefqa",
        version=__version__,
        summary="Grounded, cited answers and briefings from a folder of articles.",
        description="Every answer is verbatim article text with exact citations: `text[start:end] == quote` "
        "against the raw file. When the articles do not hold the answer, `answered` is false. "
        "If the server sets `BRIEFQA_API_KEY`, press **Authorize** and give the key (header `X-API-Key`).",
        lifespan=lifespan,
    )
    app.state.api_key = settings.api_key
    if engine is not None:  # usable before lifespan runs, as schemathesis' ASGI transport does
        app.state.engine = engine
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"], allow_headers=["Content-Type", "X-API-Key"])

    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(AccessLog)  # outermost, so it logs the status the client gets (a 413 too)

    @app.exception_handler(BriefQAError)
    async def domain_error(request: Request, exc: BriefQAError) -> JSONResponse:
        status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        # Escaped to ASCII: the errors echo the input, which may hold a lone surrogate UTF-8 cannot encode.
        body = json.dumps({"detail": jsonable_encoder(exc.errors())}, ensure_ascii=True)
        return Response(body, status_code=422, media_type="application/json")

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "internal error; the server log has the details"}, status_code=500)

    protected = APIRouter(dependencies=[Depends(require_api_key)], responses=_ERRORS)

    @protected.post("/ask", response_model=AskResponse, tags=["answers"])
    def ask(body: AskRequest, engine: EngineDep, request: Request) -> AskResponse:
        """Answer a question with cited article sentences, or abstain when the articles do not say."""
        answer = engine.ask(body.question, top_k=body.top_k)
        request.state.answered = answer.answered
        return AskResponse.of(answer)

    @protected.post("/search", response_model=SearchResponse, tags=["answers"])
    def search(body: SearchRequest, engine: EngineDep) -> SearchResponse:
        """Rank article passages for a query (hybrid dense + BM25)."""
        return SearchResponse(query=body.query, results=[PassageOut.of(h) for h in engine.search(body.query, top_k=body.top_k)])

    @protected.post("/brief", response_model=BriefResponse, tags=["answers"])
    def brief(body: BriefRequest, engine: EngineDep) -> BriefResponse:
        """A cited briefing on a topic: overview, points, key figures, organisations, Markdown."""
        return BriefResponse.of(engine.brief(body.topic, max_points=body.max_points))

    @protected.get("/documents", response_model=list[DocumentOut], tags=["documents"])
    def documents(engine: EngineDep) -> list[DocumentOut]:
        """List the indexed articles."""
        return [DocumentOut(**d.__dict__) for d in engine.documents()]

    @protected.get("/documents/{doc_id}", response_model=DocumentDetail, tags=["documents"])
    def document(doc_id: str, engine: EngineDep) -> DocumentDetail:
        """One article with its sections and raw text, looked up by id in the index (never by path)."""
        article = engine.document(doc_id)
        return DocumentDetail.of(article, engine.index.chunks_per_document.get(article.doc_id, 0))

    @protected.post("/admin/reload", response_model=HealthOut, tags=["service"])
    def reload(engine: EngineDep) -> HealthOut:
        """Load the index on disk now (the server also notices a new index by itself within a second)."""
        engine.load()
        return HealthOut(**engine.health().__dict__)

    app.include_router(protected)

    @app.get("/health", response_model=HealthOut, tags=["service"])
    def health(engine: EngineDep) -> HealthOut:
        """Service status, index size, model, build time and query embedder. Never needs a key."""
        return HealthOut(**engine.health().__dict__)

    return app

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

from fastapi import APIRouter, Depends, FastAPI, File, HTTPException, Request, Security, UploadFile
from fastapi.middleware.cors import CORSMiddleware
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.security import APIKeyHeader

from . import __version__
from .config import Settings, get_settings
from .engine import Engine
from .errors import (
    BriefQAError,
    DocumentNotFound,
    DocumentTooLarge,
    IndexCorrupt,
    IndexNotFound,
    InvalidInput,
    UnreadableDocument,
    UnsupportedFormat,
    WritesRefused,
)
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
    UploadedDocument,
    UploadResponse,
)

WEB = Path(__file__).resolve().parent / "web"
log = logging.getLogger("briefqa.api")
access_log = logging.getLogger("briefqa.access")

_STATUS = {
    IndexNotFound: 503, IndexCorrupt: 503, DocumentNotFound: 404, InvalidInput: 422,
    UnsupportedFormat: 415, UnreadableDocument: 422, DocumentTooLarge: 413, WritesRefused: 403,
}
_WRITE_ERRORS = {
    403: {"model": ErrorOut, "description": "The server is read-only (BRIEFQA_READ_ONLY)"},
    413: {"model": ErrorOut, "description": "A file over BRIEFQA_MAX_UPLOAD_MB"},
    415: {"model": ErrorOut, "description": "A file type briefqa cannot read; the detail lists the ones it can"},
    422: {"model": ErrorOut, "description": "An empty, damaged, encrypted or textless document; the detail says which"},
}
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
    """Refuse request bodies over ``limit`` bytes with 413, whether or not Content-Length is sent.

    Uploads (POST /documents) have their own, larger ``upload_limit``.
    """

    def __init__(self, app, limit: int, upload_limit: int | None = None) -> None:
        self.app, self.default_limit, self.upload_limit = app, limit, upload_limit or limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        uploading = scope["method"] == "POST" and scope["path"].rstrip("/") == "/documents"
        limit = self.upload_limit if uploading else self.default_limit
        await self._limited(scope, receive, send, limit)

    async def _limited(self, scope, receive, send, limit: int) -> None:
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await _too_large(send, limit)
        seen, too_large, started = 0, False, False

        async def counted():
            # Past the limit the app is told the client went away, so it stops reading.
            nonlocal seen, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
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
            await _too_large(send, limit)


async def _too_large(send, limit: int) -> None:
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    body = json.dumps({"detail": f"request body is over {size}"}).encode()
    await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def create_app(
    engine: Engine | None = None, *, index_dir: Path | None = None, settings: Settings | None = None, replicas: int | None = None,
) -> FastAPI:
    """Build the app. Tests pass their own Engine; ``briefqa serve`` lets settings decide."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if engine is None:
            app.state.engine = Engine(
                index_dir or settings.index_dir, candidates=settings.candidates, max_answer_chars=settings.max_answer_chars,
                onnx_threads=settings.onnx_threads, concurrent=True, min_confidence=settings.min_confidence,
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
    app.state.replicas = replicas  # set when Ray Serve runs one copy of this app per replica
    if engine is not None:  # usable before lifespan runs, as schemathesis' ASGI transport does
        app.state.engine = engine
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"], allow_headers=["Content-Type", "X-API-Key"])

    upload_bytes = settings.max_upload_mb * 1024 * 1024
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, upload_limit=upload_bytes + 64 * 1024)  # room for the form's framing
    app.state.read_only = settings.read_only
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
        answer = engine.ask(body.question, top_k=body.top_k, min_confidence=body.min_confidence)
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
        return [DocumentOut(**{**d.__dict__, "sections": list(d.sections)}) for d in engine.documents()]

    @protected.get("/documents/{doc_id}", response_model=DocumentDetail, tags=["documents"])
    def document(doc_id: str, engine: EngineDep) -> DocumentDetail:
        """One article with its sections and raw text, looked up by id in the index (never by path)."""
        article = engine.document(doc_id)
        return DocumentDetail.of(article, engine.index.chunks_per_document.get(article.doc_id, 0))

    def require_writes(request: Request) -> None:
        if request.app.state.read_only:
            raise WritesRefused("this server is read-only (BRIEFQA_READ_ONLY); documents cannot be added or removed")

    writes = [Depends(require_writes)]

    @protected.get("/documents/{doc_id}/file", tags=["documents"], response_class=Response,
                   responses={200: {"content": {"application/octet-stream": {}}, "description": "The original file"}})
    def document_file(doc_id: str, engine: EngineDep) -> Response:
        """The document's original bytes, as ingested or uploaded, with its content type."""
        data, content_type, name = engine.original(doc_id)
        return Response(data, media_type=content_type, headers={"Content-Disposition": f'inline; filename="{_header_safe(name)}"'})

    @protected.post("/documents", status_code=201, response_model=UploadResponse, tags=["documents"], dependencies=writes, responses=_WRITE_ERRORS)
    def upload(engine: EngineDep, files: Annotated[list[UploadFile], File(description="One or more .txt, .md, .html, .pdf or .docx files")]) -> UploadResponse:
        """Add documents, or replace those with the same file name; they are answerable when this returns.

        Only the new documents are parsed and embedded; the index is swapped in whole, so
        queries running meanwhile see the old version or the new one. Uploads are applied one at a time.
        """
        uploads = [(f.filename or "", f.file.read()) for f in files]
        articles = engine.add(uploads, max_bytes=upload_bytes)
        counts = engine.index.chunks_per_document
        return UploadResponse(documents=[
            UploadedDocument(doc_id=a.doc_id, source=a.source, title=a.title, format=a.format, chunks=counts.get(a.doc_id, 0)) for a in articles
        ])

    @protected.delete("/documents/{doc_id}", status_code=204, tags=["documents"], dependencies=writes, responses=_WRITE_ERRORS)
    def delete(doc_id: str, engine: EngineDep) -> Response:
        """Remove a document from the index; its passages stop being cited at once."""
        engine.remove(doc_id)
        return Response(status_code=204)

    @protected.post("/admin/reload", response_model=HealthOut, tags=["service"])
    def reload(engine: EngineDep) -> HealthOut:
        """Load the index on disk now (the server also notices a new index by itself within a second)."""
        engine.load()
        return HealthOut(**engine.health().__dict__, accepts_writes=not app.state.read_only, replicas=app.state.replicas)

    app.include_router(protected)

    app.mount("/static", StaticFiles(directory=WEB), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        """The web page: static HTML, CSS and JavaScript that use this same API (no key needed to load it)."""
        return FileResponse(WEB / "index.html", media_type="text/html; charset=utf-8")

    @app.get("/health", response_model=HealthOut, tags=["service"])
    def health(engine: EngineDep) -> HealthOut:
        """Service status, index size, model, build time and query embedder. Never needs a key."""
        return HealthOut(**engine.health().__dict__, accepts_writes=not app.state.read_only, replicas=app.state.replicas)

    return app


def _header_safe(name: str) -> str:
    return "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)

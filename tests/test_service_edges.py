"""Hostile requests, the API key, CORS, request logs and schema fuzzing."""

import json
import logging

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from briefqa.api import create_app
from briefqa.config import Settings

from .conftest import raw_text


@pytest.fixture(scope="module")
def keyed(engine):
    with TestClient(create_app(engine, settings=Settings(api_key="s3cret", cors_origins=["https://news.example"]))) as client:
        yield client


def test_bodies_over_64_kb_are_413(client):
    response = client.post("/ask", content=json.dumps({"question": "x" * 70_000}), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"detail": "request body is over 64 KB"}


def test_streamed_bodies_over_64_kb_are_413_too(client):
    chunks = (b"x" * 8192 for _ in range(10))  # no Content-Length: chunked upload
    response = client.post("/ask", content=chunks, headers={"content-type": "application/json"})
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("content", "content_type"),
    [("{not json", "application/json"), ('{"question": "Who?"}', "text/plain"), ("", "application/json"), ("[1, 2]", "application/json")],
)
def test_malformed_bodies_are_422_with_a_detail(client, content, content_type):
    response = client.post("/ask", content=content, headers={"content-type": content_type})
    assert response.status_code in (415, 422)
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "question",
    ["¿Cuánto dinero incautó HSI en 2021?", "ما هو دور ICE؟", "HSI\u200b seized\u200d how much? 🙂🙂", "nul\x00byte question", "\u202eHSI 2021 currency", "ＨＳＩ seized currency"],
)
def test_unicode_edge_cases_keep_offsets_exact(client, question):
    response = client.post("/ask", json={"question": question})
    assert response.status_code == 200
    body = response.json()
    for item in body["citations"]:
        assert raw_text(item["source"])[item["start"] : item["end"]] == item["quote"]
    for passage in body["passages"]:
        assert raw_text(passage["source"])[passage["start"] : passage["end"]] == passage["text"]


@pytest.mark.parametrize("path", ["/ask", "/search", "/brief"])
def test_a_lone_surrogate_is_refused_with_422_not_500(client, path):
    # JSON may carry "\\ud800": Python decodes it to a lone surrogate, which is not text, and
    # the 422 that says so must not itself fail to encode the input it echoes.
    field = {"/ask": "question", "/search": "query", "/brief": "topic"}[path]
    response = client.post(path, content='{"%s": "fentanyl \\ud800 seizures"}' % field, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "Input should be a valid string, unable to parse raw data as a unicode string"


def test_the_api_key_guards_everything_but_health_and_docs(keyed):
    question = {"question": "How much illicit currency did HSI seize in 2021?"}
    assert keyed.post("/ask", json=question).status_code == 401
    assert keyed.post("/ask", json=question, headers={"X-API-Key": "wrong"}).status_code == 401
    assert keyed.get("/documents").status_code == 401
    assert keyed.post("/admin/reload").status_code == 401
    assert keyed.post("/ask", json=question, headers={"X-API-Key": "s3cret"}).status_code == 200
    for path in ["/health", "/docs", "/openapi.json"]:
        assert keyed.get(path).status_code == 200
    schemes = keyed.get("/openapi.json").json()["components"]["securitySchemes"]
    assert schemes["APIKeyHeader"] == {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "Needed only when the server sets BRIEFQA_API_KEY"}


def test_cors_is_off_by_default_and_configurable(client, keyed):
    origin = {"Origin": "https://news.example"}
    assert "access-control-allow-origin" not in client.get("/health", headers=origin).headers
    assert keyed.get("/health", headers=origin).headers["access-control-allow-origin"] == "https://news.example"


def test_one_json_log_line_per_request(client, caplog):
    with caplog.at_level(logging.INFO, logger="briefqa.access"):
        client.post("/ask", json={"question": "How much illicit currency did HSI seize in 2021?"})
        client.get("/documents/missing")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "briefqa.access"]
    assert [(l["method"], l["path"], l["status"], l["answered"]) for l in lines] == [
        ("POST", "/ask", 200, True), ("GET", "/documents/missing", 404, None),
    ]
    assert all(isinstance(l["ms"], float) for l in lines)


def test_the_access_log_records_the_413_the_client_got(client, caplog):
    def chunks():
        for _ in range(100):
            yield b"x" * 1024

    with caplog.at_level(logging.INFO, logger="briefqa.access"):
        assert client.post("/ask", content=b"x" * (65 * 1024), headers={"content-type": "application/json"}).status_code == 413
        assert client.post("/ask", content=chunks(), headers={"content-type": "application/json"}).status_code == 413
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "briefqa.access"]
    assert [(l["path"], l["status"]) for l in lines] == [("/ask", 413), ("/ask", 413)]


def test_admin_reload_returns_health(client):
    body = client.post("/admin/reload").json()
    assert body["status"] == "ok" and body["documents"] == 5


def test_no_generated_request_breaks_the_contract(engine):
    """Schemathesis, from the app's own OpenAPI schema: no 5xx, and every response matches its declared schema."""
    # With a key configured, so schemathesis can also check that wrong keys are refused; read-only,
    # so generated uploads and deletions are refused (403) and never change the shared test index.
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(engine, settings=Settings(api_key="s3cret", read_only=True)))
    operations = [result.ok() for result in schema.get_all_operations()]
    # ask, search, brief, documents (list, upload), document (detail, file, delete), reload, health
    assert len(operations) == 10
    for operation in operations:

        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case) -> None:
            case.call_and_validate(headers={"X-API-Key": "s3cret"})

        check()


@pytest.mark.parametrize("text", ["\x1e", " \x85\t", "\ufeff", "\u3000"])
def test_a_question_of_white_space_in_any_sense_is_blank_to_schema_and_server(client, text):
    """Python counts \\x1c-\\x1f and \\x85 as white space, JavaScript counts \\ufeff: blank to both."""
    import re

    pattern = client.get("/openapi.json").json()["components"]["schemas"]["AskRequest"]["properties"]["question"]["pattern"]
    assert not re.search(pattern, text)
    response = client.post("/ask", json={"question": text})
    assert response.status_code == 422 and "must not be blank" in response.text

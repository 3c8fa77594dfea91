import json

import pytest
from fastapi.testclient import TestClient

from briefqa.api import create_app
from briefqa.embeddings import ENCODER_META, REPOSITORY_ENCODER
from briefqa.engine import Engine

from .conftest import SEEDS, raw_text

ASK_KEYS = {"question", "answered", "answer", "confidence", "citations", "passages", "reason", "needed", "lowered_for"}
CITATION_KEYS = {"n", "source", "title", "section", "start", "end", "quote", "page"}
PASSAGE_KEYS = {"chunk_id", "source", "title", "section", "start", "end", "text", "score"}


def test_ask_answers_the_headline_question_with_an_exact_citation(client):
    response = client.post("/ask", json={"question": "How much illicit currency did HSI seize in 2021?"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == ASK_KEYS
    assert body["answered"] is True
    assert "$522 million" in body["answer"]
    assert 0.5 < body["confidence"] <= 1
    (citation,) = body["citations"]
    assert set(citation) == CITATION_KEYS
    assert citation["source"] == "002_47b46ce98c28fd65.txt"
    assert raw_text(citation["source"])[citation["start"] : citation["end"]] == citation["quote"]
    assert len(body["passages"]) == 5
    for passage in body["passages"]:
        assert set(passage) == PASSAGE_KEYS
        assert raw_text(passage["source"])[passage["start"] : passage["end"]] == passage["text"]


def test_ask_takes_a_min_confidence_for_one_request(client):
    question = "What is HSI within the Department of Homeland Security?"
    refused = client.post("/ask", json={"question": question}).json()
    assert refused["answered"] is False and refused["reason"].endswith("confidence 0.391, below the 0.4 needed")
    assert refused["needed"] == 0.4
    body = client.post("/ask", json={"question": question, "min_confidence": 0.25}).json()
    assert body["answered"] is True and body["confidence"] == 0.391 and body["needed"] == 0.25 and body["lowered_for"] is None
    first = body["citations"][0]
    assert (first["source"], first["start"], first["end"], first["quote"]) == (
        "002_47b46ce98c28fd65.txt", 365, 449, "HSI is the principal investigative arm of the Department of Homeland Security (DHS).",
    )


def test_ask_says_what_a_table_row_named_by_its_label_needed(client):
    body = client.post("/ask", json={"question": "What does the operation-aspect table give as the result?"}).json()
    assert body["answered"] is True and body["confidence"] == 0.908 and body["needed"] == 0.2
    assert body["lowered_for"] == "a table row or list item the question names by its label"
    # A veto refuses before any confidence is weighed, so nothing was needed.
    vetoed = client.post("/ask", json={"question": "How much illicit currency did HSI seize in 2022?"}).json()
    assert vetoed["answered"] is False and vetoed["needed"] is None


def test_ask_abstains_but_still_returns_passages(client):
    body = client.post("/ask", json={"question": "How much illicit currency did HSI seize in 2022?", "top_k": 3}).json()
    assert body["answered"] is False
    assert body["answer"] is None and body["citations"] == []
    assert len(body["passages"]) == 3


def test_search_returns_ranked_exact_passages(client):
    body = client.post("/search", json={"query": "stash houses", "top_k": 4}).json()
    assert body["query"] == "stash houses"
    assert len(body["results"]) == 4
    assert body["results"][0]["source"] == "003_e33ec4f381171ce5.txt"
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)


def test_documents_list_and_detail(client):
    listed = client.get("/documents").json()
    assert [d["source"] for d in listed] == [
        "000_5ab1ac1bfa827a42.txt", "001_8cb83d41340bd58a.txt", "002_47b46ce98c28fd65.txt",
        "003_e33ec4f381171ce5.txt", "004_434760b6812f335f.txt",
    ]
    assert set(listed[0]) == {"doc_id", "source", "title", "chars", "chunks", "sha256", "format", "sections"}
    assert listed[0]["format"] == "text" and listed[0]["sections"][:2] == ["Understanding Venezuelan Organized Crime", "Role of ICE in Combating Organized Crime"]
    assert listed[2]["chars"] == len(raw_text("002_47b46ce98c28fd65.txt"))
    detail = client.get(f"/documents/{listed[2]['doc_id']}").json()
    assert detail["title"] == "HSI’s Focus on Disrupting Drug Trafficking Networks"
    assert detail["sections"][1] == {"heading": "Strategies to Disrupt Drug Trafficking", "start": 1222, "end": 1336}
    assert detail["text"] == raw_text("002_47b46ce98c28fd65.txt")
    assert detail["pages"] == [] and detail["format"] == "text"
    original = client.get(f"/documents/{listed[2]['doc_id']}/file")
    assert original.status_code == 200 and original.headers["content-type"] == "text/plain; charset=utf-8"
    assert original.content == (SEEDS / "002_47b46ce98c28fd65.txt").read_bytes()


@pytest.mark.parametrize("doc_id", ["nope", "..%2F..%2Fetc%2Fpasswd", "000_5ab1ac1bfa827a42.txt"])
def test_unknown_documents_are_404(client, doc_id):
    response = client.get(f"/documents/{doc_id}")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_health_reports_the_index(client):
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert (body["documents"], body["chunks"]) == (5, 68)
    assert body["model"] == json.loads((REPOSITORY_ENCODER / ENCODER_META).read_text())["name"]
    assert body["model"].startswith("all-MiniLM-L6-v2-briefqa-")  # the fine-tuned encoder, named by its checksum
    assert body["built_at"]
    assert body["answer_threshold"] == 0.4  # the verifier's own, as no BRIEFQA_MIN_CONFIDENCE is set


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"question": "   "}, "question must not be blank"),
        ({"question": "x" * 1001}, "at most 1000 characters"),
        ({"question": "Who?", "top_k": 0}, "greater than or equal to 1"),
        ({"question": "Who?", "top_k": 51}, "less than or equal to 50"),
        ({}, "Field required"),
        ({"question": 42}, "Input should be a valid string"),
        ({"question": "Who?", "top_k": "5"}, "Input should be a valid integer"),
        ({"question": "Who?", "extra": 1}, "Extra inputs are not permitted"),
        ({"question": "Who?", "min_confidence": 1.5}, "less than or equal to 1"),
        ({"question": "Who?", "min_confidence": -0.1}, "greater than or equal to 0"),
        ({"question": "Who?", "min_confidence": "0.3"}, "Input should be a valid number"),
        ({"question": "Who?", "min_confidence": True}, "Input should be a valid number"),
    ],
)
def test_bad_ask_requests_are_422_with_a_detail(client, payload, expected):
    response = client.post("/ask", json=payload)
    assert response.status_code == 422
    assert expected in str(response.json()["detail"])


def test_bad_search_requests_are_422(client):
    assert client.post("/search", json={"query": ""}).status_code == 422
    assert client.post("/search", json={"query": "x", "top_k": 99}).status_code == 422


def test_without_an_index_every_data_endpoint_is_503_with_the_fix(tmp_path, embedder):
    app = create_app(Engine(tmp_path / "missing", embedder=embedder))
    with TestClient(app) as client:
        for method, path, body in [("post", "/ask", {"question": "Who?"}), ("post", "/search", {"query": "x"}), ("get", "/documents", None)]:
            response = client.request(method, path, json=body)
            assert response.status_code == 503
            assert "briefqa ingest" in response.json()["detail"]
        health = client.get("/health").json()
        assert health["status"] == "no_index" and "briefqa ingest" in health["reason"]


def test_swagger_and_openapi_are_served(client):
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert {"/ask", "/search", "/documents", "/documents/{doc_id}", "/health"} <= set(schema["paths"])
    assert schema["paths"]["/ask"]["post"]["summary"]


def test_brief_endpoint_returns_the_full_shape(client):
    body = client.post("/brief", json={"topic": "human smuggling", "max_points": 5}).json()
    assert set(body) == {"topic", "covered", "overview", "points", "key_figures", "organizations", "citations", "sources", "markdown", "never_mentioned"}
    assert body["covered"] is True and len(body["points"]) == 5
    for citation in body["citations"]:
        assert raw_text(citation["source"])[citation["start"] : citation["end"]] == citation["quote"]
    assert {"source": "003_e33ec4f381171ce5.txt", "title": "DHS Launches Novel Campaign to Combat Human Smuggling Networks"} in body["sources"]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [({"topic": " "}, "topic must not be blank"), ({"topic": "drugs", "max_points": 0}, "greater than or equal to 1"),
     ({"topic": "drugs", "max_points": 21}, "less than or equal to 20"), ({}, "Field required")],
)
def test_bad_brief_requests_are_422(client, payload, expected):
    response = client.post("/brief", json=payload)
    assert response.status_code == 422
    assert expected in str(response.json()["detail"])

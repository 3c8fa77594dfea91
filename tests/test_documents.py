"""Your own documents: five formats, uploads and deletions over HTTP and the CLI, exact citations throughout."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from briefqa.api import create_app
from briefqa.config import Settings
from briefqa.engine import Engine
from briefqa.index import build_index, load_index, original_path
from briefqa.readers import read_document

from .conftest import SEEDS
from .documents import HTML_PAGE, MARKDOWN, docx_bytes, pdf_bytes, zip_bomb
from .test_cli import run

SCANNER_QUESTION = "When will the port authority install gamma-ray scanners at all nine gates?"
TRAWLER_QUESTION = "How many trawlers did the coast patrol inspect?"
LIGHTHOUSE_QUESTION = "When was the Kestrel Point lamp first lit?"
BOILERPLATE = ("cookie", "tracker-secret", "analytics", "Copyright", "privacy policy", "Subscribe", "font-family")


def assert_exact(answer_json: dict, client: TestClient) -> None:
    for citation in answer_json["citations"]:
        doc_id = Path(citation["source"]).stem
        text = client.get(f"/documents/{doc_id}").json()["text"]
        assert text[citation["start"] : citation["end"]] == citation["quote"]


def index_state(index_dir: Path) -> dict[str, str]:
    """Every file of the index with its checksum: what "the index is unchanged" means."""
    return {str(p.relative_to(index_dir)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(index_dir.rglob("*")) if p.is_file()}


@pytest.fixture
def writable(index_dir, tmp_path):
    target = tmp_path / "index"
    shutil.copytree(index_dir, target)
    engine = Engine(target)
    with TestClient(create_app(engine, settings=Settings(index_dir=target, max_upload_mb=1))) as client:
        yield client, engine, target


def upload(client: TestClient, *files: tuple[str, bytes]):
    return client.post("/documents", files=[("files", (name, data, "application/octet-stream")) for name, data in files])


# -- readers -------------------------------------------------------------------


def test_each_reader_keeps_the_structure_and_exact_offsets():
    pdf = read_document(pdf_bytes(), "review.pdf")
    memo = read_document(docx_bytes(), "memo.docx")
    page = read_document(HTML_PAGE, "lighthouse.html")
    notes = read_document(MARKDOWN, "bridge.md")
    assert [a.format for a in (pdf, memo, page, notes)] == ["pdf", "docx", "html", "markdown"]
    assert (pdf.title, memo.title, page.title, notes.title) == (
        "Harbour Security Review", "Fisheries Enforcement Memo", "Volunteers Restore the Old Lighthouse", "Bridge Inspection Notes",
    )
    assert [s.heading for s in memo.sections] == [None, "Violations found", "Fines"]
    assert [(b.kind, memo.text[b.start : b.end]) for b in memo.blocks if b.kind != "paragraph"] == [
        ("item", "Undersized nets on eleven trawlers"), ("item", "Missing catch logbooks on four trawlers"),
        ("row", "| Undersized nets | 2,500 kroner |"), ("row", "| Missing logbook | 800 kroner |"),
    ]
    assert [(b.kind, notes.text[b.start : b.end]) for b in notes.blocks][:3] == [
        ("paragraph", "The Old Mill bridge was closed on 4 March after engineers found corrosion in two girders."),
        ("item", "Replace both girders"), ("item", "Repaint the deck"),
    ]
    assert "**" not in notes.text and "](" not in notes.text  # inline markup is not part of any quote
    assert [s.heading for s in page.sections] == [None, "Funding"]
    assert len(pdf.pages) == 2 and pdf.page_at(pdf.text.index("gamma-ray")) == 2 and pdf.page_at(pdf.text.index("340 cargo")) == 1
    for article in (pdf, memo, page, notes):
        for block in article.blocks:
            assert article.text[block.start : block.end].strip()


def test_amounts_in_other_currencies_are_amounts():
    from briefqa import entities

    assert entities.MONEY.findall("The restoration cost 310,000 pounds, most of it raised locally.") == ["310,000 pounds"]
    assert entities.MONEY.findall("a fine of 800 kroner, or 14 million euros") == ["800 kroner", "14 million euros"]
    assert entities.MONEY.findall("HSI seized 4,500 pounds of fentanyl") == []  # a weight, not money


def test_html_boilerplate_never_reaches_the_text():
    text = read_document(HTML_PAGE, "lighthouse.html").text
    for furniture in BOILERPLATE + ("window.trackingId", "Home"):
        assert furniture not in text


@pytest.mark.parametrize(
    ("name", "data", "error", "reason"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "UnsupportedFormat", "photo.png is image/png; briefqa reads plain text (.txt)"),
        ("renamed.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "UnsupportedFormat", "renamed.pdf is image/png"),
        ("locked.pdf", None, "UnreadableDocument", "locked.pdf: the PDF is encrypted or password-protected"),
        ("scan.pdf", None, "UnreadableDocument", "scan.pdf: the PDF has no text layer (a scanned image?)"),
        ("broken.pdf", b"%PDF-1.7\nthis is not a PDF body", "UnreadableDocument", "broken.pdf: not a readable PDF"),
        ("empty.pdf", b"", "UnreadableDocument", "empty.pdf: the file is empty"),
        ("memo.docx", b"plain words, not an archive", "UnreadableDocument", "memo.docx: not a valid .docx (it is not a zip archive)"),
        ("bomb.docx", None, "UnreadableDocument", "bomb.docx: the archive would expand to 67,108,872 bytes"),
        ("latin.txt", "Café".encode("cp1252"), "UnreadableDocument", "latin.txt: not UTF-8 (byte 3)"),
    ],
)
def test_bad_documents_get_a_reason(name, data, error, reason):
    data = data if data is not None else {"locked.pdf": lambda: pdf_bytes(encrypted=True), "scan.pdf": lambda: pdf_bytes(text=False), "bomb.docx": zip_bomb}[name]()
    with pytest.raises(Exception) as raised:
        read_document(data, name)
    assert type(raised.value).__name__ == error
    assert str(raised.value).startswith(reason)


# -- folder ingest -------------------------------------------------------------


def test_a_folder_mixing_five_formats_ingests_in_one_command(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "reports").mkdir(parents=True)
    shutil.copy(SEEDS / "003_e33ec4f381171ce5.txt", corpus / "003_e33ec4f381171ce5.txt")
    (corpus / "reports" / "review.pdf").write_bytes(pdf_bytes())
    (corpus / "reports" / "memo.docx").write_bytes(docx_bytes())
    (corpus / "lighthouse.html").write_bytes(HTML_PAGE)
    (corpus / "bridge.md").write_bytes(MARKDOWN)
    (corpus / ".hidden.txt").write_text("Secret notes\n\nThe hidden file says the vault code is 1234.\n")
    (corpus / "locked.pdf").write_bytes(pdf_bytes(encrypted=True))
    index = tmp_path / "index"
    result = run("ingest", "--corpus", str(corpus), "--index", str(index), "--quiet")
    assert result.returncode == 0, result.stderr
    assert "skipped locked.pdf: the PDF is encrypted or password-protected" in result.stderr
    assert "added 5" in result.stdout and "skipped 1" in result.stdout
    loaded = load_index(index)
    assert sorted((a.source, a.format) for a in loaded.articles.values()) == [
        ("003_e33ec4f381171ce5.txt", "text"), ("bridge.md", "markdown"), ("lighthouse.html", "html"),
        ("reports/memo.docx", "docx"), ("reports/review.pdf", "pdf"),
    ]
    for sentence in loaded.sentences:
        article = next(a for a in loaded.articles.values() if a.source == sentence.source)
        assert article.text[sentence.start : sentence.end] == sentence.text
    engine = Engine(index)
    answer = engine.ask(SCANNER_QUESTION)
    assert answer.answered and answer.citations[0].source == "reports/review.pdf" and answer.citations[0].page == 2
    assert engine.ask(TRAWLER_QUESTION).citations[0].source == "reports/memo.docx"
    assert not engine.ask("What is the vault code in the hidden file?").answered
    # Unchanged files are not re-read into new vectors on the next run.
    again = run("ingest", "--corpus", str(corpus), "--index", str(index), "--if-stale", "--quiet")
    assert "is up to date" in again.stdout


# -- uploads and deletions over HTTP -------------------------------------------


def test_upload_then_ask_then_delete_then_restart(writable):
    client, engine, index = writable
    assert not client.post("/ask", json={"question": SCANNER_QUESTION}).json()["answered"]
    review, memo = pdf_bytes(), docx_bytes()
    response = upload(client, ("review.pdf", review), ("memo.docx", memo), ("lighthouse.html", HTML_PAGE))
    assert response.status_code == 201
    assert response.json() == {"documents": [
        {"doc_id": "lighthouse", "source": "lighthouse.html", "title": "Volunteers Restore the Old Lighthouse", "format": "html", "chunks": 2},
        {"doc_id": "memo", "source": "memo.docx", "title": "Fisheries Enforcement Memo", "format": "docx", "chunks": 3},
        {"doc_id": "review", "source": "review.pdf", "title": "Harbour Security Review", "format": "pdf", "chunks": 4},
    ]}
    answer = client.post("/ask", json={"question": SCANNER_QUESTION}).json()
    assert answer["answered"]
    assert [(c["source"], c["page"], c["quote"]) for c in answer["citations"]] == [
        ("review.pdf", 2, "The port authority will install gamma-ray scanners at all nine gates by December 2027."),
    ]
    assert_exact(answer, client)
    lighthouse = client.post("/ask", json={"question": LIGHTHOUSE_QUESTION}).json()
    assert lighthouse["answered"] and "first lit in 1874" in lighthouse["answer"]
    assert_exact(lighthouse, client)
    original = client.get("/documents/review/file")
    assert original.status_code == 200 and original.headers["content-type"] == "application/pdf"
    assert original.content == review
    assert client.get("/documents/memo/file").content == memo
    passages = client.post("/search", json={"query": "cookies privacy policy subscribe analytics lighthouse", "top_k": 50}).json()["results"]
    from_the_page = [p["text"] for p in passages if p["source"] == "lighthouse.html"]
    assert from_the_page and not any(word in text for text in from_the_page for word in BOILERPLATE)

    assert client.delete("/documents/review").status_code == 204
    gone = client.post("/ask", json={"question": SCANNER_QUESTION}).json()
    assert not gone["answered"] and all(p["source"] != "review.pdf" for p in gone["passages"])
    assert client.get("/documents/review").status_code == 404
    restarted = Engine(index)
    assert "review" not in {d.doc_id for d in restarted.documents()} and "memo" in {d.doc_id for d in restarted.documents()}
    assert not restarted.ask(SCANNER_QUESTION).answered
    assert restarted.ask(TRAWLER_QUESTION).answered


def test_uploading_under_an_existing_name_replaces_the_document(writable):
    client, engine, index = writable
    first = b"Harbour notice\n\nThe harbour master retired in March after forty years of service.\n"
    second = b"Harbour notice\n\nThe harbour master was replaced by a deputy named Ines Varga in June.\n"
    assert upload(client, ("notice.txt", first)).status_code == 201
    assert upload(client, ("notice.txt", second)).json()["documents"][0]["doc_id"] == "notice"
    assert [d["source"] for d in client.get("/documents").json()].count("notice.txt") == 1
    assert client.get("/documents/notice").json()["text"] == second.decode()
    answer = client.post("/ask", json={"question": "Who replaced the harbour master?"}).json()
    assert answer["answered"] and "Ines Varga" in answer["answer"]


def test_a_folder_ingest_keeps_uploaded_documents(writable, tmp_path):
    client, engine, index = writable
    upload(client, ("memo.docx", docx_bytes()))
    result = run("ingest", "--corpus", str(SEEDS), "--index", str(index), "--if-stale", "--quiet")
    assert result.returncode == 0 and "is up to date" in result.stdout  # uploads do not make the folder's index stale
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "004_434760b6812f335f.txt").unlink()
    assert run("ingest", "--corpus", str(corpus), "--index", str(index), "--quiet").returncode == 0
    assert {a.source for a in load_index(index).articles.values()} >= {"memo.docx", "000_5ab1ac1bfa827a42.txt"}
    assert "004_434760b6812f335f.txt" not in {a.source for a in load_index(index).articles.values()}


@pytest.mark.parametrize(
    ("name", "make", "status", "detail"),
    [
        ("photo.png", lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 64, 415, "photo.png is image/png; briefqa reads"),
        ("locked.pdf", lambda: pdf_bytes(encrypted=True), 422, "locked.pdf: the PDF is encrypted or password-protected"),
        ("scan.pdf", lambda: pdf_bytes(text=False), 422, "scan.pdf: the PDF has no text layer"),
        ("broken.pdf", lambda: b"%PDF-1.7\ngarbage", 422, "broken.pdf: not a readable PDF"),
        ("empty.txt", lambda: b"", 422, "empty.txt: the file is empty"),
        ("memo.docx", lambda: b"not a zip", 422, "memo.docx: not a valid .docx"),
        ("bomb.docx", zip_bomb, 422, "bomb.docx: the archive would expand"),
        ("big.txt", lambda: b"Big file\n\n" + b"All work and no play makes a dull article. " * 30_000, 413, "request body is over 1 MB"),
        ("nearly.txt", lambda: b"Nearly\n\n" + b"x" * (1024 * 1024 + 10_000), 413, "nearly.txt is 1,058,584 bytes; the limit is 1,048,576 (BRIEFQA_MAX_UPLOAD_MB)"),
        (".hidden.txt", lambda: b"Hidden\n\nA hidden file.", 422, "unusable file name '.hidden.txt'"),
    ],
)
def test_bad_uploads_get_their_error_and_leave_the_index_untouched(writable, name, make, status, detail):
    client, engine, index = writable
    before = index_state(index)
    response = upload(client, ("fine.txt", b"Fine\n\nA perfectly good article about ferries."), (name, make()))
    assert response.status_code == status
    assert response.json()["detail"].startswith(detail)
    assert index_state(index) == before  # no partial document, no orphan vectors: not even the good file
    assert "fine" not in {d["doc_id"] for d in client.get("/documents").json()}


def test_writes_need_the_key_and_are_refused_when_read_only(index_dir, tmp_path):
    target = tmp_path / "index"
    shutil.copytree(index_dir, target)
    before = index_state(target)
    with TestClient(create_app(Engine(target), settings=Settings(api_key="k3y"))) as client:
        assert upload(client, ("a.txt", b"A\n\nSome text here.")).status_code == 401
        assert client.delete("/documents/004_434760b6812f335f", headers={"X-API-Key": "wrong"}).status_code == 401
    with TestClient(create_app(Engine(target), settings=Settings(read_only=True))) as client:
        refused = upload(client, ("a.txt", b"A\n\nSome text here."))
        assert refused.status_code == 403 and "read-only" in refused.json()["detail"]
        assert client.delete("/documents/004_434760b6812f335f").status_code == 403
        assert client.get("/health").json()["accepts_writes"] is False
    assert index_state(target) == before


def test_queries_during_an_upload_all_succeed(writable):
    client, engine, index = writable
    failures: list[str] = []
    done = threading.Event()

    def ask_repeatedly() -> None:
        while not done.is_set():
            response = client.post("/ask", json={"question": "How much illicit currency did HSI seize in 2021?"})
            if response.status_code != 200 or not response.json()["answered"]:
                failures.append(f"{response.status_code} {response.text[:100]}")

    askers = [threading.Thread(target=ask_repeatedly) for _ in range(3)]
    for thread in askers:
        thread.start()
    try:
        assert upload(client, ("review.pdf", pdf_bytes()), ("memo.docx", docx_bytes())).status_code == 201
        assert client.delete("/documents/memo").status_code == 204
    finally:
        done.set()
        for thread in askers:
            thread.join()
    assert failures == []
    assert client.post("/ask", json={"question": SCANNER_QUESTION}).json()["answered"]


# -- the CLI -------------------------------------------------------------------


def test_cli_add_documents_and_remove(index_dir, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(index_dir, index)
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "review.pdf").write_bytes(pdf_bytes())
    (folder / "memo.docx").write_bytes(docx_bytes())
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # not a document name: not even looked at
    (folder / "scan.pdf").write_bytes(pdf_bytes(text=False))
    added = run("add", str(folder), "--index", str(index), "--quiet")
    assert added.returncode == 0, added.stderr
    assert "skipped " in added.stderr and "scan.pdf: the PDF has no text layer" in added.stderr
    assert "memo\tdocx\tmemo.docx\tFisheries Enforcement Memo" in added.stdout and "added 2, replaced 0" in added.stdout
    listed = run("documents", "--index", str(index))
    assert "review\tpdf\t4 chunks\treview.pdf\tHarbour Security Review" in listed.stdout
    asked = run("ask", SCANNER_QUESTION, "--json", "--index", str(index))
    assert '"page": 2' in asked.stdout
    assert run("remove", "review", "--index", str(index)).returncode == 0
    assert "review.pdf" not in run("documents", "--index", str(index)).stdout
    missing = run("remove", "review", "--index", str(index))
    assert missing.returncode == 1 and "no document with id 'review'" in missing.stderr


def test_originals_are_linked_not_copied_and_checked_when_served(writable):
    client, engine, index = writable
    memo = docx_bytes()
    upload(client, ("memo.docx", memo))
    kept = original_path(index, json.loads((index / "manifest.json").read_text()), "memo.docx")
    inode = kept.stat().st_ino
    upload(client, ("notice.txt", b"Harbour notice\n\nThe ferry timetable changes in June.\n"))
    moved = original_path(index, json.loads((index / "manifest.json").read_text()), "memo.docx")
    assert moved != kept and moved.stat().st_ino == inode  # carried into the shard's new version by a hard link
    moved.write_bytes(b"tampered")
    assert client.get("/documents/memo/file").status_code == 503
    assert client.post("/ask", json={"question": TRAWLER_QUESTION}).json()["answered"]  # answering never reads originals

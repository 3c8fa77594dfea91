"""The web page at /, driven in a real headless Chromium (Debian's chromium and chromium-driver) against `briefqa serve`."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT
from .test_cli import BRIEFQA

ARTIFACTS = ROOT / "artifacts" / "screenshots"
HEADLINE = "How much illicit currency did HSI seize in 2021?"
OFF_CORPUS = "How do I make guacamole at home?"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, index_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key = env.get("BRIEFQA_API_KEY")
        full_env = {**os.environ, "HF_HUB_OFFLINE": "1", **env}
        self.process = subprocess.Popen(
            [BRIEFQA, "serve", "--index", str(index_dir), "--port", str(self.port)], env=full_env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/health", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("briefqa serve did not start")

    def api(self, path: str, payload: dict | None = None) -> dict:
        headers = {"Content-Type": "application/json", **({"X-API-Key": self.key} if self.key else {})}
        data = json.dumps(payload).encode() if payload is not None else None
        with urllib.request.urlopen(urllib.request.Request(f"{self.url}{path}", data=data, headers=headers), timeout=30) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_) -> None:
        self.stop()


def copied_index(index_dir: Path, tmp_path_factory, name: str) -> Path:
    target = tmp_path_factory.mktemp(name) / "index"
    shutil.copytree(index_dir, target)
    return target


def chromium(download_dir: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not binary or not driver:
        pytest.fail("Debian's chromium and chromium-driver are needed: apt-get install chromium chromium-driver (.ci/run does it)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument("--window-size=1280,900")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(driver), options=options)
    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(download_dir)})
    browser.implicitly_wait(0)
    return browser


def wait_for(browser, css: str, timeout: float = 30):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css)))


def wait_text(browser, css: str, text: str, timeout: float = 30):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, timeout).until(expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))


def labelled(browser, label: str):
    """The control a <label> names, found the way a person (or a screen reader) finds it."""
    from selenium.webdriver.common.by import By

    for node in browser.find_elements(By.TAG_NAME, "label"):
        if node.text.strip() == label and node.is_displayed():
            return browser.find_element(By.ID, node.get_attribute("for"))
    raise AssertionError(f"no visible control labelled {label!r}")


def upload(browser, server, path) -> None:
    """Choose a file on the Documents page and press Upload, as a person would."""
    from selenium.webdriver.common.by import By

    browser.get(server.url + "/#documents")
    wait_for(browser, "#upload-form")
    labelled(browser, "Add documents (.txt, .md, .html, .pdf, .docx)").send_keys(str(path))
    browser.find_element(By.XPATH, "//button[normalize-space()='Upload']").click()


def submit(browser, label: str, text: str) -> None:
    from selenium.webdriver.common.keys import Keys

    box = labelled(browser, label)
    box.clear()
    box.send_keys(text, Keys.ENTER)


def console_errors(browser) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


@pytest.fixture(scope="module")
def server(index_dir, tmp_path_factory):
    with Server(copied_index(index_dir, tmp_path_factory, "web")) as running:
        yield running


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    downloads = tmp_path_factory.mktemp("downloads")
    driver = chromium(downloads)
    driver.downloads = downloads
    yield driver
    driver.quit()


def test_a_question_gets_an_answer_whose_marker_shows_the_highlighted_quote(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server.url + "/")
    submit(browser, "Question", HEADLINE)
    marker = wait_for(browser, ".answer button.marker")
    assert marker.text == "[1]"
    marker.click()
    highlighted = wait_for(browser, ".citation-card mark")
    expected = server.api("/ask", {"question": HEADLINE})
    assert highlighted.text == expected["citations"][0]["quote"]
    card = browser.find_element(By.CSS_SELECTOR, ".citation-card")
    assert expected["citations"][0]["title"] in card.text and expected["citations"][0]["section"] in card.text
    # In words and as the number: 0.7 and above is high, 0.5 and above medium, below that low.
    words = "high" if expected["confidence"] >= 0.7 else "medium" if expected["confidence"] >= 0.5 else "low"
    threshold = server.api("/health")["answer_threshold"]
    assert browser.find_element(By.CSS_SELECTOR, ".confidence").text == (
        f"Confidence: {words} ({expected['confidence']:.2f}); answers here need {threshold:g}"
    )
    # The card's link opens the document itself, scrolled to the same span, highlighted.
    card.find_element(By.PARTIAL_LINK_TEXT, "at this passage").click()
    assert wait_for(browser, "#reader-text mark").text == expected["citations"][0]["quote"]
    assert browser.find_element(By.ID, "reader-title").text == expected["citations"][0]["title"]
    assert console_errors(browser) == []


def test_the_confidence_bar_can_be_lowered_for_one_question(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    question = "What is HSI within the Department of Homeland Security?"
    browser.get(server.url + "/#ask")
    bar = Select(labelled(browser, "Answer only at confidence"))
    wait_text(browser, "#bar option[value='']", "the server's bar (0.4 or more)")
    submit(browser, "Question", question)
    wait_text(browser, "#ask-result", "The documents do not answer this question.")
    assert "confidence 0.391, below the 0.4 needed" in browser.find_element(By.CSS_SELECTOR, "#ask-result").text
    bar.select_by_value("0.25")
    submit(browser, "Question", question)
    wait_text(browser, ".confidence", "answers here need 0.25")
    assert browser.find_element(By.CSS_SELECTOR, ".confidence").text == "Confidence: low (0.39); answers here need 0.25"
    assert "HSI is the principal investigative arm of the Department of Homeland Security (DHS)." in browser.find_element(By.CSS_SELECTOR, ".answer").text
    bar.select_by_value("")
    # A table row the question names by its label needed half the bar, and the page says so.
    submit(browser, "Question", "What does the operation-aspect table give as the result?")
    wait_text(browser, ".confidence", "half the bar")
    assert browser.find_element(By.CSS_SELECTOR, ".confidence").text == (
        "Confidence: high (0.91); a table row or list item the question names by its label needs 0.2, half the bar"
    )
    # (The weaker part of a corroborated two-part answer is labelled the same way: tests/test_cli.py.)
    assert console_errors(browser) == []


def test_an_off_corpus_question_says_so_and_lists_related_passages(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server.url + "/#ask")
    submit(browser, "Question", OFF_CORPUS)
    wait_text(browser, "#ask-result", "The documents do not answer this question.")
    assert "Related, not an answer" in browser.find_element(By.CSS_SELECTOR, "#ask-result").text
    assert len(browser.find_elements(By.CSS_SELECTOR, "ol.related li")) == 5
    assert console_errors(browser) == []


def test_a_brief_renders_and_its_markdown_download_is_the_apis(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server.url + "/#brief")
    submit(browser, "Topic", "human smuggling")
    wait_for(browser, "ul.points li")
    expected = server.api("/brief", {"topic": "human smuggling"})
    assert len(browser.find_elements(By.CSS_SELECTOR, "ul.points li")) == len(expected["points"])
    browser.find_element(By.XPATH, "//button[normalize-space()='Download Markdown']").click()
    saved = browser.downloads / "brief-human-smuggling.md"
    deadline = time.monotonic() + 10
    while not saved.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert saved.read_text(encoding="utf-8") == expected["markdown"]


def test_an_upload_becomes_answerable_and_a_delete_removes_it(server, browser, tmp_path):
    from selenium.webdriver.common.by import By

    from .documents import pdf_bytes

    question = "When will the port authority install gamma-ray scanners at all nine gates?"
    document = tmp_path / "review.pdf"
    document.write_bytes(pdf_bytes())
    upload(browser, server, document)
    wait_text(browser, "#upload-status", "Added review.pdf.")
    assert "Harbour Security Review" in browser.find_element(By.ID, "document-list").text
    review = browser.find_element(By.XPATH, "//div[@class='doc'][.//div[@class='title' and text()='Harbour Security Review']]")
    assert "review.pdf · pdf · 4 chunks" in review.text
    review.find_element(By.TAG_NAME, "summary").click()
    assert [item.text for item in review.find_elements(By.CSS_SELECTOR, "details li")][:2] == ["Findings", "Scanner Programme"]
    browser.get(server.url + "/#ask")
    submit(browser, "Question", question)
    wait_for(browser, ".answer button.marker").click()
    assert "page 2" in wait_for(browser, ".citation-card").text
    browser.get(server.url + "/#documents")
    wait_for(browser, "button[aria-label='Delete Harbour Security Review']").click()
    browser.switch_to.alert.accept()
    wait_text(browser, "#upload-status", "Deleted review.pdf.")
    browser.get(server.url + "/#ask")
    submit(browser, "Question", question)
    wait_text(browser, "#ask-result", "The documents do not answer this question.")


def test_an_unreadable_upload_shows_a_sentence_saying_what_to_do(server, browser, tmp_path):
    from selenium.webdriver.common.by import By

    picture = tmp_path / "photo.pdf"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    upload(browser, server, picture)
    wait_text(browser, "#notice", "That file type cannot be read. Use .txt, .md, .html, .pdf or .docx.")
    assert "photo.pdf is image/png" in browser.find_element(By.ID, "notice").text


def test_a_read_only_server_shows_no_upload_or_delete_controls(index_dir, tmp_path_factory, browser):
    from selenium.webdriver.common.by import By

    with Server(copied_index(index_dir, tmp_path_factory, "read-only"), BRIEFQA_READ_ONLY="1") as read_only:
        browser.get(read_only.url + "/#documents")
        wait_text(browser, "#document-list", "HSI’s Focus on Disrupting Drug Trafficking Networks")
        assert not browser.find_element(By.ID, "upload-form").is_displayed()
        assert browser.find_elements(By.CSS_SELECTOR, "#document-list button.danger") == []
        browser.get(read_only.url + "/#status")
        wait_text(browser, "#status-list", "no (read-only)")


def test_every_control_is_reachable_with_tab(server, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    for view in ("ask", "brief", "documents", "status"):
        browser.get(f"{server.url}/#{view}")
        wait_for(browser, f"[data-view-panel='{view}']")
        time.sleep(0.3)
        controls = {
            c.id for c in browser.find_elements(By.CSS_SELECTOR, "a[href], button, input, select, [tabindex='0']") if c.is_displayed()
        }
        reached = set()
        body = browser.find_element(By.TAG_NAME, "body")
        body.click()
        for _ in range(len(controls) * 2 + 5):
            ActionChains(browser).send_keys(Keys.TAB).perform()  # to the page, as a person presses it
            reached.add(browser.switch_to.active_element.id)
        assert controls <= reached, view


def test_screenshots_of_each_view_at_laptop_and_phone_widths(server, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        browser.set_window_size(width, 900)
        for view, fill in (("ask", ("Question", HEADLINE)), ("brief", ("Topic", "human smuggling")), ("documents", None), ("status", None)):
            browser.get(f"{server.url}/#{view}")
            if fill:
                submit(browser, *fill)
                wait_for(browser, ".answer button.marker" if view == "ask" else "ul.points li").click() if view == "ask" else wait_for(browser, "ul.points li")
                if view == "ask":
                    wait_for(browser, ".citation-card mark")
            else:
                wait_for(browser, "#document-list .doc" if view == "documents" else "#status-list dt")
            path = ARTIFACTS / f"{view}-{width}.png"
            browser.save_screenshot(str(path))
            assert path.stat().st_size > 10_000
    browser.set_window_size(1280, 900)


def test_with_an_api_key_the_page_asks_for_it_and_a_wrong_key_shows_the_error(index_dir, tmp_path_factory, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    keyed = Server(copied_index(index_dir, tmp_path_factory, "keyed"), BRIEFQA_API_KEY="k3y-for-tests")
    try:
        browser.get(keyed.url + "/")
        browser.execute_script("sessionStorage.clear()")
        browser.get(keyed.url + "/")
        wait_for(browser, "#key-form")
        submit(browser, "API key", "wrong")
        wait_text(browser, "#notice", "The API key was refused.")
        submit(browser, "API key", "k3y-for-tests")
        WebDriverWait(browser, 30).until(expected_conditions.invisibility_of_element_located((By.ID, "key-form")))
        assert not browser.find_element(By.ID, "notice").is_displayed()
        submit(browser, "Question", HEADLINE)
        wait_for(browser, ".answer button.marker")
    finally:
        keyed.stop()
        browser.execute_script("sessionStorage.clear()")

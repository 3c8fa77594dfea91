// briefqa's page: every action goes through the public HTTP API, with the same checks as any client.
"use strict";

const state = { key: sessionStorage.getItem("briefqa-key") || "", documents: [], bySource: new Map(), texts: new Map(), health: null, retry: null };
const $ = (selector) => document.querySelector(selector);

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// -- talking to the API -------------------------------------------------------

const ADVICE = {
  401: "The API key was refused. Enter the key the server was started with.",
  403: "This server is read-only: documents cannot be added or removed here.",
  404: "That was not found; it may have been removed. Reload the document list.",
  413: "That is too large for this server. Upload smaller files, or fewer at a time.",
  415: "That file type cannot be read. Use .txt, .md, .html, .pdf or .docx.",
  422: "The server could not use that input.",
  503: "No index is loaded yet. Build one with `make index` (or `briefqa ingest`), then reload this page.",
};

class ApiError extends Error {
  constructor(status, detail) {
    super(`${ADVICE[status] || `The server answered ${status}.`}${detail ? ` (${detail})` : ""}`);
    this.status = status;
  }
}

async function api(path, { method = "GET", json, form } = {}) {
  const headers = {};
  if (state.key) headers["X-API-Key"] = state.key;
  if (json !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body: json !== undefined ? JSON.stringify(json) : form });
  if (response.status === 204) return null;
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    let detail = body && body.detail;
    if (Array.isArray(detail)) detail = detail.map((d) => d.msg).join("; ");
    if (response.status === 401) askForKey(Boolean(state.key));
    throw new ApiError(response.status, detail);
  }
  return body;
}

function notice(message) {
  const box = $("#notice");
  box.textContent = message || "";
  box.hidden = !message;
}

function askForKey(wasWrong) {
  const form = $("#key-form");
  form.hidden = false;
  if (wasWrong) notice(ADVICE[401]);
  $("#api-key").focus();
}

$("#key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  state.key = $("#api-key").value.trim();
  sessionStorage.setItem("briefqa-key", state.key);
  $("#key-form").hidden = true;
  notice("");
  refreshDocuments().then(() => state.retry && state.retry()).catch(show);
});

function show(error) {
  notice(error instanceof ApiError ? error.message : `Something went wrong: ${error.message}`);
}

// -- views --------------------------------------------------------------------

function route() {
  const [view, rest] = (location.hash.slice(1) || "ask").split("/", 2);
  const known = ["ask", "brief", "documents", "status"].includes(view) ? view : "ask";
  if ($("#key-form").hidden) notice("");  // an error belongs to the view it happened in (unless a key is still wanted)
  for (const panel of document.querySelectorAll("[data-view-panel]")) panel.hidden = panel.dataset.viewPanel !== known;
  for (const link of document.querySelectorAll("nav a")) link.toggleAttribute("aria-current", false);
  document.querySelector(`nav a[data-view="${known}"]`).setAttribute("aria-current", "page");
  if (known === "status") renderStatus().catch(show);
  if (known === "documents") {
    renderDocuments();
    if (rest) openDocument(decodeURIComponent(rest.split("?")[0]), new URLSearchParams(rest.split("?")[1] || "")).catch(show);
  }
}
window.addEventListener("hashchange", route);

async function refreshDocuments() {
  state.documents = await api("/documents");
  state.bySource = new Map(state.documents.map((d) => [d.source, d]));
  renderDocuments();
}

async function documentText(docId) {
  if (!state.texts.has(docId)) state.texts.set(docId, await api(`/documents/${encodeURIComponent(docId)}`));
  return state.texts.get(docId);
}

function confidenceWords(value) {
  if (value >= 0.7) return "high";
  if (value >= 0.5) return "medium";
  return "low";
}

// The paragraph around a quote: the line of the text of record that holds it (readers write one block per line).
function paragraphAround(text, start, end) {
  const from = text.lastIndexOf("\n", start - 1) + 1;
  let to = text.indexOf("\n", end);
  if (to < 0) to = text.length;
  return [text.slice(from, start), text.slice(start, end), text.slice(end, to)];
}

function docLink(source, start, end, label) {
  const doc = state.bySource.get(source);
  if (!doc) return element("span", { text: label });
  const range = start !== undefined ? `?start=${start}&end=${end}` : "";
  return element("a", { href: `#documents/${encodeURIComponent(doc.doc_id)}${range}`, text: label });
}

async function citationCard(citation) {
  const doc = state.bySource.get(citation.source);
  const card = element("div", { class: "card citation-card", id: `citation-${citation.n}` });
  const where = [citation.section, citation.page ? `page ${citation.page}` : null].filter(Boolean).join(" · ");
  card.append(element("h3", { text: `[${citation.n}] ${citation.title}` }), element("p", { class: "meta", text: where || citation.source }));
  const paragraph = element("p");
  if (doc) {
    const full = await documentText(doc.doc_id);
    const [before, quote, after] = paragraphAround(full.text, citation.start, citation.end);
    paragraph.append(before, element("mark", { text: quote }), after);
  } else {
    paragraph.append(element("mark", { text: citation.quote }));
  }
  card.append(paragraph, element("p", { class: "meta" }, docLink(citation.source, citation.start, citation.end, `Open ${citation.source} at this passage`)));
  return card;
}

// Answer text with its [n] markers as buttons that open the citation card.
function withMarkers(text, citations, cards) {
  const line = element("p", { class: "answer" });
  const parts = text.split(/(\[\d+\])/);
  for (const part of parts) {
    const match = part.match(/^\[(\d+)\]$/);
    const citation = match && citations.find((c) => c.n === Number(match[1]));
    if (!citation) { line.append(part); continue; }
    const button = element("button", { type: "button", class: "marker", "aria-expanded": "false", "aria-controls": `citation-${citation.n}`, text: `[${citation.n}]` });
    button.addEventListener("click", async () => {
      const open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", String(!open));
      const existing = cards.querySelector(`#citation-${citation.n}`);
      if (open) { if (existing) existing.remove(); return; }
      if (!existing) cards.append(await citationCard(citation));
    });
    line.append(button);
  }
  return line;
}

// -- Ask ----------------------------------------------------------------------

async function ask(question) {
  const target = $("#ask-result");
  target.replaceChildren(element("p", { class: "loading", text: "Looking through the documents…" }));
  if (!state.documents.length) await refreshDocuments();
  // An empty choice leaves the bar to the server (its verifier's threshold, or BRIEFQA_MIN_CONFIDENCE).
  const bar = $("#bar").value;
  const answer = await api("/ask", { method: "POST", json: bar ? { question, min_confidence: Number(bar) } : { question } });
  const cards = element("div", { class: "citations" });
  if (answer.answered) {
    const level = confidenceWords(answer.confidence);
    const needed = bar ? Number(bar) : state.health && state.health.answer_threshold;
    // A table row the question names by its label, or a corroborated part of a two-part answer, needs half the bar;
    // say so rather than show a bar it did not meet.
    const line = `Confidence: ${level} (${answer.confidence.toFixed(2)})` + (answer.lowered_for
      ? `; ${answer.lowered_for} needs ${answer.needed}, half the bar` : needed == null ? "" : `; answers here need ${needed}`);
    target.replaceChildren(
      element("div", { class: "card" },
        withMarkers(answer.answer, answer.citations, cards),
        element("p", { class: "confidence", text: line })),
      cards);
    return;
  }
  const related = element("ol", { class: "related" },
    answer.passages.map((p) => element("li", {},
      element("div", { class: "meta" }, docLink(p.source, p.start, p.end, p.title), p.section ? ` · ${p.section}` : ""),
      element("div", { text: p.text.length > 300 ? `${p.text.slice(0, 300)}…` : p.text }))));
  target.replaceChildren(element("div", { class: "card no-answer" },
    element("p", { class: "answer", text: "The documents do not answer this question." }),
    answer.reason ? element("p", { class: "meta", text: `Why: ${answer.reason}.` }) : null,
    answer.passages.length ? element("h3", { text: "Related, not an answer" }) : null,
    answer.passages.length ? related : null));
}

// A form with one text box: run ``action`` on its trimmed text, with the button busy meanwhile;
// after a 401 the same action is retried once the key is given.
function onSubmit(form, box, action) {
  $(form).addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $(box).value.trim();
    if (!text) return;
    notice("");
    state.retry = () => action(text);
    withBusy(event.target, action(text)).catch(show);
  });
}

onSubmit("#ask-form", "#question", ask);

async function withBusy(form, promise) {
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try { return await promise; } finally { button.disabled = false; }
}

// -- Brief --------------------------------------------------------------------

async function brief(topic) {
  const target = $("#brief-result");
  target.replaceChildren(element("p", { class: "loading", text: "Writing the brief…" }));
  if (!state.documents.length) await refreshDocuments();
  const result = await api("/brief", { method: "POST", json: { topic } });
  if (!result.covered) {
    target.replaceChildren(element("div", { class: "card no-answer" }, element("p", { class: "answer", text: `The documents hold nothing on ${topic}.` })));
    return;
  }
  const cards = element("div", { class: "citations" });
  const markers = (text, numbers) => withMarkers(`${text} ${numbers.map((n) => `[${n}]`).join(" ")}`, result.citations, cards);
  const download = element("button", { type: "button", class: "quiet", text: "Download Markdown" });
  download.addEventListener("click", () => {
    const link = element("a", { href: URL.createObjectURL(new Blob([result.markdown], { type: "text/markdown" })), download: `brief-${topic.replace(/[^\w-]+/g, "-").toLowerCase()}.md` });
    document.body.append(link);
    link.click();
    link.remove();
  });
  const figures = result.key_figures.length ? element("table", {},
    element("thead", {}, element("tr", {}, element("th", { scope: "col", text: "Figure" }), element("th", { scope: "col", text: "In context" }))),
    element("tbody", {}, result.key_figures.map((f) => element("tr", {}, element("td", { text: f.figure }), element("td", {}, markers(f.context, f.citations)))))) : null;
  const caveat = result.never_mentioned.length
    ? element("p", { class: "meta caveat", text: `The documents never mention ${result.never_mentioned.map((w) => `“${w}”`).join(", ")}; this brief gathers what they say on the rest of the topic.` })
    : null;
  target.replaceChildren(element("div", { class: "card" },
    caveat,
    element("h3", { text: "Overview" }), withMarkers(result.overview, result.citations, cards),
    element("h3", { text: "Key points" }), element("ul", { class: "points" }, result.points.map((p) => element("li", {}, markers(p.text, p.citations)))),
    figures ? element("h3", { text: "Key figures" }) : null, figures,
    result.organizations.length ? element("h3", { text: "Organisations" }) : null,
    result.organizations.length ? element("ul", { class: "plain" }, result.organizations.map((o) => element("li", { text: o.acronym ? `${o.name} (${o.acronym})` : o.name }))) : null,
    element("h3", { text: "Sources" }),
    element("ul", { class: "plain" }, result.sources.map((s) => element("li", {}, docLink(s.source, undefined, undefined, s.title)))),
    download), cards);
}

onSubmit("#brief-form", "#topic", brief);

// -- Documents ----------------------------------------------------------------

function renderDocuments() {
  const writable = Boolean(state.health && state.health.accepts_writes);
  $("#upload-form").hidden = !writable;
  const list = $("#document-list");
  list.replaceChildren(...state.documents.map((d) => element("div", { class: "doc" },
    element("div", {},
      element("div", { class: "title", text: d.title }),
      element("div", { class: "meta", text: `${d.source} · ${d.format} · ${d.chunks} chunks` }),
      d.sections.length ? element("details", { class: "sections" },
        element("summary", { text: `${d.sections.length} sections` }),
        element("ul", { class: "plain" }, d.sections.map((heading) => element("li", { text: heading })))) : null),
    element("div", { class: "actions" },
      element("a", { href: `#documents/${encodeURIComponent(d.doc_id)}`, text: "Read", "aria-label": `Read ${d.title}` }),
      writable ? element("button", { type: "button", class: "danger", "aria-label": `Delete ${d.title}`, text: "Delete", onclick: () => remove(d).catch(show) }) : null))));
}

async function openDocument(docId, range) {
  if (!state.documents.length) await refreshDocuments();
  const doc = await documentText(docId);
  $("#reader").hidden = false;
  $("#reader-title").textContent = doc.title;
  $("#reader-meta").textContent = `${doc.source} · ${doc.format}${doc.pages.length ? ` · ${doc.pages.length} pages` : ""}`;
  const start = Number(range.get("start"));
  const end = Number(range.get("end"));
  const body = $("#reader-text");
  if (range.has("start") && end > start) {
    const mark = element("mark", { text: doc.text.slice(start, end), tabindex: "-1" });
    body.replaceChildren(doc.text.slice(0, start), mark, doc.text.slice(end));
    mark.scrollIntoView({ block: "center" });
  } else {
    body.replaceChildren(doc.text);
    body.scrollTop = 0;
  }
}

$("#reader-close").addEventListener("click", () => { $("#reader").hidden = true; location.hash = "#documents"; });

async function remove(doc) {
  if (!window.confirm(`Delete "${doc.title}" (${doc.source}) from the index? Its passages will no longer be cited.`)) return;
  await api(`/documents/${encodeURIComponent(doc.doc_id)}`, { method: "DELETE" });
  state.texts.delete(doc.doc_id);
  $("#upload-status").textContent = `Deleted ${doc.source}.`;
  await refreshDocuments();
}

async function uploadFiles(files) {
  if (!files.length) return;
  const form = new FormData();
  for (const file of files) form.append("files", file, file.name);
  $("#upload-status").textContent = `Uploading ${files.length} file(s)…`;
  try {
    const result = await api("/documents", { method: "POST", form });
    $("#upload-status").textContent = `Added ${result.documents.map((d) => d.source).join(", ")}.`;
    for (const d of result.documents) state.texts.delete(d.doc_id);
    await refreshDocuments();
  } catch (error) {
    $("#upload-status").textContent = "";
    throw error;
  }
}

$("#upload-form").addEventListener("submit", (event) => {
  event.preventDefault();
  notice("");
  withBusy(event.target, uploadFiles([...$("#upload-files").files])).then(() => { $("#upload-files").value = ""; }).catch(show);
});

const zone = $("#drop-zone");
zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.classList.add("over"); });
zone.addEventListener("dragleave", () => zone.classList.remove("over"));
zone.addEventListener("drop", (event) => {
  event.preventDefault();
  zone.classList.remove("over");
  notice("");
  uploadFiles([...event.dataTransfer.files]).catch(show);
});

// -- Status -------------------------------------------------------------------

async function renderStatus() {
  const health = await api("/health");
  state.health = health;
  const rows = [
    ["Status", health.status + (health.reason ? `: ${health.reason}` : "")],
    ["Documents", String(health.documents)], ["Chunks", String(health.chunks)],
    ["Index built", health.built_at || "never"], ["Embedding model", health.model || "none"],
    ["Query embedder", health.embedder || "none"], ["Answer verifier", health.verifier || "none"],
    ["Accepts uploads", health.accepts_writes ? "yes" : "no (read-only)"],
  ];
  $("#status-list").replaceChildren(...rows.flatMap(([name, value]) => [element("dt", { text: name }), element("dd", { text: value })]));
}

function showServerBar() {
  const threshold = state.health && state.health.answer_threshold;
  if (threshold != null) $("#bar option[value='']").textContent = `the server's bar (${threshold} or more)`;
}

// -- start --------------------------------------------------------------------

async function start() {
  route();
  try {
    state.health = await api("/health");
    showServerBar();
    await refreshDocuments();
    route();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) show(error);
  }
}
start();

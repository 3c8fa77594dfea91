"""Adding one document to a large index: time against the document, not the index (part of `make bench`).

Builds a synthetic collection of short articles (paragraphs of the seed articles, shuffled
with a fixed seed), then adds a generated 20-page PDF to it and to the five-article seed
index, and removes it again. Writes docs/documents_bench.md and docs/documents_bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DOCS = ROOT / "docs"


def seed_paragraphs() -> list[str]:
    paragraphs = []
    for path in sorted(SEEDS.glob("*.txt")):
        paragraphs += [p.strip() for p in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if len(p.split()) >= 25]
    return paragraphs


def synthetic_corpus(target: Path, documents: int, paragraphs_each: int) -> None:
    chooser = random.Random(11)
    pool = seed_paragraphs()
    target.mkdir(parents=True)
    for n in range(documents):
        body = "\n\n".join(chooser.sample(pool, paragraphs_each))
        (target / f"doc{n:05d}.txt").write_text(f"Synthetic briefing number {n}\n\n{body}\n", encoding="utf-8")


def long_pdf(pages: int) -> bytes:
    from fpdf import FPDF

    chooser = random.Random(5)
    pool = seed_paragraphs()
    pdf = FPDF()
    pdf.set_font("helvetica", size=10)
    for page in range(pages):
        pdf.add_page()
        pdf.multi_cell(0, 6, f"Chapter {page + 1}", new_x="LMARGIN", new_y="NEXT")
        for paragraph in chooser.sample(pool, 2):  # two fit on a page: one page per chapter
            plain = " ".join(paragraph.split()[:110]).encode("latin-1", "replace").decode("latin-1")
            pdf.multi_cell(0, 5, plain, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    return bytes(pdf.output())


def time_add_and_remove(index_dir: Path, pdf: bytes, runs: int) -> tuple[list[float], list[float], int]:
    from briefqa.collection import add_documents, remove_document
    from briefqa.index import onnx_embedder

    embedder = onnx_embedder(index_dir)
    adds, removes, texts = [], [], 0
    for _ in range(runs):
        began = time.perf_counter()
        report, _ = add_documents(index_dir, [("report.pdf", pdf)], max_bytes=len(pdf) + 1, embedder=embedder)
        adds.append(time.perf_counter() - began)
        texts = report.embedded
        began = time.perf_counter()
        remove_document(index_dir, "report", embedder=embedder)
        removes.append(time.perf_counter() - began)
    return adds, removes, texts


def main() -> None:
    from briefqa.index import build_index
    from briefqa.readers import read_document

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="briefqa-docbench-"))
    try:
        pdf = long_pdf(args.pages)
        pages = len(read_document(pdf, "report.pdf").pages)
        assert pages == args.pages, f"the generated PDF has {pages} pages, not {args.pages}"
        print(f"seed index and a {args.pages}-page PDF ...", flush=True)
        small = work / "small"
        build_index(SEEDS, small, progress=False)
        small_adds, small_removes, texts = time_add_and_remove(small, pdf, args.runs)
        print(f"{args.documents}-document index (a full ingest) ...", flush=True)
        corpus = work / "corpus"
        synthetic_corpus(corpus, args.documents, 2)
        large = work / "large"
        full = build_index(corpus, large, progress=True)
        large_shards = len(json.loads((large / "manifest.json").read_text())["shards"])
        large_adds, large_removes, _ = time_add_and_remove(large, pdf, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results = {
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "pdf_pages": args.pages, "pdf_texts_embedded": texts, "runs": args.runs,
        "add_to_seed_index_s": round(statistics.median(small_adds), 2),
        "add_to_large_index_s": round(statistics.median(large_adds), 2),
        "remove_from_seed_index_s": round(statistics.median(small_removes), 2),
        "remove_from_large_index_s": round(statistics.median(large_removes), 2),
        "large_index_documents": args.documents, "large_index_chunks": full.chunks, "large_index_sentences": full.sentences,
        "large_index_shards": large_shards,
        "full_ingest_s": round(full.seconds, 1), "full_ingest_embed_s": round(full.embed_seconds, 1),
    }
    results["per_page_s"] = round(results["add_to_large_index_s"] / args.pages, 3)
    results["full_ingest_per_document_s"] = round(full.seconds / args.documents, 3)
    results["large_over_seed"] = round(results["add_to_large_index_s"] / results["add_to_seed_index_s"], 2)
    (DOCS / "documents_bench.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    r = results
    lines = [
        "# Adding a document without a rebuild",
        "",
        f"Measured by `make bench` (`scripts/bench_documents.py`) on {r['measured_at']}, this 2-core machine; medians of {r['runs']} runs.",
        "",
        f"A generated {r['pdf_pages']}-page PDF ({r['pdf_texts_embedded']} chunks and sentences to embed) added with "
        "`briefqa add` / `POST /documents`, then removed:",
        "",
        "| index | documents | add the PDF | per page | remove it |",
        "|---|---|---|---|---|",
        f"| the seed articles | 5 | {r['add_to_seed_index_s']} s | {r['add_to_seed_index_s'] / r['pdf_pages']:.3f} s | {r['remove_from_seed_index_s']} s |",
        f"| synthetic articles | {r['large_index_documents']:,} | {r['add_to_large_index_s']} s | {r['per_page_s']} s | {r['remove_from_large_index_s']} s |",
        "",
        f"A full ingest of the {r['large_index_documents']:,}-document collection ({r['large_index_chunks']:,} chunks, "
        f"{r['large_index_sentences']:,} sentences, {r['large_index_shards']} shards) takes {r['full_ingest_s']} s "
        f"({r['full_ingest_per_document_s']} s per document; {r['full_ingest_embed_s']} s of it embedding). Adding the PDF to it "
        f"costs {r['large_over_seed']}× what it costs on the five-article index: only the PDF is embedded, and only the shard "
        "it joins (at most 1,000 chunks before a new one starts) is rewritten. Not included: the server reloading the new "
        "version, which reads every shard and, with more than one, rebuilds BM25 over all chunks.",
        "",
    ]
    (DOCS / "documents_bench.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())

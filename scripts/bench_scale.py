"""The scale-out benchmark: ingest on Ray with 1 and 2 workers, serving with 1 and 2 replicas,
search over 1, 2 and 4 shards of a million vectors, and BM25 at growing sizes.

Writes docs/scale_bench.{md,json}. Run by `make bench` after scripts/bench.py (about 25 minutes
alone: half of it is building HNSW graphs over a million vectors three times). Figures are
medians; every comparison is between runs of this script, on this machine, minutes apart.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import BRIEFQA, DOCS, SEEDS, concurrent_load, free_port, machine, percentile, questions, start_server, timed

SYNTHETIC_DOCUMENTS = 120
ONE_MILLION = 1_000_000


def synthetic_corpus(target: Path, documents: int) -> None:
    """Distinct documents made of the seed articles' paragraphs, shuffled: real text, real lengths."""
    paragraphs = [p.strip() for path in sorted(SEEDS.glob("*.txt")) for p in path.read_text().split("\n\n")[1:] if len(p.split()) > 12]
    rng = random.Random(0)
    target.mkdir(parents=True)
    for number in range(documents):
        body = "\n\n".join(rng.sample(paragraphs, 10))
        (target / f"briefing-{number:04d}.txt").write_text(f"Field briefing {number}\n\n{body}\n", encoding="utf-8")


def ingest_once(corpus: Path, index: Path, *extra: str) -> float:
    shutil.rmtree(index, ignore_errors=True)
    began = time.perf_counter()
    subprocess.run([BRIEFQA, "ingest", "--corpus", str(corpus), "--index", str(index), *extra], check=True, capture_output=True)
    return time.perf_counter() - began


def bench_ingest(work: Path, runs: int, documents: int) -> dict:
    """Wall time of `briefqa ingest` for the local engine and for Ray with 1 and 2 embedding workers.

    A one-document corpus measures each engine's fixed cost (process start, ONNX export, Ray's
    cluster and actor pool); texts ÷ (wall − fixed) is the rate once the work is flowing.
    """
    corpus, tiny = work / "corpus", work / "tiny"
    synthetic_corpus(corpus, documents)
    synthetic_corpus(tiny, 1)
    engines = {
        "local": (),
        "ray, 1 worker": ("--engine", "ray", "--workers", "1", "--shards", "2"),
        "ray, 2 workers": ("--engine", "ray", "--workers", "2", "--shards", "2"),
    }
    rows = []
    for name, extra in engines.items():
        walls = [ingest_once(corpus, work / "index", *extra) for _ in range(runs)]
        fixed = [ingest_once(tiny, work / "index-tiny", *extra) for _ in range(runs)]
        counts = json.loads((work / "index" / "manifest.json").read_text())["counts"]
        texts = counts["chunks"] + counts["sentences"]
        wall, overhead = statistics.median(walls), statistics.median(fixed)
        rows.append({
            "engine": name, "documents": counts["documents"], "texts": texts, "wall_s": round(wall, 1), "fixed_s": round(overhead, 1),
            "texts_per_s": round(texts / wall, 1), "texts_per_s_after_start": round(texts / max(wall - overhead, 1e-9), 1),
            "runs_s": [round(w, 1) for w in walls],
        })
        print(f"  ingest {rows[-1]}", flush=True)
    return {"rows": rows}


def start_ray_server(index: Path, port: int, replicas: int) -> subprocess.Popen:
    import httpx

    process = subprocess.Popen(
        [BRIEFQA, "serve", "--engine", "ray", "--replicas", str(replicas), "--port", str(port), "--index", str(index)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
            if health.status_code == 200 and health.json().get("replicas") == replicas:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.kill()
    raise RuntimeError("Ray Serve did not become healthy in 180 s")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def bench_serving(index: Path, runs: int) -> dict:
    """/ask requests per second with 8 keep-alive clients: plain `briefqa serve`, then Ray Serve with 1 and 2 replicas."""
    asked = questions()
    rows = []
    for name, replicas in (("local (uvicorn, 1 process)", 0), ("ray serve, 1 replica", 1), ("ray serve, 2 replicas", 2)):
        port = free_port()
        process = start_server(index, port)[0] if replicas == 0 else start_ray_server(index, port, replicas)
        try:
            concurrent_load(port, process.pid, asked, clients=8, per_client=10)  # warm every replica
            loads = [concurrent_load(port, process.pid, asked, clients=8, per_client=40) for _ in range(runs)]
        finally:
            stop(process)
        rows.append({
            "server": name, "replicas": replicas or 1, "requests_per_s": statistics.median(r["requests_per_s"] for r in loads),
            "runs": [r["requests_per_s"] for r in loads], "requests": sum(r["requests"] for r in loads), "errors": sum(r["errors"] for r in loads),
        })
        print(f"  serving {rows[-1]}", flush=True)
    return {"rows": rows, "clients": 8}


def synthetic_vectors(base: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Real sentence embeddings plus noise (σ 0.03 per dimension), renormalised: the same recipe as scripts/bench.py."""
    vectors = base[rng.integers(0, len(base), count)] + rng.normal(0, 0.03, (count, base.shape[1])).astype(np.float32)
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def bench_shards(index: Path, total: int, queries: int) -> dict:
    """Search over ``total`` vectors split into 1, 2 and 4 shards, each shard the index briefqa builds at its size."""
    import faiss

    from briefqa.index import _file_sha256, load_index
    from briefqa.shards import FanOut, vector_index

    rng = np.random.default_rng(0)
    base = load_index(index).sentence_vectors
    vectors, probes = synthetic_vectors(base, total, rng), synthetic_vectors(base, queries, rng)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    truth = exact.search(probes, 10)[1]
    del exact
    rows = []
    for count in (1, 2, 4):
        size = total // count
        began = time.perf_counter()
        parts = [(vector_index(vectors[i * size : (i + 1) * size]), i * size) for i in range(count)]
        build_s = time.perf_counter() - began
        fan_out = FanOut(parts)
        total_ms = [timed(fan_out.search, probes[q : q + 1], 10) * 1000 for q in range(queries)]
        part_ms = [sum(timed(part.search, probes[q : q + 1], 10) for part, _ in parts) * 1000 for q in range(queries)]
        found = fan_out.search(probes, 10)[1]
        recall = float(np.mean([len(set(found[q]) & set(truth[q])) / 10 for q in range(queries)]))
        with tempfile.NamedTemporaryFile() as handle:
            faiss.write_index(parts[0][0], handle.name)
            shard_mib = os.path.getsize(handle.name) / 2**20
            hash_mib_per_s = shard_mib / timed(_file_sha256, Path(handle.name))  # every load checks every file
        rows.append({
            "shards": count, "vectors_per_shard": size, "search_p50_ms": round(percentile(total_ms, 50), 3),
            "search_p95_ms": round(percentile(total_ms, 95), 3), "shard_searches_p50_ms": round(percentile(part_ms, 50), 3),
            "merge_p50_ms": round(percentile(total_ms, 50) - percentile(part_ms, 50), 3), "recall_at_10": round(recall, 4),
            "faiss_mib_per_shard": round(shard_mib, 1), "build_s": round(build_s, 1), "sha256_mib_per_s": round(hash_mib_per_s),
        })
        print(f"  shards {rows[-1]}", flush=True)
        del parts, fan_out
    return {"rows": rows, "vectors": total, "queries": queries}


def bench_bm25(sizes: list[int]) -> dict:
    """Building, saving and loading the corpus-wide BM25 over synthetic 90-word chunks.

    Words are drawn from the seed articles' vocabulary, one in ten replaced by a rare token, so
    the vocabulary grows with the corpus as a real archive's names and numbers do.
    """
    import bm25s

    from briefqa.records import Chunk
    from briefqa.shards import corpus_bm25
    from briefqa.terms import words

    vocabulary = sorted(set(words(" ".join(p.read_text() for p in SEEDS.glob("*.txt")))))
    rng = random.Random(0)
    rows = []
    for size in sizes:
        chunks = [
            Chunk(i, "synthetic", "synthetic.txt", "", None, 0, 0, "", " ".join(
                rng.choice(vocabulary) if rng.random() < 0.9 else f"rare{rng.randrange(size * 3)}" for _ in range(90)
            ))
            for i in range(size)
        ]
        began = time.perf_counter()
        retriever = corpus_bm25(chunks)
        build_s = time.perf_counter() - began
        with tempfile.TemporaryDirectory() as folder:
            retriever.save(folder)
            disk_mib = sum(f.stat().st_size for f in Path(folder).iterdir()) / 2**20
            load_s = timed(bm25s.BM25.load, folder)
        rows.append({"chunks": size, "vocabulary": len(retriever.vocab_dict), "build_s": round(build_s, 1),
                     "disk_mib": round(disk_mib, 1), "load_s": round(load_s, 2)})
        print(f"  bm25 {rows[-1]}", flush=True)
    return {"rows": rows}


def by(rows: list[dict], key: str, value) -> dict:
    return next(r for r in rows if r[key] == value)


def write_markdown(results: dict, target: Path) -> None:
    ingest, serving, shards, bm25 = (results[k]["rows"] for k in ("ingest", "serving", "shards", "bm25"))
    one, two, local = by(ingest, "engine", "ray, 1 worker"), by(ingest, "engine", "ray, 2 workers"), by(ingest, "engine", "local")
    per_worker = one["texts_per_s_after_start"]
    # The two-worker run keeps both cores busy, so its rate per worker is the one to extrapolate from.
    per_core = two["texts_per_s_after_start"] / 2
    q1, q2 = by(serving, "server", "ray serve, 1 replica"), by(serving, "server", "ray serve, 2 replicas")
    single = by(shards, "shards", 1)
    texts_per_chunk = local["texts"] / results["ingest_chunks"]
    vector_bytes = 384 * 4
    # A replica holds each vector twice (the .npy rows answering uses, and FAISS's own copy) plus the HNSW links.
    replica_mib_per_million = single["faiss_mib_per_shard"] * (ONE_MILLION / single["vectors_per_shard"]) + ONE_MILLION * vector_bytes / 2**20
    chunks_per_24gib = 24 * 1024 / (replica_mib_per_million * texts_per_chunk) * ONE_MILLION
    bm25_big = bm25[-1]
    lines = [
        "# briefqa scale-out benchmark",
        "",
        f"Measured {results['measured_at']} on {results['machine']['cpu']}, {results['machine']['cores']} cores, "
        f"{results['machine']['memory_gib']} GiB RAM, Python {results['machine']['python']}, Ray {results['ray_version']}.",
        "Reproduce with `make bench` (this part: `python scripts/bench_scale.py`, about 30 minutes). Medians of "
        f"{results['runs']} runs; everything on one 2-core machine, so the Ray cluster is local and its workers share those cores.",
        "",
        f"## Ingest throughput ({local['documents']} synthetic documents, {local['texts']:,} chunks and sentences)",
        "",
        "The documents are the seed articles' paragraphs shuffled into new articles (`synthetic_corpus`). Fixed cost is the "
        "same engine ingesting one document: process start, ONNX export and, for Ray, the local cluster and its actor pool.",
        "",
        "| engine | wall s | fixed s | texts/s overall | texts/s after start-up |",
        "| --- | --- | --- | --- | --- |",
        *[f"| {r['engine']} | {r['wall_s']} | {r['fixed_s']} | {r['texts_per_s']} | {r['texts_per_s_after_start']} |" for r in ingest],
        "",
        f"Two Ray workers finish in {two['wall_s'] / one['wall_s']:.2f}× the time of one, and embed "
        f"{two['texts_per_s_after_start'] / per_worker:.2f}× as fast once running (more than 2× because the fixed costs, "
        "subtracted here, are themselves noisy). The local engine gives its one onnxruntime session both cores, so on one "
        "machine it is about as fast as Ray and starts sooner: Ray pays off only when there is more than one machine.",
        "",
        f"## Serving throughput (/ask, {results['serving']['clients']} keep-alive clients, the seeds index)",
        "",
        "| server | requests/s | runs | requests | errors |",
        "| --- | --- | --- | --- | --- |",
        *[f"| {r['server']} | {r['requests_per_s']} | {r['runs']} | {r['requests']} | {r['errors']} |" for r in serving],
        "",
        f"Two replicas serve {q2['requests_per_s'] / q1['requests_per_s']:.2f}× the requests of one. Ray Serve puts an HTTP proxy "
        "in front of the replicas, a hop that plain `briefqa serve` does not have, so on one machine the plain server is the faster choice.",
        "",
        f"## Search over shards ({results['shards']['vectors']:,} synthetic vectors, {results['shards']['queries']} single queries)",
        "",
        "Each shard is the index briefqa builds at its size (HNSW above 50,000 vectors); the engine searches the shards one "
        "after another and merges by score (`shards.FanOut`). Merge is the total minus the shard searches. Recall@10 is against exact search over all vectors.",
        "",
        "| shards | vectors each | p50 ms | p95 ms | shard searches p50 ms | merge p50 ms | recall@10 | FAISS MiB per shard | build s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        *[f"| {r['shards']} | {r['vectors_per_shard']:,} | {r['search_p50_ms']} | {r['search_p95_ms']} | {r['shard_searches_p50_ms']} | "
          f"{r['merge_p50_ms']} | {r['recall_at_10']} | {r['faiss_mib_per_shard']} | {r['build_s']} |" for r in shards],
        "",
        "## BM25 at growing sizes (synthetic 90-word chunks)",
        "",
        "| chunks | vocabulary | build s | on disk MiB | load s |",
        "| --- | --- | --- | --- | --- |",
        *[f"| {r['chunks']:,} | {r['vocabulary']:,} | {r['build_s']} | {r['disk_mib']} | {r['load_s']} |" for r in bm25],
        "",
        "## Extrapolation to N machines",
        "",
        "Assumptions: one embedding worker per core; a core embeds as fast as each of the two Ray workers here "
        f"({per_core:.0f} texts/s after start-up); workers share nothing, so throughput grows in proportion to cores (no better: "
        "the superlinear ratio above is noise); files are read from storage every node can reach, fast enough not to matter; "
        f"the seeds' ratio of {texts_per_chunk:.1f} embedded texts (a chunk and its sentences) per chunk holds.",
        "",
        "| cluster | embedding texts/s | 10 million chunks embedded in |",
        "| --- | --- | --- |",
    ]
    for machines, cores in ((1, 2), (10, 16), (50, 16)):
        rate = machines * cores * per_core
        hours = 10_000_000 * texts_per_chunk / rate / 3600
        lines.append(f"| {machines} × {cores} cores | {rate:,.0f} | {hours:,.1f} h |")
    lines += [
        "",
        f"Serving scales by replicas: each answers about {q1['requests_per_s']} requests/s here, so N machines with one replica per "
        "two cores would serve about N × cores/2 × that, as long as each replica holds the whole index (below) and the proxy on each node keeps up.",
        "",
        "## What breaks first, and at what size",
        "",
        f"1. **Memory per replica.** Every replica loads every shard. At 1M vectors a replica holds {replica_mib_per_million:,.0f} MiB "
        f"(FAISS HNSW {single['faiss_mib_per_shard'] * ONE_MILLION / single['vectors_per_shard']:,.0f} MiB with its links, plus the "
        f"{ONE_MILLION * vector_bytes / 2**20:,.0f} MiB of vectors answering reads; the records held as Python objects come on top "
        f"and are not counted here). With {texts_per_chunk:.1f} vectors per chunk a "
        f"24 GiB machine holds about {chunks_per_24gib / 1e6:.1f} million chunks per replica, which is the first wall. Past it, replicas "
        "must hold some shards each (a shard-to-replica map, and a fan-out over replicas instead of over shards in one process).",
        f"2. **BM25 rebuild per write.** The corpus-wide BM25 is rebuilt over all chunks at every write so that loads only read it: "
        f"{bm25_big['build_s']} s at {bm25_big['chunks']:,} chunks (vocabulary {bm25_big['vocabulary']:,}), so about "
        f"{bm25_big['build_s'] * ONE_MILLION / bm25_big['chunks'] / 60:.0f} minutes per upload at a million chunks. Merging per-shard "
        "term counts instead of re-tokenising would remove most of it.",
        f"3. **Checksums at load.** Every load hashes every index file ({single['sha256_mib_per_s']:,} MiB/s here): at 1M vectors "
        f"about {replica_mib_per_million / single['sha256_mib_per_s']:.0f} s of a cold start goes to hashing, against a 3 s cold-start goal.",
        "4. **The ingest driver.** Ray returns every document's vectors to the driver, which writes the shards: 1.5 kB a text "
        f"as raw float32, so about {24 * 2**30 / (vector_bytes * 2) / 1e6:.0f} million texts fit a 24 GiB driver with room for "
        "the index it is writing. Past that, shards must be written by the workers.",
        f"5. **Merge cost** is not the limit: {', '.join(str(r['merge_p50_ms']) for r in shards)} ms at 1, 2 and 4 shards "
        "(at one shard there is nothing to merge, and the difference is timing noise). Searching the shards one after another "
        f"is: p50 {', '.join(str(r['search_p50_ms']) for r in shards)} ms at 1, 2 and 4 shards of the same million vectors, "
        "because each HNSW search costs about the logarithm of its shard's size. Shards in one process split memory and "
        "build time, not query time; a fan-out across machines would search them at once.",
    ]
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    import argparse

    import ray

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--documents", type=int, default=SYNTHETIC_DOCUMENTS, help="synthetic documents to ingest")
    parser.add_argument("--vectors", type=int, default=ONE_MILLION)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--bm25-sizes", default="10000,50000,200000")
    parser.add_argument("--from-json", action="store_true", help="rewrite docs/scale_bench.md from docs/scale_bench.json, measuring nothing")
    arguments = parser.parse_args()
    if arguments.from_json:
        write_markdown(json.loads((DOCS / "scale_bench.json").read_text()), DOCS / "scale_bench.md")
        return
    with tempfile.TemporaryDirectory(prefix="briefqa-scale-") as scratch:
        work = Path(scratch)
        print("ingest: local and Ray with 1 and 2 workers", flush=True)
        ingest = bench_ingest(work, arguments.runs, arguments.documents)
        ingest_chunks = json.loads((work / "index" / "manifest.json").read_text())["counts"]["chunks"]
        seeds_index = work / "seeds-index"
        subprocess.run([BRIEFQA, "ingest", "--corpus", str(SEEDS), "--index", str(seeds_index)], check=True, capture_output=True)
        print("serving: plain and Ray Serve with 1 and 2 replicas", flush=True)
        serving = bench_serving(seeds_index, arguments.runs)
        print(f"search over shards of {arguments.vectors:,} vectors", flush=True)
        shards = bench_shards(seeds_index, arguments.vectors, arguments.queries)
    print("bm25", flush=True)
    bm25 = bench_bm25([int(s) for s in arguments.bm25_sizes.split(",")])
    results = {
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine(), "ray_version": ray.__version__,
        "runs": arguments.runs, "ingest": ingest, "ingest_chunks": ingest_chunks, "serving": serving, "shards": shards, "bm25": bm25,
    }
    (DOCS / "scale_bench.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    write_markdown(results, DOCS / "scale_bench.md")
    print((DOCS / "scale_bench.md").read_text())


if __name__ == "__main__":
    main()

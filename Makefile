# Two commands do everything on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INDEX_DIR ?= index
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install index serve test eval eval-squad peers train bench clean

install: $(STAMP)

# torch is installed first and pinned: pip then takes the CPU wheel on local disk
# instead of resolving a multi-GB CUDA build for sentence-transformers.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[dev,ray]"
	touch $(STAMP)

# Ingest is incremental-safe: it does nothing when the manifest matches seeds/.
index: install
	$(BIN)/briefqa ingest --corpus seeds --index $(INDEX_DIR) --if-stale

serve: index
	$(BIN)/briefqa serve --host 127.0.0.1 --port 8000 --index $(INDEX_DIR)

test: install
	$(BIN)/python -m pytest -q

eval: index
	$(BIN)/briefqa eval tests/data/dev.jsonl --index $(INDEX_DIR)

# The held-out SQuAD 2.0 articles (tests/data/squad), ingested into a temporary index.
eval-squad: install
	$(BIN)/briefqa eval tests/data/squad/heldout.jsonl --corpus tests/data/squad/corpus

# The peers (BM25 windows, txtai hybrid) on the same gold sets: docs/peers.json (about 3 minutes).
peers: install
	$(BIN)/python -m pip install --quiet -e ".[dev,peers]"
	$(BIN)/python scripts/peers.py 2>/dev/null

# Rebuilds models/encoder/ (MiniLM fine-tuned on question -> answer-sentence pairs; about 5 minutes)
# and then models/verifier/ (the answer verifier and the relevance trees briefs use, trained on that
# encoder's features; about 10 minutes) from ../shared (SQuAD 2.0) and our news questions, seeds fixed.
# Never run by serve or test: the trained models are committed.
train: install
	$(BIN)/python scripts/train_encoder.py
	$(BIN)/python scripts/train_verifier.py

clean:
	rm -rf $(VENV) $(INDEX_DIR) .pytest_cache

# Writes docs/benchmarks.md, docs/benchmarks.json and docs/latency.png (about 10 minutes), then
# docs/documents_bench.md (adding a 20-page PDF to a 1,000-document index; about 4 minutes), then
# docs/scale_bench.md (Ray ingest and Serve replicas, search over shards of 1M vectors; about 30 minutes).
bench: install
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench_documents.py
	$(BIN)/python scripts/bench_scale.py

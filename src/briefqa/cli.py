"""The ``briefqa`` command: parse, call the library, print. Errors become one line and exit 1."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import click
from pydantic import ValidationError

from . import __version__
from .config import get_settings
from .errors import BriefQAError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _index_option(function):
    return click.option(
        "--index", "index_dir", type=click.Path(path_type=Path), default=None,
        help="Index directory (default: $BRIEFQA_INDEX_DIR or ./index).",
    )(function)


def _engine(index_dir: Path | None, min_confidence: float | None = None):
    from .engine import Engine

    settings = get_settings()
    return Engine(
        index_dir or settings.index_dir, candidates=settings.candidates, max_answer_chars=settings.max_answer_chars,
        min_confidence=settings.min_confidence if min_confidence is None else min_confidence,
    )


def _min_confidence_option(function):
    return click.option(
        "--min-confidence", type=click.FloatRange(0, 1), default=None,
        help="Answer only at this calibrated confidence or above, half of it for a table row or list item the question names by "
        "its label (default: $BRIEFQA_MIN_CONFIDENCE, "
        "else the verifier's threshold). Lower answers more and refuses less; the vetoes still apply.",
    )(function)


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BriefQAError as exc:
            raise click.ClickException(str(exc)) from None
        except ValidationError as exc:  # a BRIEFQA_* variable out of range: say which, not a traceback
            problems = "; ".join(f"BRIEFQA_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
            raise click.ClickException(f"invalid setting: {problems}") from None


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="briefqa")
def main() -> None:
    """Grounded, cited answers and briefings from a folder of articles."""


@main.command()
@click.argument("question")
@click.option("--top-k", default=5, show_default=True, type=click.IntRange(1, 50), help="Passages to retrieve.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of text.")
@_min_confidence_option
@_index_option
def ask(question: str, top_k: int, as_json: bool, min_confidence: float | None, index_dir: Path | None) -> None:
    """Answer QUESTION from the articles, with numbered citations.

    Example: briefqa ask "How much illicit currency did HSI seize in 2021?"
    """
    from .schemas import AskResponse

    engine = _engine(index_dir, min_confidence)
    answer = engine.ask(question, top_k=top_k)
    if as_json:
        click.echo(AskResponse.of(answer).model_dump_json(indent=2))
        return
    if not answer.answered:
        click.echo(f"The articles do not answer this ({answer.reason}).")
        if answer.passages:
            click.echo("\nClosest passages:")
            for hit in answer.passages[:3]:
                click.echo(f"  - {hit.chunk.source}, {_where(hit.chunk.title, hit.chunk.section)}")
        return
    click.echo(textwrap.fill(answer.answer, width=100))
    click.echo("\nSources:")
    for c in answer.citations:
        click.echo(f"[{c.n}] {c.source}, {_where(c.title, c.section)} (chars {c.start}-{c.end})")
        click.echo(textwrap.fill(f"“{c.quote}”", width=100, initial_indent="    ", subsequent_indent="    "))
    bar = engine.answer_threshold
    if answer.lowered_for:
        click.echo(f"\nConfidence {answer.confidence:.3f} ({answer.lowered_for} needs {answer.needed:g}, half the bar).")
    else:
        click.echo(f"\nConfidence {answer.confidence:.3f} (answers need {bar:g}).")


def _where(title: str, section: str | None) -> str:
    return f"{title} › {section}" if section else title


@main.command()
@click.argument("query")
@click.option("--top-k", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of text.")
@_index_option
def search(query: str, top_k: int, as_json: bool, index_dir: Path | None) -> None:
    """Rank passages for QUERY.

    Example: briefqa search "stash houses" --top-k 3
    """
    from .schemas import PassageOut, SearchResponse

    hits = _engine(index_dir).search(query, top_k=top_k)
    if as_json:
        click.echo(SearchResponse(query=query, results=[PassageOut.of(h) for h in hits]).model_dump_json(indent=2))
        return
    for rank, hit in enumerate(hits, start=1):
        click.echo(f"{rank}. [{hit.score:.3f}] {hit.chunk.source}, {_where(hit.chunk.title, hit.chunk.section)} (chars {hit.chunk.start}-{hit.chunk.end})")
        click.echo(textwrap.fill(" ".join(hit.chunk.text.split()), width=100, initial_indent="   ", subsequent_indent="   ", max_lines=4))


@main.command()
@click.argument("topic")
@click.option("--max-points", default=8, show_default=True, type=click.IntRange(1, 20), help="Ceiling on points.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of Markdown.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None, help="Also write the Markdown here.")
@_index_option
def brief(topic: str, max_points: int, as_json: bool, output: Path | None, index_dir: Path | None) -> None:
    """Write a cited Markdown briefing on TOPIC.

    Example: briefqa brief "human smuggling" -o brief.md
    """
    from .schemas import BriefResponse

    result = _engine(index_dir).brief(topic, max_points=max_points)
    if output is not None:
        try:
            output.write_text(result.markdown, encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"cannot write {output}: {exc.strerror}") from None
    click.echo(BriefResponse.of(result).model_dump_json(indent=2) if as_json else result.markdown)


@main.command()
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), default=None, help="Folder of .txt articles (default: ./seeds).")
@_index_option
@click.option("--if-stale", is_flag=True, help="Do nothing when the index already matches the corpus.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="ray: parse, chunk and embed on a Ray cluster (pip install 'briefqa[ray]').")
@click.option("--address", default=None, help="Ray cluster address (with --engine ray); without it Ray starts locally.")
@click.option("--shards", default=2, show_default=True, type=click.IntRange(1, 4096), help="Index shards to write (with --engine ray).")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 4096), help="Embedding actors (with --engine ray).")
def ingest(
    corpus_dir: Path | None, index_dir: Path | None, if_stale: bool, quiet: bool, engine: str, address: str | None, shards: int, workers: int,
) -> None:
    """Build or update the index from a folder of articles.

    Example: briefqa ingest --corpus seeds --index index
    """
    from .embeddings import MODEL_NAME
    from .index import build_index, is_stale

    settings = get_settings()
    corpus_dir = corpus_dir or settings.corpus_dir
    index_dir = index_dir or settings.index_dir
    if if_stale and not is_stale(
        corpus_dir, index_dir, embedder_name=MODEL_NAME, chunk_words=settings.chunk_words, verifier_dir=settings.verifier_dir,
    ):
        click.echo(f"index at {index_dir} is up to date with {corpus_dir}")
        return
    if engine == "ray":
        try:
            from .distributed import build_index_on_ray
            import ray  # noqa: F401
        except ImportError:
            raise click.ClickException("--engine ray needs Ray: pip install 'briefqa[ray]'") from None
        report = build_index_on_ray(
            corpus_dir, index_dir, address=address, shards=shards, workers=workers, chunk_words=settings.chunk_words,
            batch_size=settings.batch_size, max_article_bytes=settings.max_article_bytes, verifier_dir=settings.verifier_dir,
            progress=not quiet, warn=lambda line: click.echo(line, err=True),
        )
    else:
        report = build_index(
            corpus_dir, index_dir, chunk_words=settings.chunk_words, batch_size=settings.batch_size,
            max_article_bytes=settings.max_article_bytes, verifier_dir=settings.verifier_dir,
            progress=not quiet, warn=lambda line: click.echo(line, err=True),
        )
    click.echo(f"indexed {corpus_dir} into {index_dir}: {report.summary()}")


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@_index_option
@click.option("--quiet", is_flag=True, help="No progress bars.")
def add(paths: tuple[Path, ...], index_dir: Path | None, quiet: bool) -> None:
    """Add documents to the index without a rebuild: files, or folders read recursively.

    A document whose file name is already in the index replaces it. Files that cannot be
    read are skipped with one warning line each.

    Example: briefqa add report.pdf notes/
    """
    from tqdm import tqdm

    from .collection import clean_name, store_documents
    from .index import UPLOAD, Document
    from .readers import list_documents, read_document

    settings = get_settings()
    files = [f for p in paths for f in (list_documents(p) if p.is_dir() else [p])]
    documents = []
    for path in tqdm(files, desc="reading", unit="file", disable=quiet or len(files) < 2, file=sys.stderr):
        try:
            name = clean_name(path.name)
            if path.stat().st_size > settings.max_article_bytes:
                raise BriefQAError(f"{path.stat().st_size:,} bytes is over the {settings.max_article_bytes:,}-byte limit (BRIEFQA_MAX_ARTICLE_BYTES)")
            data = path.read_bytes()
            documents.append(Document(read_document(data, name), data, UPLOAD))
        except BriefQAError as exc:
            click.echo(f"skipped {path}: {str(exc).removeprefix(path.name + ': ')}", err=True)
    if not documents:
        raise click.ClickException("nothing to add: no readable document among the paths given")
    report, articles = store_documents(
        index_dir or settings.index_dir, documents, progress=not quiet, chunk_words=settings.chunk_words, batch_size=settings.batch_size,
        verifier_dir=settings.verifier_dir,
    )
    for article in articles:
        click.echo(f"{article.doc_id}\t{article.format}\t{article.source}\t{article.title}")
    click.echo(f"added {len(report.added)}, replaced {len(report.updated)}; {report.chunks} chunks in the index ({report.seconds:.1f}s)")


@main.command()
@click.argument("doc_id")
@_index_option
def remove(doc_id: str, index_dir: Path | None) -> None:
    """Remove the document DOC_ID from the index (ids are listed by `briefqa documents`).

    Example: briefqa remove 004_434760b6812f335f
    """
    from .collection import remove_document

    settings = get_settings()
    report = remove_document(index_dir or settings.index_dir, doc_id, chunk_words=settings.chunk_words, verifier_dir=settings.verifier_dir)
    click.echo(f"removed {doc_id}; {report.chunks} chunks left in the index")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_index_option
def documents(as_json: bool, index_dir: Path | None) -> None:
    """List the documents in the index: id, format, chunks, source and title.

    Example: briefqa documents
    """
    listed = _engine(index_dir).documents()
    if as_json:
        click.echo(json.dumps([{**d.__dict__, "sections": list(d.sections)} for d in listed], indent=2, ensure_ascii=False))
        return
    for d in listed:
        click.echo(f"{d.doc_id}\t{d.format}\t{d.chunks} chunks\t{d.source}\t{d.title}")


@main.command()
@click.option("--host", default=None, help="Interface to bind (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 8000).")
@_index_option
@click.option("--read-only", is_flag=True, help="Refuse document uploads and deletions (as BRIEFQA_READ_ONLY=1).")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="ray: serve the same app through Ray Serve replicas (pip install 'briefqa[ray]').")
@click.option("--replicas", default=2, show_default=True, type=click.IntRange(1, 1024), help="Ray Serve replicas (with --engine ray).")
@click.option("--address", default=None, help="Ray cluster address (with --engine ray); without it Ray starts locally.")
def serve(
    host: str | None, port: int | None, index_dir: Path | None, read_only: bool, engine: str, replicas: int, address: str | None,
) -> None:
    """Serve the HTTP API and Swagger UI at /docs.

    Example: briefqa serve --port 8000
    """
    import uvicorn

    from .api import create_app

    import logging

    settings = get_settings()
    if read_only:
        settings = settings.model_copy(update={"read_only": True})
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    briefqa_log = logging.getLogger("briefqa")
    briefqa_log.addHandler(handler)
    briefqa_log.setLevel(logging.INFO)
    if engine == "ray":
        try:
            from .distributed import serve_on_ray
            import ray  # noqa: F401
        except ImportError:
            raise click.ClickException("--engine ray needs Ray: pip install 'briefqa[ray]'") from None
        serve_on_ray(
            (index_dir or settings.index_dir).resolve(), settings, replicas=replicas, host=host or settings.host,
            port=port or settings.port, address=address,
        )
        return
    app = create_app(index_dir=index_dir or settings.index_dir, settings=settings)
    # Our access log (briefqa.access, one JSON line per request) replaces uvicorn's.
    uvicorn.run(app, host=host or settings.host, port=port or settings.port, log_level="info", access_log=False)


@main.command("eval")
@click.argument("gold", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print figures and per-question results as JSON.")
@click.option("--verbose", "-v", is_flag=True, help="List every question that was answered wrongly.")
@click.option(
    "--corpus", "corpus_dir", type=click.Path(path_type=Path, exists=True, file_okay=False), default=None,
    help="Ingest this folder into a temporary index and score against it instead of --index.",
)
@_min_confidence_option
@click.option(
    "--sweep", callback=lambda ctx, param, value: _bars(value), default=None, metavar="BARS",
    help="Score once per bar, e.g. 0.25,0.3,0.35, and print one line each: the trade-off to choose --min-confidence by.",
)
@_index_option
def evaluate_command(
    gold: Path, as_json: bool, verbose: bool, corpus_dir: Path | None, min_confidence: float | None,
    sweep: list[float] | None, index_dir: Path | None,
) -> None:
    """Score answers against a labelled JSONL file.

    Example: briefqa eval tests/data/dev.jsonl
    Example: briefqa eval ../shared/squad/questions.jsonl --corpus ../shared/squad/corpus
    Example: briefqa eval tests/data/mixed.jsonl --sweep 0.25,0.3,0.35,0.4
    """
    import tempfile

    from .evaluation import load_gold

    if sweep and (min_confidence is not None or verbose):
        raise click.UsageError("--sweep sets its own bars; it does not combine with --min-confidence or --verbose")
    items = load_gold(gold)
    if corpus_dir is None:
        _score(items, _engine(index_dir, min_confidence), as_json, verbose, sweep)
        return
    from .index import build_index

    with tempfile.TemporaryDirectory(prefix="briefqa-eval-") as work:
        settings = get_settings()
        build_index(corpus_dir, Path(work) / "index", progress=not as_json, chunk_words=settings.chunk_words, verifier_dir=settings.verifier_dir)
        _score(items, _engine(Path(work) / "index", min_confidence), as_json, verbose, sweep)


def _bars(value: str | None) -> list[float] | None:
    if value is None:
        return None
    try:
        bars = [float(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a comma-separated list of numbers") from None
    if not bars or any(not 0.0 <= bar <= 1.0 for bar in bars):
        raise click.BadParameter("give one or more bars from 0 to 1, e.g. 0.25,0.3,0.35")
    return sorted(set(bars))


def _figure(value: float | int | None) -> str:
    return "n/a" if value is None else str(value)


def _score(items: list[dict], engine, as_json: bool, verbose: bool, sweep: list[float] | None = None) -> None:
    from tqdm import tqdm

    from .evaluation import evaluate

    texts = {a.source: a.text for a in engine.index.articles.values()}
    if sweep:
        rows = []
        with tqdm(total=len(items) * len(sweep), desc="sweeping", unit="q", file=sys.stderr, disable=as_json) as bar:
            for bar_value in sweep:
                ask = lambda question, bar_value=bar_value: engine.ask(question, min_confidence=bar_value)  # noqa: E731
                rows.append({"min_confidence": bar_value, "figures": evaluate(items, ask, texts.__getitem__, progress=bar.update).figures()})
        if as_json:
            click.echo(json.dumps({"sweep": rows}, indent=2))
            return
        names = [name for name in rows[0]["figures"] if name != "questions"]
        click.echo("min_confidence  " + "  ".join(names))
        for row in rows:
            click.echo((f"{row['min_confidence']:<14g}  " + "  ".join(f"{_figure(row['figures'][n]):<{len(n)}}" for n in names)).rstrip())
        return
    with tqdm(total=len(items), desc="evaluating", unit="q", file=sys.stderr, disable=as_json) as bar:
        report = evaluate(items, engine.ask, texts.__getitem__, progress=bar.update)
    if as_json:
        kinds = {kind: {"handled": handled, "questions": asked} for kind, (handled, asked) in report.by_kind().items()}
        payload = {"figures": report.figures(), "by_kind": kinds, "results": [r.__dict__ for r in report.results]}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    for name, value in report.figures().items():
        click.echo(f"{name:22} {_figure(value)}")
    kinds = report.by_kind()
    if len(kinds) > 1:  # which kinds of question fail: answered right, or refused when unanswerable
        click.echo("\nhandled by kind (answered right, or refused when unanswerable):")
        for kind, (handled, asked) in kinds.items():
            click.echo(f"  {kind:20} {handled:>4} of {asked:<4} {handled / asked:.3f}")
    if verbose:
        for r in report.results:
            if (r.answerable and not r.correct) or (not r.answerable and r.answered):
                click.echo(f"\n✗ [{r.kind}] {r.question}\n    {r.answer or 'abstained: ' + r.reason}")

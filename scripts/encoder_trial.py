"""Trial: the bundled MiniLM fine-tuned on question -> answer-sentence pairs, reworded questions included.

An earlier trial fine-tuned the embedder on the training questions alone; it ranked news
answers far better but the trees, trained on SQuAD's echoing questions, did not turn that into
answers. Here the encoder also learns from every answerable training question reworded with
close words (verifier_data.paraphrased_questions), so that a question which does not echo its
answer still lands near it, and the trees can then be trained with the same reworded rows
(`--paraphrases`).

    python scripts/encoder_trial.py --out build/encoder_trial          # about 2 minutes
    python scripts/encoder_trial.py --out build/encoder_trial --verifier /tmp/v [--paraphrases] [--sweep]

The second form trains the verifier on indexes embedded by the fine-tuned encoder (train_verifier's
recipe and rule, unchanged; its card scores news dev, mixed, fresh and held-out SQuAD), and with
`--sweep` runs scripts/threshold_sweep.py on it. Nothing here is used by the answer path.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_verifier import NEWS_TRAIN, SEED, SQUAD, TRAIN_ARTICLES  # noqa: E402
from verifier_data import load_items, paraphrased_questions  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BATCH = 32
EPOCHS = 1
LEARNING_RATE = 2e-5
SCALE = 20.0  # cosine -> logit, as sentence-transformers' MultipleNegativesRankingLoss


def training_pairs() -> list[tuple[str, str]]:
    from briefqa.lexicon import Lexicon

    squad = [i for i in load_items(SQUAD / "questions.jsonl") if i["doc"][:2] in TRAIN_ARTICLES]
    news = [i for name in NEWS_TRAIN for i in load_items(ROOT / "tests" / "data" / f"{name}.jsonl")]
    answerable = [{"id": str(n), **i} for n, i in enumerate(squad + news) if i["answerable"] and i.get("evidence")]
    reworded = paraphrased_questions(answerable, Lexicon.build(), seed=SEED)
    return [(i["question"], i["evidence"][0]) for i in answerable + reworded]


def fine_tune(out: Path) -> None:
    import torch
    from sentence_transformers import SentenceTransformer
    from tqdm import tqdm

    from briefqa.embeddings import model_dir

    torch.manual_seed(SEED)
    pairs = training_pairs()
    random.Random(SEED).shuffle(pairs)
    model = SentenceTransformer(str(model_dir()), device="cpu")
    model.train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE)
    steps = EPOCHS * (len(pairs) // BATCH)
    began = time.perf_counter()
    with tqdm(total=steps, desc=f"fine-tuning on {len(pairs)} pairs", unit="step") as bar:
        for _ in range(EPOCHS):
            for start in range(0, len(pairs) - BATCH + 1, BATCH):
                batch = pairs[start : start + BATCH]
                questions = model.tokenize([q for q, _ in batch])
                answers = model.tokenize([a for _, a in batch])
                q = model(questions)["sentence_embedding"]
                a = model(answers)["sentence_embedding"]
                scores = SCALE * torch.nn.functional.normalize(q, dim=1) @ torch.nn.functional.normalize(a, dim=1).T
                loss = torch.nn.functional.cross_entropy(scores, torch.arange(len(batch)))  # in-batch negatives
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                bar.set_postfix(loss=f"{loss.item():.3f}")
                bar.update(1)
    model.eval()
    model.save(str(out))
    shutil.copy(model_dir() / "vocab.txt", out / "vocab.txt")  # briefqa.lexicon reads the word list from here
    (out / "trial.json").write_text(json.dumps({
        "pairs": len(pairs), "batch": BATCH, "epochs": EPOCHS, "learning_rate": LEARNING_RATE, "seed": SEED,
        "minutes": round((time.perf_counter() - began) / 60, 1),
    }, indent=2) + "\n", encoding="utf-8")


def use_encoder(path: Path) -> None:
    """Point briefqa's embedder (ingest, ONNX export, queries) at the fine-tuned weights, in this process."""
    import briefqa.embeddings

    briefqa.embeddings.model_dir = lambda: path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "encoder_trial")
    parser.add_argument("--verifier", type=Path, help="Train and score a verifier on the fine-tuned encoder into this folder.")
    parser.add_argument("--paraphrases", action="store_true", help="Train that verifier on reworded questions too.")
    parser.add_argument("--sweep", action="store_true", help="Then sweep its thresholds on the news sets and held-out SQuAD.")
    args = parser.parse_args()
    if not (args.out / "config.json").is_file():
        args.out.mkdir(parents=True, exist_ok=True)
        fine_tune(args.out)
    if args.verifier:
        import threshold_sweep
        import train_verifier

        use_encoder(args.out.resolve())  # before anything embeds: ingest, ONNX export and queries all follow it
        (args.verifier / "docs").mkdir(parents=True, exist_ok=True)
        sys.argv = ["train_verifier.py", "--out", str(args.verifier), "--docs", str(args.verifier / "docs")]
        if args.paraphrases:
            sys.argv.append("--paraphrases")
        train_verifier.main()
        if args.sweep:
            threshold_sweep.main(["--verifier", str(args.verifier), "--thresholds", "0.3,0.35,0.4"])


if __name__ == "__main__":
    main()

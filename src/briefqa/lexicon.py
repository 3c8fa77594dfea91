"""Near words, for rewording training questions as a paraphrasing reader would.

SQuAD 2.0's writers reuse their paragraph's words; news readers paraphrase. The lexicon
holds one vector per whole word of the embedder's vocabulary (the embedder's own sentence
vector of the word read alone, so no other model is needed) and answers "which words are
closest to this one". scripts/train_verifier.py uses it to reword training questions.

Serving does not use it. As verifier features (how closely the sentence's words meet the
question's), word similarity lifted held-out SQuAD answers but cost news answers, so those
features were measured and dropped (docs/verifier.md). Close words include antonyms
("large", "small"), which is why closeness never decides a match here.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np

from .features import QUALIFIERS
from .terms import STOPWORDS, stem

_WHOLE_WORD = re.compile(r"[a-z]{2,}")
CLOSE_WORD = 0.6  # similarity of a replacement word: "fees" -> "costs" 0.75, "car" -> "river" 0.36


class Lexicon:
    """Unit word vectors of the embedder's whole-word vocabulary."""

    def __init__(self, words: list[str], vectors: np.ndarray) -> None:
        self.words = list(words)
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self._rows = {w: i for i, w in enumerate(self.words)}
        self._nearest: dict[tuple[str, int], list[tuple[str, float]]] = {}

    @classmethod
    def build(cls, *, model_dir: Path | None = None, batch_size: int = 256) -> Lexicon:
        """Embed every whole word of the vocabulary alone (about 20 s on two cores)."""
        from sentence_transformers import SentenceTransformer

        from .embeddings import base_model_dir

        source = Path(model_dir or base_model_dir())
        vocabulary = (source / "vocab.txt").read_text(encoding="utf-8").splitlines()
        words = sorted({w for w in vocabulary if _WHOLE_WORD.fullmatch(w)})
        model = SentenceTransformer(str(source), device="cpu")
        return cls(words, model.encode(words, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=True))

    def neighbours(self, word: str, count: int = 5) -> list[tuple[str, float]]:
        """The words most similar to ``word``, best first; none for a word outside the vocabulary."""
        found = self._nearest.get((word, count))
        if found is None:
            row = self._rows.get(word)
            found = []
            if row is not None:
                similarity = self.vectors @ self.vectors[row]
                order = np.argsort(-similarity, kind="stable")[: count + 1]
                found = [(self.words[i], float(similarity[i])) for i in order if i != row][:count]
            self._nearest[(word, count)] = found
        return found


def reword(question: str, lexicon: Lexicon, rng: random.Random, *, share: float = 0.5) -> str:
    """The question with some plain content words swapped for close words of another stem.

    Each lower-case content word is replaced, with probability ``share``, by one of its three
    nearest lexicon words at similarity >= CLOSE_WORD. Names (capitalised), figures, stopwords
    and the qualifiers near misses turn on ("least", "before", "not") are kept, so a near miss
    stays a near miss.
    """

    def swap(match: re.Match) -> str:
        word = match.group(0)
        if not word.islower() or word in STOPWORDS or word in QUALIFIERS or len(word) < 3 or rng.random() >= share:
            return word
        options = [w for w, s in lexicon.neighbours(word, 8) if s >= CLOSE_WORD and stem(w) != stem(word) and w not in STOPWORDS]
        return rng.choice(options[:3]) if options else word

    return re.sub(r"[A-Za-z]+", swap, question)

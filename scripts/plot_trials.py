"""Plot docs/verifier_trials.json (held-out SQuAD answers against abstention, per verifier trial) to docs/verifier_trials.png.

The curves come from the model cards that `scripts/train_verifier.py --out DIR [options]` writes
(section "Frontier on the held-out SQuAD articles"), and from the JSON that
scripts/cross_encoder_second_opinion.py and scripts/entity_types_trial.py write; each trial
names its command.
"""

from __future__ import annotations

import json
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    trials = json.loads((DOCS / "verifier_trials.json").read_text(encoding="utf-8"))
    figure, axes = plt.subplots(figsize=(12, 5.5))
    colours = plt.cm.tab20.colors  # the default cycle has ten colours, and there are more trials
    for number, trial in enumerate(trials):
        curve = trial["heldout_squad_curve"]
        # Even tab20 slots for the first ten, odd for the next ten; past twenty the colours repeat, dotted.
        colour = colours[(2 * number) % 20 + (number // 10) % 2]
        style = "--" if "trees, judged" in trial["trial"] else ":" if number >= 20 else "-"  # dashed: another harness
        axes.plot([abstention for _, _, abstention in curve], [answers for _, answers, _ in curve], style, color=colour, marker="o", markersize=3,
                  label=trial["trial"])
    axes.axvline(0.60, color="grey", linestyle=":", linewidth=1)
    axes.axhline(0.70, color="grey", linestyle=":", linewidth=1)
    axes.annotate("issue's bar", (0.61, 0.705), color="grey", fontsize=8)
    axes.set_xlabel("abstention accuracy (unanswerable refused)")
    axes.set_ylabel("answer accuracy (best candidate right)")
    axes.set_title("Held-out SQuAD articles 06-07: one point per threshold 0.0-1.0", fontsize=10)
    axes.set_xlim(0, 1.02)
    axes.set_ylim(0, 0.75)
    axes.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))  # beside the plot: 23 trials would hide the curves
    figure.tight_layout()
    figure.savefig(DOCS / "verifier_trials.png", dpi=110, bbox_inches="tight")


if __name__ == "__main__":
    main()

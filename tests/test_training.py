"""The trial options of scripts/train_verifier.py that `make train` leaves off: they must do what they say."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import train_verifier as tv  # noqa: E402


def test_bagged_models_are_averaged_in_log_odds_as_one_model():
    import lightgbm

    rng = np.random.default_rng(0)
    rows = rng.normal(size=(600, 4))
    labels = (rows[:, 0] + rng.normal(size=600) > 0).astype(int)
    params = {"objective": "binary", "verbose": -1, "num_leaves": 7, "bagging_fraction": 0.8, "bagging_freq": 1}
    models = [lightgbm.train({**params, "seed": seed}, lightgbm.Dataset(rows, labels), num_boost_round=20) for seed in (1, 2, 3)]
    merged = tv.averaged(models)
    assert merged.num_trees() == 60
    mean = np.mean([m.predict(rows, raw_score=True) for m in models], axis=0)
    assert np.abs(merged.predict(rows, raw_score=True) - mean).max() < 1e-9


def test_centred_isotonic_calibration_rises_through_the_centres_of_the_blocks():
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9])
    right = np.array([0, 0, 1, 0, 1, 0, 1, 1])
    x, y = tv.centred_isotonic(scores, right)
    # Isotonic regression pools (0.3, 0.4) at 0.5 and (0.6, 0.7) at 0.5 too: one block of four, centred at 0.5.
    assert x.tolist() == [0.0, 0.15, 0.5, 0.85, 1.0]
    assert y.tolist() == [0.0, 0.0, 0.5, 1.0, 1.0]
    steps_x, steps_y = tv.isotonic_steps(scores, right)
    assert np.interp(0.45, steps_x, steps_y) == 0.5 and np.interp(0.45, x, y) < 0.5


def test_cross_fitting_folds_partition_the_training_groups_and_each_holds_both_kinds():
    folds = tv.fold_groups(list(tv.NEWS_TRAIN), 3)
    assert len(folds) == 3 and all(articles and sets for articles, sets in folds)
    assert sorted(a for articles, _ in folds for a in articles) == sorted(tv.TRAIN_ARTICLES)
    assert sorted(n for _, sets in folds for n in sets) == sorted(tv.NEWS_TRAIN)
    assert folds[0][0] == ("00", "03") and folds[0][1][:2] == ["extra", "mixed"]


def test_make_train_builds_its_feature_indexes_with_a_stand_in_when_the_committed_verifier_knows_another_encoder(tmp_path):
    """`make train` fine-tunes a new encoder first; ingest refuses the committed verifier beside it, so the
    indexes the features are built from must use a stand-in (the twenty-second session's retrain stopped here)."""
    import json
    import shutil

    from briefqa.verifier import META_FILE

    committed = Path(__file__).resolve().parent.parent / "models" / "verifier"
    assert tv._bootstrap_model(committed, tmp_path) == committed  # trained on the encoder in force
    other = tmp_path / "other"
    shutil.copytree(committed, other)
    meta = json.loads((other / META_FILE).read_text(encoding="utf-8"))
    (other / META_FILE).write_text(json.dumps({**meta, "encoder": "another-encoder"}), encoding="utf-8")
    assert tv._bootstrap_model(other, tmp_path) == tmp_path / "bootstrap"

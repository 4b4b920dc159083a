"""Study B learned baselines: what they find in the features, constant labels, validation thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from emolib.studyb import metrics
from emolib.studyb.baselines import BASELINES, fit_boosted_trees, fit_logistic, label_baselines


def _planted(n: int = 240, seed: int = 0):
    """Label 0 follows feature 0 (linear), label 1 the sign product of features 1 and 2, label 2 is rare."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6)) * [1, 1, 1, 5, 0.01, 100]  # scales that the logistic must standardise
    y = np.column_stack([x[:, 0] > 0.3, x[:, 1] * x[:, 2] > 0, rng.random(n) < 0.08]).astype(int)
    return x, y


@pytest.mark.parametrize("fit", [fit_logistic, fit_boosted_trees])
def test_baselines_find_the_planted_labels(fit) -> None:
    x, y = _planted()
    models = fit(x[:160], y[:160])
    scores = models.predict_scores(x[160:])
    assert scores.shape == (80, 3) and ((scores >= 0) & (scores <= 1)).all()
    aucs = metrics.label_aucs(y[160:], scores)
    assert aucs[0] > 0.9
    if fit is fit_boosted_trees:  # an interaction a linear model cannot represent
        assert aucs[1] > 0.75


def test_a_label_with_one_training_class_scores_its_prevalence() -> None:
    x, y = _planted()
    y[:, 2] = 0
    for fit in BASELINES.values():
        models = fit(x[:100], y[:100])
        assert models.models[2] is None
        np.testing.assert_array_equal(models.predict_scores(x[100:])[:, 2], 0.0)


def test_label_baselines_choose_thresholds_on_validation_only() -> None:
    x, y = _planted()
    seen = []

    def spy(y_val, s_val):
        seen.append(len(y_val))
        return metrics.choose_thresholds(y_val, s_val)

    out = label_baselines(x[:120], y[:120], x[120:180], y[120:180], x[180:], choose=spy)
    assert set(out) == set(BASELINES) and seen == [60, 60]
    for b in out.values():
        assert b["test_scores"].shape == (60, 3) and b["thresholds"].shape == (3,)
    again = label_baselines(x[:120], y[:120], x[120:180], y[120:180], x[180:])
    for name in out:  # deterministic for a seed
        np.testing.assert_array_equal(out[name]["test_scores"], again[name]["test_scores"])
    empty = label_baselines(x[:120], y[:120], x[:0], y[:0], x[180:])
    np.testing.assert_array_equal(empty["logistic"]["thresholds"], 0.5)


def test_mismatched_rows_raise() -> None:
    x, y = _planted()
    with pytest.raises(ValueError, match="rows"):
        fit_logistic(x[:10], y[:9])


def test_label_aucs_are_nan_without_both_classes() -> None:
    y = np.array([[1, 0], [0, 0], [1, 0]])
    s = np.array([[0.9, 0.1], [0.2, 0.5], [0.7, 0.3]])
    aucs = metrics.label_aucs(y, s)
    assert aucs[0] == 1.0 and np.isnan(aucs[1])

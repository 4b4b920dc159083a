"""Bootstrap intervals over units: closed forms, the vectorised paths against the slow loop, verdicts."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from emolib.evaluation import intervals as iv
from emolib.evaluation import unit_metrics as um
from emolib.studyb import metrics as studyb_metrics


def _rows(n_units: int = 6, per_unit: int = 5, labels: int = 3, seed: int = 1):
    rng = np.random.default_rng(seed)
    units = np.repeat([f"film{u}" for u in range(n_units)], per_unit)
    y = (rng.random((len(units), labels)) < 0.4).astype(int)
    scores = np.clip(0.5 * y + 0.6 * rng.random(y.shape), 0, 1)
    return units, y, scores


def test_resample_counts_are_multiplicities_and_seeded() -> None:
    counts = iv.resample_counts(7, 500, seed=3)
    assert counts.shape == (500, 7)
    assert (counts.sum(axis=1) == 7).all() and (counts >= 0).all()
    np.testing.assert_array_equal(counts, iv.resample_counts(7, 500, seed=3))
    assert not np.array_equal(counts, iv.resample_counts(7, 500, seed=4))


def test_zero_variance_gives_a_zero_width_interval() -> None:
    assert iv.bootstrap(um.unit_mean(np.full(10, 0.3))).width == pytest.approx(0, abs=1e-12)
    units = np.repeat(np.arange(5), 4)
    constant = iv.bootstrap(um.pooled_mse(np.ones(20), np.full(20, 0.5), units))
    assert constant.width == pytest.approx(0, abs=1e-12) and constant.estimate == pytest.approx(0.25)


def test_bootstrap_sd_of_a_mean_matches_the_closed_form() -> None:
    values = np.random.default_rng(0).normal(size=50)
    metric = um.unit_mean(values)
    boot = metric(iv.resample_counts(50, 20_000, seed=0))
    closed = values.std(ddof=0) / np.sqrt(50)  # sd of the bootstrap mean: plug-in sd / sqrt(n)
    assert boot.std() == pytest.approx(closed, rel=0.03)
    interval = iv.bootstrap(metric, n_resamples=20_000)
    assert interval.estimate == pytest.approx(values.mean())
    assert interval.width == pytest.approx(2 * 1.96 * closed, rel=0.05)


def test_a_zero_difference_by_construction_is_not_distinguishable() -> None:
    units, y, scores = _rows()
    decisions = (scores >= 0.5).astype(int)
    model = um.pooled_weighted_f1(y, decisions, units)
    same = um.pooled_weighted_f1(y, decisions.copy(), units)
    diff = iv.paired_bootstrap(model, same)
    assert (diff.low, diff.high, diff.estimate) == (0.0, 0.0, 0.0)
    assert iv.verdict(diff, "f1") == iv.UNDECIDED


def test_verdict_follows_the_metric_direction() -> None:
    up = iv.Interval(0.1, 0.02, 0.2, 0.95, 10, 100)
    down = iv.Interval(-0.1, -0.2, -0.02, 0.95, 10, 100)
    assert iv.verdict(up, "f1_weighted") == iv.BEATS
    assert iv.verdict(down, "auc") == iv.WORSE
    assert iv.verdict(down, "mse_valence") == iv.BEATS
    assert iv.verdict(up, False) == iv.WORSE
    with pytest.raises(ValueError, match="direction"):
        iv.higher_is_better("mystery")


def test_a_better_model_beats_its_baseline_on_the_same_resamples() -> None:
    rng = np.random.default_rng(2)
    units = np.repeat(np.arange(30), 10)
    y = rng.normal(size=300)
    model = um.pooled_mse(y, y + 0.1 * rng.normal(size=300), units)
    baseline = um.pooled_mse(y, np.zeros(300), units)
    assert iv.verdict(iv.paired_bootstrap(model, baseline), "mse") == iv.BEATS
    assert iv.verdict(iv.paired_bootstrap(baseline, model), "mse") == iv.WORSE


def test_point_estimates_agree_with_the_project_metrics() -> None:
    units, y, scores = _rows(labels=4)
    decisions = (scores >= 0.5).astype(int)
    names = list("abcd")
    f1 = iv.bootstrap(um.pooled_weighted_f1(y, decisions, units), n_resamples=10).estimate
    assert f1 == pytest.approx(studyb_metrics.summary(studyb_metrics.label_report(y, decisions, names))["f1"])
    auc = iv.bootstrap(um.pooled_auc(y, scores, units), n_resamples=10).estimate
    assert auc == pytest.approx(studyb_metrics.mean_auc(y, scores))
    one = iv.bootstrap(um.pooled_auc(y, scores, units, label=2), n_resamples=10).estimate
    assert one == pytest.approx(roc_auc_score(y[:, 2], scores[:, 2]))
    r = iv.bootstrap(um.pooled_pearson(y[:, 0], scores[:, 0], units), n_resamples=10).estimate
    assert r == pytest.approx(np.corrcoef(y[:, 0], scores[:, 0])[0, 1])


def _weighted_f1(y, p):
    return studyb_metrics.summary(studyb_metrics.label_report(y, p, [str(j) for j in range(y.shape[1])]))[
        "f1"
    ]


@pytest.mark.parametrize("name", ["mse", "mae", "pearson", "f1", "auc"])
def test_the_pooled_path_equals_the_slow_loop(name: str) -> None:
    units, y, scores = _rows(n_units=5, per_unit=4)
    decisions = (scores >= 0.5).astype(int)
    fast, slow = {
        "mse": (um.pooled_mse(y, scores, units), (lambda a, b: float(np.mean((a - b) ** 2)), y, scores)),
        "mae": (um.pooled_mae(y, scores, units), (lambda a, b: float(np.mean(np.abs(a - b))), y, scores)),
        "pearson": (
            um.pooled_pearson(y[:, 0], scores[:, 0], units),
            (lambda a, b: float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 else np.nan, y[:, 0], scores[:, 0]),
        ),
        "f1": (um.pooled_weighted_f1(y, decisions, units), (_weighted_f1, y, decisions)),
        "auc": (um.pooled_auc(y, scores, units), (studyb_metrics.mean_auc, y, scores)),
    }[name]
    a = iv.bootstrap(fast, n_resamples=300, seed=5)
    b = iv.bootstrap_loop(slow[0], units, *slow[1:], n_resamples=300, seed=5)
    assert a.n_undefined == b.n_undefined
    np.testing.assert_allclose([a.estimate, a.low, a.high], [b.estimate, b.low, b.high], atol=1e-12)


def test_same_seed_same_interval_other_seed_other_interval() -> None:
    units, y, scores = _rows()
    metric = um.pooled_mae(y, scores, units)
    assert iv.bootstrap(metric, 2000, seed=7) == iv.bootstrap(metric, 2000, seed=7)
    assert iv.bootstrap(metric, 2000, seed=7) != iv.bootstrap(metric, 2000, seed=8)


def test_bad_input_raises_a_clear_error() -> None:
    with pytest.raises(ValueError, match="same shape|differ in shape"):
        um.pooled_mse(np.zeros(4), np.zeros(5), np.arange(4))
    with pytest.raises(ValueError, match="one unit per row"):
        um.pooled_mse(np.zeros(4), np.zeros(4), np.arange(3))
    with pytest.raises(ValueError, match="at least 2 units"):
        um.pooled_mae(np.zeros(4), np.ones(4), np.zeros(4))
    with pytest.raises(ValueError, match="at least 2 units"):
        um.unit_mean([0.5])
    with pytest.raises(ValueError, match="at least 2 units"):
        iv.resample_counts(1)
    with pytest.raises(ValueError, match="0/1"):
        um.pooled_weighted_f1(np.zeros((4, 2)), np.full((4, 2), 0.7), np.arange(4))
    with pytest.raises(ValueError, match="same units"):
        iv.paired_bootstrap(um.unit_mean([1.0, 2.0, 3.0]), um.unit_mean([1.0, 2.0]))
    with pytest.raises(ValueError, match="level"):
        iv.bootstrap(um.unit_mean([1.0, 2.0]), level=95)
    with pytest.raises(ValueError, match="differ in length"):
        iv.bootstrap_loop(lambda a, b: 0.0, np.arange(4), np.zeros(4), np.zeros(3))


def test_mean_sd_over_seeds() -> None:
    summary = iv.mean_sd([0.4, 0.5, np.nan, 0.6])
    assert (summary.mean, summary.n) == (pytest.approx(0.5), 3)
    assert summary.sd == pytest.approx(0.1)
    assert str(summary) == "0.50 ± 0.10"
    with pytest.raises(ValueError, match="finite"):
        iv.mean_sd([np.nan])

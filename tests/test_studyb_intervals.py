"""Study B's test predictions survive a round trip to disk, and its intervals resample films or screenings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_intervals import _rows

from emolib.core.errors import DataError
from emolib.evaluation import intervals as iv
from emolib.evaluation.intervals import BEATS, UNDECIDED, WORSE
from emolib.evaluation.studyb_intervals import (
    compare_audio_predictors,
    compare_label_predictors,
    headline_intervals_b,
    load_run_predictions,
    seed_spread,
    seed_spread_keys,
    spread_text,
    unit_intervals,
    units_summary,
)
from emolib.evaluation.unit_metrics import pooled_weighted_f1
from emolib.studyb.predictions import (
    MEMBER_PREFIX,
    TestPredictions,
    concatenate_predictions,
    load_test_predictions,
    save_test_predictions,
)


def _labels(n_films: int = 6, rows: int = 8, seed: int = 0) -> TestPredictions:
    """A network that knows the labels, beside 'all on' and a coin flip."""
    rng = np.random.default_rng(seed)
    units = np.repeat([f"film{i}" for i in range(n_films)], rows)
    y = rng.integers(0, 2, size=(len(units), 3)).astype(np.int8)
    y[0] = 1  # every label has a positive
    y[1] = 0  # and a negative
    coin = rng.integers(0, 2, size=y.shape).astype(np.int8)
    scores = {"model@val": y * 0.8 + 0.1, "model@0.5": y * 0.8 + 0.1, "all on": np.ones(y.shape),
              "prevalence": coin * 0.5 + 0.25}  # fmt: skip
    decisions = {"model@val": y.copy(), "model@0.5": y.copy(), "all on": np.ones_like(y), "prevalence": coin}
    return TestPredictions(units, y, scores, decisions, names=("fight", "scary", "talk"))


def _vocs(n_screenings: int = 6, rows: int = 10) -> TestPredictions:
    units = np.repeat([f"Clover/{i}" for i in range(n_screenings)], rows)
    y = np.linspace(0, 1, len(units))[:, None] * np.ones((1, 2))
    return TestPredictions(
        units, y, {"model": y + 0.01, "training mean": np.full(y.shape, 0.5), "training median": y + 0.01}
    )


def test_predictions_round_trip_with_predictor_names_that_are_not_identifiers(tmp_path: Path) -> None:
    held = _labels()
    path = save_test_predictions(held, tmp_path / "audio_labels_test.npz")
    back = load_test_predictions(path)
    assert back.target == "labels" and back.names == held.names
    assert list(back.scores) == list(held.scores)
    np.testing.assert_array_equal(back.units, held.units)
    np.testing.assert_array_equal(back.decisions["all on"], held.decisions["all on"])
    vocs = load_test_predictions(save_test_predictions(_vocs(), tmp_path / "audio_vocs_test.npz"))
    assert vocs.target == "vocs" and vocs.decisions == {}
    assert set(load_run_predictions(tmp_path)) == {"audio_labels", "audio_vocs"}


def test_a_damaged_predictions_file_is_named_in_the_error(tmp_path: Path) -> None:
    bad = tmp_path / "audio_labels_test.npz"
    bad.write_bytes(b"not an archive")
    with pytest.raises(DataError, match="audio_labels_test.npz"):
        load_test_predictions(bad)


def test_a_model_that_knows_the_labels_beats_all_on_and_is_undecided_against_itself() -> None:
    intervals, comparisons = unit_intervals({"audio_labels": _labels()}, n_resamples=2000)
    assert set(intervals["model"]) == {"model@val", "all on", "prevalence"}  # model@0.5 is left out
    assert (intervals["unit"] == "film").all() and (intervals["n_units"] == 6).all()
    model = intervals.set_index(["metric", "model"])
    assert model.loc[("f1", "model@val"), "estimate"] == pytest.approx(1.0)
    assert model.loc[("auc", "all on"), "estimate"] == pytest.approx(0.5)
    verdicts = comparisons.set_index(["metric", "baseline"])["verdict"]
    assert verdicts[("f1", "all on")] == BEATS and verdicts[("auc", "prevalence")] == BEATS


def test_identical_predictors_give_a_zero_difference_and_no_verdict() -> None:
    _, comparisons = unit_intervals({"audio_vocs": _vocs()}, n_resamples=500)
    same = comparisons.set_index("baseline").loc["training median"]
    assert same["difference"] == 0 and same["low"] == 0 and same["high"] == 0
    assert same["verdict"] == UNDECIDED
    mean = comparisons.set_index("baseline").loc["training mean"]
    assert mean["verdict"] == BEATS and mean["high"] < 0  # lower MAE is better


def test_a_worse_model_is_called_worse() -> None:
    held = _vocs()
    held.scores["model"] = held.y + 0.6
    _, comparisons = unit_intervals({"audio_vocs": held}, n_resamples=500)
    assert comparisons.set_index("baseline").loc["training mean", "verdict"] == WORSE


def test_too_few_units_give_the_score_without_an_interval_or_a_verdict() -> None:
    intervals, comparisons = unit_intervals({"video_labels": _labels(n_films=3)}, n_resamples=500)
    assert intervals["low"].isna().all() and intervals["estimate"].notna().all()
    assert (comparisons["verdict"] == UNDECIDED).all()


def test_headline_keys_exist_for_every_quoted_number_even_without_runs() -> None:
    held = {"audio_labels": _labels(), "audio_vocs": _vocs()}
    intervals, comparisons = unit_intervals(held, n_resamples=500)
    assert units_summary(intervals) == "audio_labels: 6 films; audio_vocs: 6 screenings"
    keys = headline_intervals_b(intervals, comparisons)
    assert keys["res_b_f1_audio"].startswith("1.000 [") and keys["res_b_n_units_audio_labels"] == "6"
    assert keys["res_b_verdict_f1_audio_allon"] == BEATS
    assert keys["res_b_diff_mae_audio_mean"].startswith("-")
    assert keys["res_b_f1_video"] == "n/a" and keys["res_b_verdict_mae_video_mean"] == UNDECIDED
    assert keys["res_b_f1_audio_logistic"] == "n/a"  # not scored in this run
    empty = headline_intervals_b(intervals.iloc[:0], comparisons.iloc[:0])
    assert set(empty) <= set(keys) and empty["res_b_n_units_video_vocs"] == "0"


def test_a_run_without_kept_predictions_falls_back_to_its_plain_scores() -> None:
    intervals, comparisons = unit_intervals({}, n_resamples=10)
    keys = headline_intervals_b(intervals, comparisons, fallback={"res_b_f1_audio": "0.612", "other": "x"})
    assert keys["res_b_f1_audio"] == "0.612" and "other" not in keys
    assert keys["res_b_verdict_f1_audio_allon"] == UNDECIDED


def test_folds_concatenate_and_refuse_different_predictors() -> None:
    a, b = _labels(n_films=2, seed=0), _labels(n_films=3, seed=1)
    pooled = concatenate_predictions([a, b])
    assert len(pooled.units) == len(a.units) + len(b.units) and pooled.names == a.names
    np.testing.assert_array_equal(pooled.decisions["all on"][len(a.units) :], b.decisions["all on"])
    with pytest.raises(ValueError, match="different outputs or predictors"):
        concatenate_predictions([a, _vocs()])
    with pytest.raises(ValueError, match="no predictions"):
        concatenate_predictions([])


def test_seed_members_get_a_spread_but_no_interval_or_verdict() -> None:
    held = _labels()
    y = held.y
    for k, noise in enumerate((0.0, 0.3)):  # one member that knows the labels, one that flips some
        flipped = np.where(np.random.default_rng(k).random(y.shape) < noise, 1 - y, y)
        held.scores[f"{MEMBER_PREFIX}{k}"] = flipped * 0.8 + 0.1
        held.decisions[f"{MEMBER_PREFIX}{k}"] = flipped
    spread = seed_spread(held)
    assert spread["f1"].n == 2 and spread["f1"].mean < 1.0 and spread["f1"].sd > 0
    intervals, comparisons = unit_intervals({"audio_labels": held}, n_resamples=200)
    assert not intervals["model"].str.startswith(MEMBER_PREFIX).any()
    assert not comparisons["baseline"].str.startswith(MEMBER_PREFIX).any()
    assert seed_spread(_vocs()) == {} and seed_spread(_labels()) == {}


def test_audio_predictors_are_compared_with_the_logistic_only_on_enough_films() -> None:
    held = _labels(n_films=6)
    held.scores["logistic"], held.decisions["logistic"] = (
        held.scores["prevalence"],
        held.decisions["prevalence"],
    )
    names = {"model@val": "audio network", "paper@val": "paper's network", "logistic": "logistic"}
    table, text = compare_audio_predictors(held, names)
    assert list(table.index) == ["logistic", "audio network"]  # the paper's network did not run: skipped
    assert table.loc["audio network", "f1_verdict"] == BEATS
    assert text.startswith("logistic: weighted F1") and "minus the logistic: F1 " in text
    table, text = compare_audio_predictors(_labels(n_films=3), names)
    assert table.empty and text.startswith("no interval: the test rows hold 3 films (film0, film1, film2)")


def test_the_one_movie_out_audio_run_has_headline_keys_of_its_own() -> None:
    held = _labels()
    held.scores["logistic"], held.decisions["logistic"] = (
        held.scores["prevalence"],
        held.decisions["prevalence"],
    )
    intervals, comparisons = unit_intervals(
        {"audio_labels": _labels(), "audio_labels_omo": held}, n_resamples=200
    )
    keys = headline_intervals_b(intervals, comparisons)
    assert keys["res_b_verdict_f1_audio_omo_logistic"] == BEATS
    assert keys["res_b_n_units_audio_labels_omo"] == "6" and keys["res_b_f1_audio_omo_paper"] == "n/a"
    assert keys["res_b_verdict_f1_audio_logistic"] == UNDECIDED  # audio_labels had no logistic: n/a


def test_the_spread_over_seeds_is_said_in_words_and_skips_an_auc_without_both_classes() -> None:
    held = _labels()
    for k in range(3):
        held.scores[f"{MEMBER_PREFIX}{k}"], held.decisions[f"{MEMBER_PREFIX}{k}"] = (
            held.scores["all on"],
            held.y,
        )
    keys = seed_spread_keys({"audio_labels": held})
    assert keys["res_b_seeds_audio"].startswith(
        "weighted F1 1.000 ± 0.000 and macro AUC 0.500 ± 0.000 over 3"
    )
    assert keys["res_b_n_seeds_audio"] == "3" and keys["res_b_seeds_audio_omo"] == "one seed only"
    one_class = TestPredictions(held.units, np.ones_like(held.y), held.scores, held.decisions, held.names)
    assert set(seed_spread(one_class)) == {"f1"} and spread_text({}) == "one seed only"


def test_compare_label_predictors_against_a_reference() -> None:
    units, y, scores = _rows(n_units=8, per_unit=6)
    preds = {"model": scores, "reference": np.full(y.shape, 0.5), "copy": np.full(y.shape, 0.5)}
    decisions = {"model": (scores >= 0.5).astype(int), "reference": np.ones_like(y), "copy": np.ones_like(y)}
    held = TestPredictions(units=units, y=y, scores=preds, decisions=decisions)
    table = compare_label_predictors(held, ["model", "reference", "copy"], "reference", n_resamples=2000)
    assert list(table.index) == ["reference", "model", "copy"]
    assert table.loc["reference", "f1_verdict"] == "" and table.loc["reference", "auc_diff"] is None
    assert table.loc["model", "auc_verdict"] == iv.BEATS  # scores that follow y against a constant
    assert table.loc["copy", "f1_verdict"] == iv.UNDECIDED and table.loc["copy", "f1_diff"].width == 0
    assert table.loc["model", "f1"] == iv.bootstrap(pooled_weighted_f1(y, decisions["model"], units), 2000)
    with pytest.raises(ValueError, match="no scores and decisions"):
        compare_label_predictors(held, ["model"], "missing")
    one_unit = TestPredictions(units=np.zeros(len(y)), y=y, scores=preds, decisions=decisions)
    with pytest.raises(ValueError, match="at least 2 units"):
        compare_label_predictors(one_unit, ["model"], "reference")


def _two_folds() -> TestPredictions:
    """Two held-out films, each predicted by its own fold's model: perfect ranking within each film,
    the second model's scores offset far below the first's."""
    y = np.array([[0], [0], [0], [1], [0], [1], [1], [1]])
    offset = np.array([0.1, 0.2, 0.3, 0.4, -1.4, -1.3, -1.2, -1.1])  # film B's positives below A's negatives
    rows = [slice(0, 4), slice(4, 8)]
    folds = [
        TestPredictions(units=np.array([film] * 4), y=y[r],
                        scores={"model@val": offset[r, None], "constant": np.full((4, 1), 1.3 - k)},
                        decisions={"model@val": y[r], "constant": np.ones((4, 1), dtype=int)})
        for k, (film, r) in enumerate(zip(["A", "B"], rows, strict=True))
    ]  # fmt: skip
    return concatenate_predictions(folds, models=["fold0", "fold1"])


def test_ranking_metrics_of_several_models_are_computed_within_each_held_out_film() -> None:
    from emolib.evaluation.studyb_intervals import ranking_auc
    from emolib.evaluation.unit_metrics import pooled_auc, unit_auc

    held = _two_folds()
    ones = np.ones((1, 2))
    pooled = pooled_auc(held.y, held.scores["model@val"], held.units)(ones)[0]
    assert pooled == 7 / 16  # film B's positives rank below film A's negatives once the folds are pooled
    assert ranking_auc(held, "model@val")(ones)[0] == 1.0  # within each film the model ranks perfectly
    assert unit_auc(held.y, held.scores["model@val"], held.units, held.models)(ones)[0] == 1.0
    # a predictor constant within each fold (its constant differs between folds) scores exactly 0.5
    assert ranking_auc(held, "constant")(ones)[0] == 0.5
    assert pooled_auc(held.y, held.scores["constant"], held.units)(ones)[0] == 0.25  # pooled: far below
    # one model (no models recorded): the pooled rows are ranked together, as before
    single = TestPredictions(units=held.units, y=held.y, scores=held.scores, decisions=held.decisions)
    assert single.n_models == 1 and ranking_auc(single, "model@val")(ones)[0] == pooled


def test_the_one_movie_out_auc_is_the_mean_over_films_of_each_films_macro_auc() -> None:
    from sklearn.metrics import roc_auc_score

    from emolib.evaluation.unit_metrics import unit_auc

    rng = np.random.default_rng(3)
    films = np.repeat(["A", "B", "C", "D", "E"], 12)
    y = (rng.random((60, 3)) < 0.4).astype(int)
    y[films == "C", 2] = 0  # a label absent from one film: left out of that film's macro AUC
    scores = rng.random((60, 3)) + 5 * (films == "B")[:, None]  # one fold's model on another scale
    by_film = []
    for film in np.unique(films):
        rows = films == film
        aucs = [
            roc_auc_score(y[rows, j], scores[rows, j]) for j in range(3) if 0 < y[rows, j].sum() < rows.sum()
        ]
        by_film.append(np.mean(aucs))
    metric = unit_auc(y, scores, films, models=films)
    assert metric(np.ones((1, 5)))[0] == pytest.approx(np.mean(by_film))
    counts = np.array([[2, 0, 1, 1, 1]])  # film A drawn twice, B not: the mean over the drawn films
    expected = (2 * by_film[0] + by_film[2] + by_film[3] + by_film[4]) / 5
    assert metric(counts)[0] == pytest.approx(expected)


def test_seed_spread_and_comparisons_of_pooled_folds_rank_within_films() -> None:
    held = _two_folds()
    members = {"seed 0": held.scores["model@val"], "seed 1": held.scores["model@val"] * 2}
    decisions = {**held.decisions, **dict.fromkeys(members, held.decisions["model@val"])}
    held = TestPredictions(held.units, held.y, {**held.scores, **members}, decisions, models=held.models)
    assert seed_spread(held)["auc"].mean == 1.0
    intervals, _ = unit_intervals({"audio_labels_omo": held}, n_resamples=50, min_units=2)
    auc = intervals[intervals["metric"] == "auc"].set_index("model")["estimate"]
    assert auc["constant"] == 0.5

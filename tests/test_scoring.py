"""Window scoring against hand-computed examples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from emolib.media.alignment import STEP_SECONDS
from emolib.studya.scoring import (
    average_precision,
    fear_scores,
    mean_scores,
    pearson,
    precision_recall_f1,
    to_windows,
    va_scores,
)


def test_pearson_hand_computed() -> None:
    # dx = (-1, 0, 1), dy = (-4/3, -1/3, 5/3): r = 3 / sqrt(2 * 42/9)
    assert pearson([1, 2, 3], [1, 2, 4]) == pytest.approx(3 / math.sqrt(2 * 42 / 9))
    assert pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)


def test_pearson_of_a_constant_is_undefined() -> None:
    assert math.isnan(pearson([0.2, 0.2, 0.2], [1, 2, 3]))
    assert math.isnan(pearson([1.0], [2.0]))


def test_va_scores_are_per_movie_then_averaged() -> None:
    truth = {
        "a": np.array([[0.0, 0.0], [1.0, 1.0]]),
        "b": np.array([[0.0, 0.5], [0.0, -0.5], [0.0, 0.0], [0.0, 0.0]]),
    }
    pred = {
        "a": np.array([[0.0, 0.5], [1.0, 0.5]]),
        "b": np.array([[1.0, 0.5], [1.0, -0.5], [1.0, 0.0], [1.0, 0.0]]),
    }
    per = va_scores(truth, pred)
    assert per.loc["a", "mse_valence"] == 0.0
    assert per.loc["a", "mse_arousal"] == pytest.approx((0.25 + 0.25) / 2)
    assert per.loc["b", "mse_valence"] == 1.0
    assert per.loc["b", "r_arousal"] == pytest.approx(1.0)
    assert math.isnan(per.loc["a", "r_arousal"])  # constant prediction
    mean = mean_scores(per)
    assert mean["mse_valence"] == pytest.approx(0.5)  # (0 + 1) / 2, not pooled (0 + 4) / 6
    assert mean["r_arousal"] == pytest.approx(1.0)  # the undefined r is skipped, not counted as 0
    assert mean["n_movies"] == 2


def test_va_scores_reject_missing_or_misaligned_predictions() -> None:
    with pytest.raises(ValueError, match="no predictions"):
        va_scores({"a": np.zeros((2, 2))}, {})
    with pytest.raises(ValueError, match="windows"):
        va_scores({"a": np.zeros((2, 2))}, {"a": np.zeros((3, 2))})


def test_steps_average_back_to_a_window_by_overlap() -> None:
    # A 10 s window holds 18 whole steps of 16/30 s and 0.75 of the 19th.
    steps = np.zeros(40)
    steps[:18] = 1.0
    got = to_windows(steps, [0.0, 5.0])
    assert got[0] == pytest.approx(18 * STEP_SECONDS / 10.0)  # 0.96
    # the window from 5 s to 15 s covers steps up to 9.6 s, i.e. 4.6 s of ones
    assert got[1] == pytest.approx((18 * STEP_SECONDS - 5.0) / 10.0)
    with pytest.raises(ValueError, match="too short"):
        to_windows(np.ones(3), [0.0, 100.0])


def test_average_precision_hand_computed() -> None:
    # ranked: + (P=1, R=1/2), -, + (P=2/3, R=1), -  ->  AP = 1/2 * 1 + 1/2 * 2/3
    assert average_precision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]) == pytest.approx(5 / 6)
    assert average_precision([1, 0], [0.5, 0.5]) == pytest.approx(0.5)  # ties enter together
    assert average_precision([0, 0, 1], [0.1, 0.2, 0.9]) == pytest.approx(1.0)
    assert math.isnan(average_precision([0, 0], [0.3, 0.1]))


def test_average_precision_matches_scikit_learn() -> None:
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(0)
    for _ in range(20):
        y = rng.random(50) < 0.2
        y[0] = True
        s = np.round(rng.random(50), 1)  # many ties
        assert average_precision(y, s) == pytest.approx(average_precision_score(y, s))


def test_precision_recall_f1_and_map() -> None:
    assert precision_recall_f1([1, 1, 0, 0], [0.9, 0.2, 0.8, 0.1]) == pytest.approx(
        {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    )
    assert precision_recall_f1([1, 0], [0.1, 0.2]) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    per = fear_scores({"a": [1, 0, 1, 0], "b": [0, 0, 0]}, {"a": [0.9, 0.8, 0.7, 0.1], "b": [0.6, 0.1, 0.1]})
    mean = mean_scores(per)
    assert mean["map"] == pytest.approx(5 / 6)  # b has no fear window: AP undefined, skipped
    assert mean["n_movies_ap"] == 1
    assert per.loc["a", "positive_rate"] == 0.5


# ---------------------------------------------------------------------------------------------------
# MediaEval 2018: pooled per-second scores, fear sequences and their intersection over union


def test_pooled_va_scores_score_every_second_of_every_movie_together() -> None:
    from emolib.studya.scoring import pooled_va_scores

    truth = {"a": np.array([[0.0, 0.1], [0.2, 0.1]]), "b": np.array([[0.4, -0.1], [0.6, 0.3]])}
    pred = {"a": np.array([[0.1, 0.1], [0.2, 0.3]]), "b": np.array([[0.4, 0.1], [0.5, 0.3]])}
    scores = pooled_va_scores(truth, pred)
    # valence errors 0.1, 0, 0, 0.1 -> MSE 0.005; arousal errors 0, 0.2, 0.2, 0 -> MSE 0.02
    assert scores["mse_valence"] == pytest.approx(0.005) and scores["mse_arousal"] == pytest.approx(0.02)
    assert scores["r_valence"] == pytest.approx(np.corrcoef([0.1, 0.2, 0.4, 0.5], [0.0, 0.2, 0.4, 0.6])[0, 1])
    assert scores["n_rows"] == 4


def test_fear_sequences_and_their_intersection_over_union_by_hand() -> None:
    from emolib.studya.scoring import (
        fear_iou_scores,
        intersection_and_union,
        pooled_iou,
        sequences_from_flags,
    )

    seconds = np.arange(10.0)
    flags = np.array([0, 1, 1, 0, 0, 1, 1, 1, 0, 1])
    np.testing.assert_array_equal(sequences_from_flags(flags, seconds), [[1, 3], [5, 8], [9, 10]])
    # truth [2, 6): predicted [1, 3) and [5, 8) overlap it on [2, 3) and [5, 6): 2 s of 2 + 3 + 4 - 2 = 7 s
    assert intersection_and_union([[1, 3], [5, 8]], [[2, 6]]) == (2.0, 7.0)
    assert intersection_and_union([[0, 4], [2, 6]], [[2, 6]]) == (4.0, 6.0)  # overlapping predictions merge
    truth = {"a": np.array([[2.0, 6.0]]), "b": np.zeros((0, 2)), "c": np.array([[0.0, 10.0]])}
    pred = {"a": np.array([[1.0, 3.0], [5.0, 8.0]]), "b": np.zeros((0, 2)), "c": np.zeros((0, 2))}
    table = fear_iou_scores(truth, pred)
    assert table.loc["a", "iou"] == pytest.approx(2 / 7) and table.loc["c", "iou"] == 0.0
    assert np.isnan(table.loc["b", "iou"])  # no fear on either side: nothing to agree on
    assert pooled_iou(table) == pytest.approx(2 / 17)  # (2 + 0) seconds over (7 + 10)


def test_the_iou_threshold_is_chosen_on_the_movies_given() -> None:
    from emolib.studya.scoring import choose_iou_threshold

    starts = {"a": np.arange(6.0)}
    truth = {"a": np.array([[2.0, 4.0]])}
    probabilities = {"a": np.array([0.1, 0.3, 0.8, 0.7, 0.3, 0.1])}
    assert 0.3 < choose_iou_threshold(truth, probabilities, starts) <= 0.7  # exactly seconds 2 and 3
    assert choose_iou_threshold({"a": np.zeros((0, 2))}, {"a": np.zeros(6)}, starts) == 0.5

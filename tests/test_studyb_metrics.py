"""Study B scores: per-label metrics and weighted averages by hand, thresholds from validation, baselines."""

from __future__ import annotations

import numpy as np
import pytest

from emolib.studyb import metrics
from emolib.studyb.frames import sequence_frames
from emolib.studyb.saliency import dead_filters, upsample_to


def test_label_report_against_hand_computed_values() -> None:
    y = np.array([[1, 0], [1, 1], [0, 1], [1, 0]])
    p = np.array([[1, 0], [0, 1], [1, 0], [1, 1]])
    table = metrics.label_report(y, p, ["a", "b"])
    # a: tp 2, fp 1, fn 1 -> P 2/3, R 2/3, F1 2/3, support 3; b: tp 1, fp 1, fn 1 -> 1/2 each, support 2
    np.testing.assert_allclose(table.loc["a", ["precision", "recall", "f1"]], [2 / 3] * 3)
    np.testing.assert_allclose(table.loc["b", ["precision", "recall", "f1"]], [0.5] * 3)
    weighted = (3 * 2 / 3 + 2 * 0.5) / 5
    np.testing.assert_allclose(table.loc["weighted avg", "f1"], weighted)
    assert table.loc["weighted avg", "support"] == 5


def test_all_on_weighted_f1_is_high_when_labels_are_common() -> None:
    y = np.array([[1, 1], [1, 0], [1, 0], [0, 0]])  # prevalence 3/4 and 1/4
    on = metrics.binarise(metrics.all_on_scores(4, 2))
    table = metrics.label_report(y, on, ["common", "rare"])
    f1_common, f1_rare = 2 * 0.75 / 1.75, 2 * 0.25 / 1.25
    np.testing.assert_allclose(table.loc["weighted avg", "f1"], (3 * f1_common + 1 * f1_rare) / 4)
    np.testing.assert_allclose(table.loc["weighted avg", "recall"], 1.0)


def test_thresholds_come_from_validation_only() -> None:
    y_val = np.array([[1], [1], [0], [0]])
    s_val = np.array([[0.3], [0.25], [0.1], [0.05]])  # separable at 0.2
    thr = metrics.choose_thresholds(y_val, s_val)
    assert 0.1 < thr[0] <= 0.25
    # the test part cannot move them: same validation data, same thresholds whatever the test holds
    assert np.array_equal(thr, metrics.choose_thresholds(y_val.copy(), s_val.copy()))
    # no positive in validation: keep the paper's 0.5
    assert metrics.choose_thresholds(np.zeros((3, 1)), np.array([[0.9], [0.1], [0.4]]))[0] == 0.5


def test_thresholds_of_rare_labels_are_guarded() -> None:
    # label 0: two positives scored lowest of all, so its best validation F1 switches it on everywhere
    # label 1: four positives ranked first
    y_val = np.array([[1, 1], [1, 1], [0, 1], [0, 1], [0, 0], [0, 0], [0, 0], [0, 0]])
    s_val = np.array(
        [[0.06, 0.9], [0.07, 0.8], [0.5, 0.7], [0.6, 0.7], [0.8, 0.2], [0.9, 0.1]] + [[0.7, 0.1]] * 2
    )
    free = metrics.choose_thresholds(y_val, s_val)
    assert free[0] == 0.05 and 0.2 < free[1] <= 0.7
    guarded = metrics.choose_thresholds(y_val, s_val, min_positives=3)
    assert guarded[0] == 0.5 and guarded[1] == free[1]  # too few positives: the default
    floored = metrics.choose_thresholds(y_val, s_val, floor=0.1)
    assert floored[0] >= 0.1 and floored[1] == free[1]
    with pytest.raises(ValueError, match="floor"):
        metrics.choose_thresholds(y_val, s_val, floor=0.99)


def test_baselines_and_mae() -> None:
    y_train = np.array([[0.0, 1.0], [1.0, 3.0]])
    np.testing.assert_allclose(metrics.training_mean(y_train, 3), [[0.5, 2.0]] * 3)
    np.testing.assert_allclose(metrics.prevalence_scores(np.array([[1, 0], [1, 1]]), 2), [[1, 0.5]] * 2)
    mae = metrics.mae_report(np.array([[0.0, 0.0]]), np.array([[0.5, 1.0]]), ["x", "y"])
    assert mae.to_dict() == pytest.approx({"x": 0.5, "y": 1.0, "all": 0.75})


def test_dead_filters_and_upsampling() -> None:
    a = np.zeros((2, 3, 4, 5, 3))
    a[..., 1] = 0.5
    assert dead_filters(a).tolist() == [0, 2]
    v = np.arange(8).reshape(2, 2, 2)
    up = upsample_to(v, (4, 4, 4))
    assert up.shape == (4, 4, 4) and up[0, 0, 0] == 0 and up[-1, -1, -1] == 7


def test_sequence_frames_streams_whole_sequences(tmp_path) -> None:
    import cv2

    path = tmp_path / "m.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5, (100, 50))
    for i in range(5 * 70):  # 70 s at 5 fps: two whole 30 s sequences
        writer.write(np.full((50, 100, 3), i % 255, np.uint8))
    writer.release()
    frames = sequence_frames(path)
    assert frames.shape == (2, 30, 36, 64, 3) and frames.dtype == np.uint8
    assert sequence_frames(path, max_sequences=1).shape[0] == 1


def test_label_report_with_a_single_label() -> None:
    y = np.ones((4, 1), dtype=np.int8)
    table = metrics.label_report(y, np.array([[1], [1], [0], [1]]), ["suspense"])
    assert table.loc["suspense", "support"] == 4
    np.testing.assert_allclose(table.loc["suspense", ["precision", "recall", "f1"]], [1.0, 0.75, 6 / 7])

"""The feature chapter's table of a run and its figures: every block along the movie, the steps in 2-D."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from emolib.features import ExtractReport, FusedFeatures, MovieResult
from emolib.features.report import plot_features_along, plot_projection, run_table
from emolib.media.alignment import STEP_SECONDS


def test_run_table_has_one_row_per_movie_attempted() -> None:
    report = ExtractReport(
        [MovieResult("a", "done", seconds=1.23456), MovieResult("b", "failed", reason="no video stream")],
        planned=3,
    )
    table = run_table(report)
    assert table.to_dict(orient="records") == [
        {"movie": "a", "status": "done", "seconds": 1.23, "reason": ""},
        {"movie": "b", "status": "failed", "seconds": 0.0, "reason": "no video stream"},
    ]


def test_features_along_standardise_each_feature_and_keep_a_constant_one_at_zero() -> None:
    rng = np.random.default_rng(0)
    data = np.concatenate(
        [rng.normal(5, 2, (40, 3)), np.full((40, 1), 7.0), rng.normal(0, 1, (40, 2))], axis=1
    )
    fused = FusedFeatures("m", data.astype(np.float32), [f"f{k}" for k in range(6)], [("a", 4), ("b", 2)])
    fig = plot_features_along(fused)
    maps = [ax.images[0] for ax in fig.axes]
    assert [ax.get_title() for ax in fig.axes] == ["a (4-d)", "b (2-d)"]
    z = maps[0].get_array()
    assert z.shape == (4, 40)  # features as rows, steps as columns
    np.testing.assert_allclose(z[:3].mean(axis=1), 0, atol=1e-6)
    np.testing.assert_allclose(z[:3].std(axis=1), 1, atol=1e-5)
    assert np.all(z[3] == 0)  # never moves: no spread to divide by
    assert maps[0].get_extent()[1] == pytest.approx(40 * STEP_SECONDS)
    plt.close(fig)


def test_projection_figure_colours_the_steps_by_valence_and_arousal() -> None:
    points = pd.DataFrame(
        {"pc1": [0.0, 1.0], "pc2": [1.0, 0.0], "valence": [-0.5, 0.5], "arousal": [0.2, 0.9]}
    )
    fig = plot_projection(points, np.array([0.42, 0.2]))
    left, right = fig.axes[:2]
    assert (left.get_title(), right.get_title()) == ("valence", "arousal")
    assert left.get_xlabel() == "PC 1 (42 %)" and left.get_ylabel() == "PC 2 (20 %)"
    np.testing.assert_allclose(right.collections[0].get_array(), [0.2, 0.9])
    plt.close(fig)

"""What the dataset chapter records of each layout: a MediaEval set of either edition, Smell of Fear, the
organisers' descriptors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from emolib.datasets import exploration
from emolib.datasets.mediaeval import MediaEvalSet
from emolib.datasets.smelloffear import SmellOfFearSet


def _set(grid: str, fear: list[int] | None, defects: tuple[str, ...] = ()) -> MediaEvalSet:
    annotations = pd.DataFrame({"movie": "A", "time": np.arange(4.0), "valence": 0.1, "arousal": -0.2})
    if fear is not None:
        annotations["fear"] = fear
    movies = pd.DataFrame({"name": ["A"], "n_windows": [4]})
    edition = 2018 if grid == "second" else 2017
    return MediaEvalSet(Path("."), movies, annotations, edition=edition, grid=grid, defects=defects)


def test_a_2017_summary_counts_windows_and_hours() -> None:
    movies = pd.DataFrame({"name": ["A", "B"], "duration": [1800.0, 5400.0]})
    summary = exploration.mediaeval_summary(_set("window", [0, 1, 0, 0]), movies)
    assert summary == {"movies": 2, "windows": 4, "fear_share": 0.25, "hours": 2.0}
    assert list(summary) == ["movies", "windows", "fear_share", "hours"]  # the order summary.json keeps


def test_a_2018_summary_counts_seconds_and_defects_and_may_lack_fear() -> None:
    movies = pd.DataFrame({"name": ["A"], "duration": [4.0]})
    summary = exploration.mediaeval_summary(_set("second", None, ("a.txt:3: missing second",)), movies)
    assert summary == {"movies": 1, "seconds": 4, "fear_share": None, "defects": 1}


def test_a_smell_of_fear_summary_counts_films_sequences_and_screenings() -> None:
    films = pd.DataFrame({"film": ["A", "B"], "n_sequences": [10, 12], "screenings": [(1, 2, 3), ()]})
    empty = pd.DataFrame()
    dataset = SmellOfFearSet(Path("."), films, {}, {}, {}, empty)
    summary = exploration.smelloffear_summary(dataset, ["suspense"])
    assert summary == {"films": 2, "sequences": 22, "screenings": 3, "kept_labels": ["suspense"]}


@pytest.mark.parametrize("rows", [0, 2])
def test_descriptor_summary_keys_each_folder_by_edition_and_descriptor(rows: int) -> None:
    table = pd.DataFrame(
        {"edition": [2018, 2017], "descriptor": ["fc6", "emobase2010"], "movies": [3, 2], "rows": [90, 14]}
    ).head(rows)
    expected = {"2018 fc6": {"movies": 3, "rows": 90}, "2017 emobase2010": {"movies": 2, "rows": 14}}
    summary = exploration.descriptor_summary(table)
    assert summary == dict(list(expected.items())[:rows])
    assert all(type(v) is int for counts in summary.values() for v in counts.values())

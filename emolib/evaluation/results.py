"""The numbers the Results chapter quotes, from notebook 07's tables, keyed for ``glue``.

Study A: the means over folds of the book's configuration (:func:`emolib.evaluation.tables.headline`), with
their intervals over test movies and the LSTM's verdicts against the baselines
(:func:`emolib.evaluation.studya_intervals.headline_intervals`). Study B: every headline experiment's
scores with their intervals over films or screenings and the networks' verdicts
(:func:`emolib.evaluation.studyb_intervals.headline_intervals_b`), the audio network's spread over
seeds and the recipe it was trained with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from emolib.evaluation.studya_intervals import headline_intervals
from emolib.evaluation.studyb_intervals import headline_intervals_b, seed_spread_keys
from emolib.evaluation.tables import VA_METRICS, headline
from emolib.studyb.predictions import TestPredictions

__all__ = ["results_numbers"]


def results_numbers(
    va_scores: pd.DataFrame,
    fear_scores: pd.DataFrame,
    a_intervals: Mapping[str, pd.DataFrame],
    studyb: pd.DataFrame,
    b_intervals: tuple[pd.DataFrame, pd.DataFrame],
    b_predictions: Mapping[str, TestPredictions],
    audio_recipes: Sequence[str],
) -> dict[str, str]:
    """Every number of the Results chapter, formatted, by ``glue`` key (``res_a_*``, ``res_b_*``).

    Parameters
    ----------
    va_scores, fear_scores
        Study A's runs (:func:`emolib.evaluation.tables.score_table`).
    a_intervals
        :func:`emolib.evaluation.studya_intervals.run_intervals` of the book's configuration.
    studyb
        Study B's table (:func:`emolib.evaluation.studyb_report.gather_studyb`).
    b_intervals
        :func:`emolib.evaluation.studyb_intervals.unit_intervals` of the first Study B run.
    b_predictions
        The test predictions of the first Study B run, by experiment.
    audio_recipes
        The audio recipe of each Study B run (the first is quoted).
    """
    numbers = headline(va_scores, fear_scores, studyb)
    for kind, metrics in (("va", VA_METRICS), ("fear", ["ap"])):  # with intervals over movies, and verdicts
        intervals, comparisons = a_intervals[f"{kind}_intervals"], a_intervals[f"{kind}_comparisons"]
        numbers.update(headline_intervals(intervals, comparisons, metrics))
    b_int, b_cmp = b_intervals
    numbers.update(headline_intervals_b(b_int, b_cmp, fallback=numbers))  # over films and screenings
    numbers.update(seed_spread_keys(b_predictions))  # the audio network's single networks, mean ± sd
    numbers["res_b_audio_recipe"] = audio_recipes[0] if audio_recipes else "n/a"
    return numbers

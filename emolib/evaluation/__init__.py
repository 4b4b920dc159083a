"""Evaluation across runs: fold runs gathered and tabulated beside baselines and published figures.

* :mod:`~emolib.evaluation.tables`: the Study A evaluation of notebook 07.
* :mod:`~emolib.evaluation.intervals`: percentile bootstrap intervals over the independent unit (test
  movies, screenings or films, never windows), paired bootstrap of model − baseline on the same
  resamples and its verdict, mean ± sd over seeds or folds.
"""

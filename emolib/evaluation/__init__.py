"""Evaluation across runs: fold runs gathered and tabulated beside baselines and published figures.

* :mod:`~emolib.evaluation.tables`: the Study A evaluation of notebook 07.
* :mod:`~emolib.evaluation.intervals`: the resampling core: percentile bootstrap intervals over the
  independent unit (test movies, screenings or films, never windows), paired bootstrap of model −
  baseline on the same resamples and its verdict, mean ± sd over seeds or folds.
* :mod:`~emolib.evaluation.unit_metrics`: the metrics those resamples evaluate (means of per-unit
  scores, pooled errors, Pearson's r, weighted F1, ROC AUC within one model or within each unit).
* :mod:`~emolib.evaluation.studya_intervals`: Study A's scores with intervals over test movies (every
  fold of a configuration; the MediaEval-protocol runs) and the LSTM's verdicts against its baselines.
* :mod:`~emolib.evaluation.studyb_intervals`: Study B's scores with intervals over films (scene
  labels) or screenings (compounds), from the test predictions notebook 05 keeps, and the networks'
  verdicts against their baselines.
* :mod:`~emolib.evaluation.studyb_report`: notebook 05's tables, figures and ``metrics.json``, and the
  Study B runs gathered for notebook 07.
* :mod:`~emolib.evaluation.results`: the numbers the Results chapter quotes.
"""

"""Evaluation across runs: fold runs gathered and tabulated beside baselines and published figures.

* :mod:`~emolib.evaluation.tables`: the Study A evaluation of notebook 07.
"""

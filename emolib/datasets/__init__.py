"""Readers of the real on-disk layouts, and their validation.

* :mod:`~emolib.datasets.layouts`: which dataset layouts a data folder holds;
* :mod:`~emolib.datasets.mediaeval`: MediaEval Emotional Impact of Movies annotations, run files;
* :mod:`~emolib.datasets.smelloffear`, :mod:`~emolib.datasets.vocs`, :mod:`~emolib.datasets.arff`:
  the Smell of Fear release (scene labels, audio features, breath-gas screenings);
* :mod:`~emolib.datasets.validate`: every problem of a data folder in one report;
* :mod:`~emolib.datasets.exploration`: the tables of the dataset chapter (notebook 01).
"""

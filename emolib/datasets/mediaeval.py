"""Readers for the MediaEval Emotional Impact of Movies annotations: 2017 and 2018, development and test sets.

This module is the face of the MediaEval readers; the work is done in small modules named for what they do:

* :mod:`~emolib.datasets.mediaeval_files`: one annotation file, strictly (every error a
  :class:`~emolib.core.errors.DataError` naming the file and the 1-based line, no row dropped silently);
* :mod:`~emolib.datasets.mediaeval_scan`: one scan of a folder that recognises every annotation and
  ground-truth file kind, wherever it lies;
* :mod:`~emolib.datasets.mediaeval_sets`: :class:`MediaEvalSet` and the 2017 loaders
  (:func:`load_devset`, :func:`load_testset`, :func:`devset_movies`);
* :mod:`~emolib.datasets.mediaeval2018`: the 2018 parts (:func:`load_mediaeval2018`);
* :mod:`~emolib.datasets.mediaeval_runs`: run files (2017: :func:`write_run`, :func:`read_run`; 2018: every
  second's valence and arousal, :func:`write_run_2018`, and fear sequences, :func:`write_fear_run_2018`).

File formats (see ``formats.md`` of the project's reference material and ``data/README.md``):

* ``<Name>-MEDIAEVAL2017-valence_arousal.txt``: header ``Id Time MeanValence MeanArousal``, tab-separated,
  one row per 10 s window shifted by 5 s; ``Time`` is the window start, ``5 * Id`` seconds.
* ``<Name>-MEDIAEVAL2017-fear.txt``: header ``Id Time Fear``, same grid, fear 0 or 1.
* ``MEDIAEVAL17_XX_Valence-Arousal.txt`` (2017 test set): a header line and 4 whitespace-separated
  columns, valence and arousal at indices 2 and 3. The header names are not published, so any
  4 non-numeric names are accepted; columns 0 and 1 are read as window id and start time and
  checked against the same 5 s grid as the development set. Also seen renamed
  ``<Movie>_valence_arousal.txt``, with ``<Movie>_fear.txt`` (3 columns: id, time, fear).
* ``MEDIAEVAL18_{id}_Valence-Arousal.txt`` (2018): header ``Time Valence Arousal``, tab-separated,
  one row per second; ``MEDIAEVAL18_{id}_Fear.txt``: one 0/1 row per second, or one start/end row per
  fear sequence.

Run files follow the layout the public 2017 valence/arousal evaluation script parses: per movie, a line
with the movie name, then one line ``valence arousal`` per window, whitespace-separated.
"""

from __future__ import annotations

from emolib.datasets.mediaeval2018 import load_mediaeval2018, second_fear
from emolib.datasets.mediaeval_files import (
    TIME_TOLERANCE,
    Fear2018,
    read_fear,
    read_fear_2018,
    read_test_fear,
    read_test_valence_arousal,
    read_valence_arousal,
    read_valence_arousal_2018,
)
from emolib.datasets.mediaeval_runs import (
    read_fear_run_2018,
    read_run,
    read_run_2018,
    write_fear_run_2018,
    write_run,
    write_run_2018,
)
from emolib.datasets.mediaeval_scan import KINDS, MOVIE_SUFFIXES, scan
from emolib.datasets.mediaeval_sets import (
    FEAR_SUFFIX,
    MOVIES_COLUMNS,
    TEST_VA_SUFFIX,
    VA_SUFFIX,
    MediaEvalSet,
    devset_movies,
    load_devset,
    load_testset,
    movies_table,
)

__all__ = [
    "FEAR_SUFFIX",
    "KINDS",
    "MOVIES_COLUMNS",
    "MOVIE_SUFFIXES",
    "TEST_VA_SUFFIX",
    "TIME_TOLERANCE",
    "VA_SUFFIX",
    "Fear2018",
    "MediaEvalSet",
    "devset_movies",
    "load_devset",
    "load_mediaeval2018",
    "load_testset",
    "movies_table",
    "read_fear",
    "read_fear_2018",
    "read_fear_run_2018",
    "read_run",
    "read_run_2018",
    "read_test_fear",
    "read_test_valence_arousal",
    "read_valence_arousal",
    "read_valence_arousal_2018",
    "scan",
    "second_fear",
    "write_fear_run_2018",
    "write_run",
    "write_run_2018",
]

"""Where a test run leaves what CI uploads when it fails (the ``tests`` workflow's artifacts).

The book the tests build lives in a temporary folder that disappears with the runner, so the
``built_book`` fixture keeps its build log here, and the executed copy of a notebook that failed
(``FAILED.ipynb``, showing the failing cell) is copied here too. ``make test`` writes the pytest
report (JUnit XML) beside them. Everything is under ``outputs/``, ignored by git; only
``FAILED.ipynb`` copies are kept, never a run's ``metrics.json``, so the evaluation chapter of a
later ``make book`` (which reads every ``outputs/**/metrics.json``) never sees test runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "outputs" / "tests"
"""The folder of this run's artifacts."""
BOOK_LOG = ARTIFACTS / "book-build.log"
"""Output of ``jupyter-book build`` for the book the tests build."""
FAILED_NOTEBOOKS = ARTIFACTS / "book"
"""``<notebook stem>/FAILED.ipynb`` for every notebook of the tested book that failed."""
JUNIT_REPORT = ARTIFACTS / "junit.xml"
"""The pytest report ``make test`` writes (``--junitxml``, see the Makefile's ``TEST_REPORT``)."""


def keep_failed_notebooks(outputs_root: Path, dest: Path = FAILED_NOTEBOOKS) -> list[Path]:
    """Copy every ``FAILED.ipynb`` under ``outputs_root`` to the same relative place under ``dest``.

    Parameters
    ----------
    outputs_root
        The ``outputs_root`` the notebooks were executed with (one folder per notebook).
    dest
        Where the copies go; earlier copies there are removed first, so only this run's failures remain.

    Returns
    -------
    list of pathlib.Path
        The copies, in path order.
    """
    shutil.rmtree(dest, ignore_errors=True)
    kept = []
    for failed in sorted(Path(outputs_root).rglob("FAILED.ipynb")):
        copy = dest / failed.relative_to(outputs_root)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(failed, copy)
        kept.append(copy)
    return kept

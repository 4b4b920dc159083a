"""Shared fixtures: the tiny synthetic cinema, generated once per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from artifacts import BOOK_LOG, keep_failed_notebooks

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def tiny_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``tiny`` profile with seed 0, written once into a temporary folder."""
    from emolib.synth import generate_sample

    out = tmp_path_factory.mktemp("sample")
    generate_sample(out, profile="tiny", seed=0, workers=2)
    return out


@dataclass(frozen=True)
class BuiltBook:
    """The book executed on the tiny sample: executed notebooks, their outputs and the HTML."""

    source: Path
    outputs: Path
    html: Path


@pytest.fixture(scope="session")
def built_book(tiny_sample: Path, tmp_path_factory: pytest.TempPathFactory) -> BuiltBook:
    """Every notebook executed once with papermill on the tiny sample, then the HTML book built.

    This is what ``make book`` does, in a temporary folder: tests of single notebooks read the
    executed copies and outputs from here instead of executing them again.
    """
    from emolib.core.atomic import write_text
    from emolib.runs.notebooks import BOOK_EXTRA_RUNS, discover, execute_all

    root = tmp_path_factory.mktemp("book")
    source = root / "book"
    shutil.copytree(ROOT / "book", source, ignore=shutil.ignore_patterns("_build", "notebooks"))
    parameters = {"data_dir": str(tiny_sample), "profile": "tiny", "seed": 0}
    outputs = root / "outputs"
    BOOK_LOG.unlink(missing_ok=True)
    try:
        execute_all(
            discover(ROOT / "notebooks"), source / "notebooks", parameters, outputs_root=outputs,
            extra_runs=BOOK_EXTRA_RUNS,
        )  # fmt: skip
    finally:  # CI uploads these copies when the run fails (.github/workflows/tests.yml)
        keep_failed_notebooks(outputs)
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [str(jupyter_book), "build", str(source), "--config", str(ROOT / "_config.yml"),
               "--toc", str(source / "_toc.yml"), "--path-output", str(source),
               "--warningiserror", "--nitpick", "--keep-going"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    write_text(BOOK_LOG, done.stdout + done.stderr)
    log = (done.stdout + done.stderr).splitlines()
    problems = [line for line in log if "WARNING" in line or "ERROR" in line]
    assert done.returncode == 0, "jupyter-book build failed:\n" + "\n".join(problems or [done.stderr[-3000:]])
    return BuiltBook(source=source, outputs=outputs, html=source / "_build" / "html")

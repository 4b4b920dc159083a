"""Shared fixtures: the synthetic samples and the book, each made once per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
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


@pytest.fixture(scope="session")
def micro_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``micro`` profile with seed 0 (seconds to generate), for a notebook run on other data."""
    from emolib.synth import generate_sample

    out = tmp_path_factory.mktemp("micro")
    generate_sample(out, profile="micro", seed=0, workers=2)
    return out


BOOK_MODE = "EMOLIB_TEST_BOOK"
"""How ``built_book`` gets the book: ``auto`` (default) reads the clone's own build when ``make book``
left it current (every run's key unchanged, :func:`clone_book_problems`) and otherwise builds one in a
temporary folder; ``clone`` requires the clone's build (CI runs ``make book`` first, .ci/run); ``fresh``
always builds one."""
CLONE_OUTPUTS_EXTRAS = {"tests", "screenshots", "run_times.json", "run_times.csv"}
"""What ``outputs/`` may hold besides the book's runs for the tests to read the clone's build."""
EXTRA_NOTEBOOK_RUNS = {
    "01_dataset_exploration": "test_notebooks.py: a MediaEval folder alone (micro sample)",
    "05_autoencoder": "test_studyb_notebooks.py: a release-style folder without movies (audio only)",
}
"""The notebooks a test executes once more on other data, besides the book's run, and why. Any other
execution of a notebook of the project fails the session (:func:`notebooks_run_once`)."""
_BOOK_EXECUTIONS: list[int] = []
"""Indexes, in :data:`emolib.runs.notebooks.EXECUTIONS`, of the executions the book build made."""


@dataclass(frozen=True)
class BuiltBook:
    """The book executed on the tiny sample: executed notebooks, their outputs and the HTML."""

    source: Path
    outputs: Path
    html: Path
    reused: bool = False
    """Whether the notebooks are the clone's own build (``make book``) rather than this session's."""


def _clone_book(root: Path = ROOT):
    """The book ``make book`` builds in the clone at ``root`` (tiny sample, seed 0)."""
    from emolib.runs.notebooks import BOOK_EXTRA_RUNS, Book, discover

    parameters = {"data_dir": str(root / "data" / "sample"), "profile": "tiny", "seed": 0}
    return Book(
        discover(ROOT / "notebooks"),
        root / "book" / "notebooks",
        parameters,
        root / "outputs",
        BOOK_EXTRA_RUNS,
    )


def clone_book_problems(root: Path = ROOT) -> list[str]:
    """Why the tests cannot read the clone's own book build (``make book``); empty when they can.

    They can when every run of the book on ``data/sample`` (tiny, seed 0) is current, exactly as a
    second ``make book`` would reuse it, and ``outputs/`` holds nothing else (no ``make folds`` sweep,
    whose runs notebook 07 would gather).
    """
    from emolib.runs.notebooks import outdated
    from emolib.runs.run_times import TIMES_MARKDOWN

    outputs = root / "outputs"
    if not outputs.is_dir():
        return ["no outputs/: `make book` has not run in this clone"]
    book = _clone_book(root)
    runs = book.runs()
    problems = [f"{name} is not current" for name in outdated(runs, book.roots)]
    if not (root / "book" / "notebooks" / TIMES_MARKDOWN).is_file():
        problems.append(f"book/notebooks/{TIMES_MARKDOWN} is missing (the Reproducing page includes it)")
    own = {run.output_dir.relative_to(book.roots.outputs).parts[0] for run in runs} | CLONE_OUTPUTS_EXTRAS
    problems += [
        f"outputs/{p.name} is not part of the book" for p in sorted(outputs.iterdir()) if p.name not in own
    ]
    return problems


def _copy_clone_book(source: Path) -> Path:
    """The clone's book pages and executed chapters copied to ``source``; returns the clone's outputs."""
    from emolib.runs.run_times import TIMES_MARKDOWN

    shutil.copytree(ROOT / "book", source, ignore=shutil.ignore_patterns("_build", "notebooks"))
    (source / "notebooks").mkdir()
    for run in _clone_book().runs():
        if run.name == run.source.stem:
            shutil.copy2(run.executed, source / "notebooks" / run.executed.name)
    shutil.copy2(ROOT / "book" / "notebooks" / TIMES_MARKDOWN, source / "notebooks" / TIMES_MARKDOWN)
    return ROOT / "outputs"


def _execute_book(request: pytest.FixtureRequest, source: Path, outputs: Path) -> None:
    """Every notebook executed on the tiny sample into ``source/notebooks`` and ``outputs``."""
    from emolib.runs.notebooks import BOOK_EXTRA_RUNS, EXECUTIONS, Book, discover, execute_all

    tiny_sample = request.getfixturevalue("tiny_sample")
    shutil.copytree(ROOT / "book", source, ignore=shutil.ignore_patterns("_build", "notebooks"))
    parameters = {"data_dir": str(tiny_sample), "profile": "tiny", "seed": 0}
    first = len(EXECUTIONS)
    try:
        execute_all(
            Book(discover(ROOT / "notebooks"), source / "notebooks", parameters, outputs, BOOK_EXTRA_RUNS)
        )
    finally:  # CI uploads these copies when the run fails (.github/workflows/tests.yml)
        _BOOK_EXECUTIONS.extend(range(first, len(EXECUTIONS)))
        keep_failed_notebooks(outputs)


@pytest.fixture(scope="session")
def built_book(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> BuiltBook:
    """Every notebook executed once with papermill on the tiny sample, then the HTML book built.

    This is what ``make book`` does: tests of single notebooks read the executed copies and outputs
    from here instead of executing them again. When ``make book`` left the clone's build current, its
    executed notebooks and outputs are read as they are (nothing is executed, :data:`BOOK_MODE`);
    otherwise the book is executed in a temporary folder. The HTML is built in a temporary folder
    either way, and its log kept for CI.
    """
    from emolib.core.atomic import write_text

    mode = os.environ.get(BOOK_MODE, "auto")
    if mode not in ("auto", "clone", "fresh"):
        raise ValueError(f"{BOOK_MODE}={mode!r}: expected auto, clone or fresh")
    root = tmp_path_factory.mktemp("book")
    source = root / "book"
    problems = clone_book_problems() if mode != "fresh" else ["fresh build asked for"]
    if mode == "clone" and problems:
        raise RuntimeError(
            f"{BOOK_MODE}=clone, but the clone's book build cannot be read:\n" + "\n".join(problems)
        )
    BOOK_LOG.unlink(missing_ok=True)
    if problems:
        outputs = root / "outputs"
        _execute_book(request, source, outputs)
    else:
        outputs = _copy_clone_book(source)
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [str(jupyter_book), "build", str(source), "--config", str(ROOT / "_config.yml"),
               "--toc", str(source / "_toc.yml"), "--path-output", str(source),
               "--warningiserror", "--nitpick", "--keep-going"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    write_text(BOOK_LOG, done.stdout + done.stderr)
    log = (done.stdout + done.stderr).splitlines()
    problems = [line for line in log if "WARNING" in line or "ERROR" in line]
    assert done.returncode == 0, "jupyter-book build failed:\n" + "\n".join(problems or [done.stderr[-3000:]])
    html = source / "_build" / "html"
    return BuiltBook(source=source, outputs=outputs, html=html, reused=outputs == ROOT / "outputs")


def notebook_reruns(
    executions: list[tuple[str, dict]],
    book: set[int],
    extra: dict[str, str],
    notebooks: Path = ROOT / "notebooks",
) -> list[str]:
    """What executed a notebook of the project more often than once per session.

    Parameters
    ----------
    executions
        (source, parameters) of every execution, in order (:data:`emolib.runs.notebooks.EXECUTIONS`).
    book
        Indexes of the book build's executions: each of its runs once.
    extra
        Notebook stems that tests may execute once more on other data (:data:`EXTRA_NOTEBOOK_RUNS`).
    notebooks
        The project's notebook sources; other notebooks (a test's own) are not counted.
    """
    import json

    problems = []
    seen: dict[tuple[str, str], int] = {}
    outside: dict[str, int] = {}
    for index, (source, parameters) in enumerate(executions):
        path = Path(source)
        if path.parent != notebooks.resolve():
            continue
        same = {k: v for k, v in parameters.items() if k != "output_dir"}
        run = (path.stem, json.dumps(same, sort_keys=True, default=str))
        seen[run] = seen.get(run, 0) + 1
        if seen[run] == 2:
            problems.append(f"{path.stem} executed twice with the same parameters {run[1]}")
        if index not in book:
            outside[path.stem] = outside.get(path.stem, 0) + 1
    for stem, count in sorted(outside.items()):
        allowed = 1 if stem in extra else 0
        if count > allowed:
            problems.append(f"{stem} executed {count} time(s) outside the book build; allowed: {allowed}")
    return problems


@pytest.fixture(scope="session", autouse=True)
def notebooks_run_once() -> Iterator[None]:
    """At the end of the session: no notebook of the project was executed twice (the book's run aside,
    only the executions listed in :data:`EXTRA_NOTEBOOK_RUNS`, once each)."""
    yield
    from emolib.runs.notebooks import EXECUTIONS

    problems = notebook_reruns(EXECUTIONS, set(_BOOK_EXECUTIONS), EXTRA_NOTEBOOK_RUNS)
    assert not problems, "notebooks executed more than once in this session:\n" + "\n".join(problems)

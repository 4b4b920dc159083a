"""The ``folds`` command: the LSTM notebook for every fold and configuration, then the evaluation chapter.

:func:`run_folds` plans the sweep (:func:`emolib.runs.sweep.plan`) from the command line's parameters,
extracts the features the runs need once beforehand, runs the tasks on Dask
(:func:`emolib.runs.sweep.run_all`) printing one line per finished run (:func:`result_line`), and then
rebuilds notebook 07 over the runs into the book (:func:`rebuild_evaluation`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emolib.core.distributed import ClusterChoice
from emolib.core.options import key_values, parse_value

__all__ = ["EVALUATION_NOTEBOOK", "SweepChoice", "SweepPaths", "chosen_folds", "extract_missing_features",
           "parse_grid", "rebuild_evaluation", "result_line", "run_folds", "sweep_parameters"]  # fmt: skip

EVALUATION_NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "07_evaluation.py"
"""The notebook that evaluates the runs of a sweep (the book's evaluation chapter)."""


def sweep_parameters(
    data: str | Path,
    profile: str,
    seed: int,
    n_folds: int,
    task: str,
    settings: Sequence[str] | None = None,
    test_dir: str | Path | None = None,
) -> dict[str, Any]:
    """The parameters every run gets: the data and folds, overridden by ``--set NAME=VALUE`` items.

    ``data_dir`` (and ``test_dir``, given only when not ``None``: notebook 04's MediaEval protocol) is
    made absolute, since the runs execute in the notebooks' folder; the values of ``settings`` are
    JSON if they parse, else strings (:func:`emolib.core.options.parse_value`).
    """
    base: dict[str, Any] = {
        "data_dir": str(Path(data).resolve()), "profile": profile, "seed": seed, "n_folds": n_folds,
        "task": task,
    }  # fmt: skip
    if test_dir is not None:
        base["test_dir"] = str(Path(test_dir).resolve())
    base.update({k: parse_value(v) for k, v in key_values(settings, "NAME=VALUE")})
    return base


def parse_grid(items: Sequence[str] | None) -> dict[str, list[Any]]:
    """The sweep's grid from ``--grid NAME=V1,V2,...`` items: each value split at commas and parsed."""
    return {k: [parse_value(x) for x in v.split(",")] for k, v in key_values(items, "NAME=V1,V2,...")}


def extract_missing_features(base: Mapping[str, Any]) -> None:
    """Extract once, before the runs, the features the runs' ``visual`` and ``audio`` parameters name
    (of the test folder's movies too, when the runs have a ``test_dir``)."""
    from emolib.studya.data import load_movie_set, load_test_set

    names = [*base.get("visual", ["colour-motion"]), *base.get("audio", ["logmel-stats"])]
    load_movie_set(base["data_dir"], names, base.get("store_dir"))
    if base.get("test_dir"):
        load_test_set(base["test_dir"], names)


def chosen_folds(base: Mapping[str, Any], folds: Iterable[int] | None) -> list[int]:
    """The fold indices to run: ``folds`` if given, else all ``n_folds``; one (0) with a ``test_dir``.

    A run with a test folder trains on every development movie and ignores ``fold``, so its folds
    would all be the same run.

    Examples
    --------
    >>> chosen_folds({"n_folds": 3}, None), chosen_folds({"n_folds": 3, "test_dir": "/t"}, None)
    ([0, 1, 2], [0])
    """
    if folds is not None:
        return list(folds)
    return [0] if base.get("test_dir") else list(range(int(base["n_folds"])))


def result_line(res: Mapping[str, Any]) -> str:
    """One line about a finished run: status, configuration, fold, time, attempts (if more than one), error.

    Examples
    --------
    >>> result_line({"status": "failed", "config": "default", "fold": 2, "seconds": 12.4, "attempts": 2,
    ...              "error": "RuntimeError: boom"})
    '[failed ] default fold 2 (12 s, 2 attempts) RuntimeError: boom'
    """
    took = f"{float(res['seconds']):.0f} s"
    tries = f", {res['attempts']} attempts" if int(res["attempts"]) > 1 else ""
    return f"[{res['status']:7s}] {res['config']} fold {res['fold']} ({took}{tries}) {res['error']}"


def rebuild_evaluation(
    data_dir: str | Path, profile: str, seed: int, runs: str | Path, outputs: str | Path, book: str | Path
) -> Path:
    """Execute notebook 07 over the runs of a sweep into the book.

    Parameters
    ----------
    data_dir, profile, seed
        Passed on to the notebook.
    runs
        The sweep's root (``studya_runs`` of the notebook).
    outputs
        Root of the notebooks' ``output_dir``; notebook 07 writes into ``outputs/07_evaluation``.
    book
        Folder of the book's executed notebooks.

    Returns
    -------
    pathlib.Path
        The executed notebook, ``book/07_evaluation.ipynb``.

    Raises
    ------
    emolib.runs.notebooks.NotebookFailed
        If the notebook raises; its partial copy is kept as ``outputs/07_evaluation/FAILED.ipynb``.
    """
    from emolib.runs.notebooks import execute

    outputs_dir = Path(outputs).resolve()
    params = {"data_dir": str(data_dir), "profile": profile, "seed": seed, "runs_dir": str(outputs_dir),
              "studya_runs": str(Path(runs).resolve()),
              "output_dir": str(outputs_dir / "07_evaluation")}  # fmt: skip
    return execute(EVALUATION_NOTEBOOK, Path(book) / "07_evaluation.ipynb", params,
                   failed_copy=Path(outputs) / "07_evaluation" / "FAILED.ipynb")  # fmt: skip


@dataclass(frozen=True)
class SweepChoice:
    """What a sweep runs: the parameters of every run and the grid of configurations.

    Attributes
    ----------
    data, profile, seed, n_folds, task, settings
        The parameters of every run (:func:`sweep_parameters`).
    grid
        ``NAME=V1,V2,...`` items of the parameters to sweep (:func:`parse_grid`).
    folds
        Fold indices to run (``None``: all ``n_folds``, after ``settings``).
    test_dir
        A test folder (``--test-dir``): every run follows the MediaEval protocol on it (trains on the
        whole development set, scores the test movies), one run per configuration (:func:`chosen_folds`);
        notebook 07, which evaluates fold runs, is not rebuilt.
    """

    data: str | Path
    profile: str = "tiny"
    seed: int = 0
    n_folds: int = 4
    task: str = "both"
    settings: Sequence[str] | None = None
    grid: Sequence[str] | None = None
    folds: Iterable[int] | None = None
    test_dir: str | Path | None = None


@dataclass(frozen=True)
class SweepPaths:
    """Where a sweep reads its notebook and writes its runs.

    Attributes
    ----------
    notebook
        The notebook source each run executes.
    out
        Root of the runs; the summary goes to ``out/summary.csv``.
    outputs, book
        For :func:`rebuild_evaluation`.
    """

    notebook: str | Path
    out: str | Path
    outputs: str | Path
    book: str | Path


def run_folds(
    sweep: SweepChoice,
    paths: SweepPaths,
    cluster: ClusterChoice | None = None,
    evaluate: bool = True,
    features: bool = True,
) -> int:
    """Run the sweep, print its progress and summary, then rebuild the evaluation chapter.

    Parameters
    ----------
    sweep
        The runs' parameters, the grid, the folds, the test folder (:class:`SweepChoice`).
    paths
        The notebook, the runs' root, the outputs and the book (:class:`SweepPaths`).
    cluster
        The Dask cluster and the retries of a failed run (:func:`emolib.core.distributed.open_client`).
    evaluate
        Whether to rebuild notebook 07 after the runs.
    features
        Whether to extract missing features once before the runs (:func:`extract_missing_features`).

    Returns
    -------
    int
        0 if every run (and notebook 07) succeeded, 1 otherwise.

    Raises
    ------
    emolib.core.errors.DataError
        If a ``settings`` or ``grid`` item is malformed (before anything runs).
    """
    from emolib.core.distributed import announced_client
    from emolib.runs.notebooks import NotebookFailed
    from emolib.runs.sweep import plan, run_all

    where = cluster or ClusterChoice(workers=2)
    notebook, out = paths.notebook, paths.out
    base = sweep_parameters(sweep.data, sweep.profile, sweep.seed, sweep.n_folds, sweep.task, sweep.settings,
                            sweep.test_dir)  # fmt: skip
    configs = parse_grid(sweep.grid)
    chosen = chosen_folds(base, sweep.folds)
    if features:
        extract_missing_features(base)
    tasks = plan(out, base, configs, chosen, source=notebook)
    print(f"{len(tasks)} runs ({len(tasks) // max(1, len(chosen))} configurations) of "
          f"{Path(notebook).name} into {out}", flush=True)  # fmt: skip
    summary = Path(out) / "summary.csv"
    with announced_client(where.scheduler, where.workers, tls=where.tls) as client:
        table = run_all(tasks, summary=summary, on_result=lambda res: print(result_line(res), flush=True),
                        client=client, retries=where.retries)  # fmt: skip
    failed = int((table["status"] == "failed").sum())
    print(f"{len(table) - failed} runs finished, {failed} failed; summary in {summary}")
    if evaluate and base.get("test_dir"):
        print("test-set runs: scores in each run's metrics.json (test_set); notebook 07 not rebuilt")
    elif evaluate:
        try:
            target = rebuild_evaluation(
                base["data_dir"], base["profile"], base["seed"], out, paths.outputs, paths.book
            )
        except NotebookFailed as err:
            print(f"\n{err}", file=sys.stderr)
            return 1
        print(f"evaluation chapter rebuilt from the runs: {target}")
    return 1 if failed else 0

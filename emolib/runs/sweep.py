"""Run notebook 04 for every fold and every configuration of a grid, several at once, with papermill.

Each task is one (configuration, fold): its parameters are fixed when the sweep is planned and it
writes only into its own folder ``<out>/<config>/fold<k>/``:

``run.ipynb``
    The executed notebook (written atomically when the run succeeds).
``params.json``
    The parameters it ran with.
``FAILED.ipynb``, ``error.txt``
    The partially executed notebook and the error, when it failed. A failed run does not stop the
    others.

A task whose folder already holds a ``run.ipynb`` (written only when the notebook succeeded) and the
same ``params.json`` is skipped, so a sweep can be interrupted and resumed; before a task runs, the
results of earlier runs in its folder (``run.ipynb``, every ``metrics.json``) and the temporary
files of a run that was killed are removed, so a failed run never leaves results of other parameters
behind. :func:`run_task` is a pure function of its :class:`Task` (inputs → own folder), so any
executor can run it: a local process pool, or a Dask cluster (:mod:`emolib.core.distributed`), where a
failed task is retried a bounded number of times and a task whose worker died runs again elsewhere.

The summary (``<out>/summary.csv``, :func:`read_summary`) has one row per task: ``config``, ``fold``,
``status``, ``attempts``, ``seconds``, ``error`` and ``output_dir``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from emolib.core.atomic import write_text
from emolib.core.errors import DataError, StorageError
from emolib.core.workers import process_pool

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["SUMMARY_COLUMNS", "Task", "config_name", "expand_grid", "gather_sweep_tasks", "plan",
           "read_summary", "run_all", "run_task", "summary_table"]  # fmt: skip

DEFAULT_NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "04_lstm_training.py"
"""The notebook a sweep runs by default."""
SUMMARY_COLUMNS = ["config", "fold", "status", "attempts", "seconds", "error", "output_dir"]
"""Columns of a sweep's summary table."""


@dataclass(frozen=True)
class Task:
    """One notebook run: ``source`` executed with ``parameters`` into ``output_dir``."""

    config: str
    fold: int
    source: str
    output_dir: str
    parameters: Mapping[str, Any] = field(default_factory=dict)


def expand_grid(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, in the order of the keys (one empty dict for no grid)."""
    keys = list(grid)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*(grid[k] for k in keys))]


def config_name(values: Mapping[str, Any]) -> str:
    """A folder name for a configuration: ``key-value`` pairs joined by ``_`` (``default`` if empty)."""
    if not values:
        return "default"
    parts = [f"{k}-{v}" for k, v in values.items()]
    return re.sub(r"[^A-Za-z0-9._=-]+", "", "_".join(parts).replace("/", "-")) or "default"


def plan(
    out_dir: str | Path,
    base: Mapping[str, Any],
    grid: Mapping[str, Sequence[Any]],
    folds: Iterable[int],
    source: str | Path = DEFAULT_NOTEBOOK,
) -> list[Task]:
    """The tasks of a sweep: every grid configuration times every fold.

    Parameters
    ----------
    out_dir
        Root of the sweep; each task writes into ``<out_dir>/<config>/fold<k>/``.
    base
        Parameters every run gets (``data_dir``, ``n_folds``, ``epochs`` ...).
    grid
        Parameter name to the values to try.
    folds
        Fold indices to run.
    source
        The notebook source.
    """
    tasks = []
    root = Path(out_dir).resolve()
    for values in expand_grid(grid):
        name = config_name(values)
        for k in folds:
            folder = root / name / f"fold{k}"
            params = {**base, **values, "fold": int(k), "output_dir": str(folder)}
            tasks.append(Task(name, int(k), str(Path(source).resolve()), str(folder), params))
    return tasks


def _debris(folder: Path) -> list[Path]:
    """Temporary files that atomic writes (:mod:`emolib.core.atomic`) leave behind when killed."""
    return [
        p
        for p in folder.rglob(".*")
        if p.is_file() and (".part" in p.name or p.name.startswith(".run.ipynb."))
    ]


def run_task(task: Task) -> dict[str, Any]:
    """Execute one task unless it is already done; never raises.

    Returns
    -------
    dict
        ``config``, ``fold``, ``status`` (``done``, ``skipped`` or ``failed``), ``seconds``, ``error``
        (first line), ``output_dir``.
    """
    from emolib.runs.notebooks import execute

    out = Path(task.output_dir)
    params_text = json.dumps(dict(task.parameters), sort_keys=True, indent=1)
    result = {"config": task.config, "fold": task.fold, "output_dir": str(out), "error": ""}
    params_file = out / "params.json"
    if (out / "run.ipynb").is_file() and params_file.is_file() and params_file.read_text() == params_text:
        return {**result, "status": "skipped", "seconds": 0.0}
    start = time.perf_counter()
    try:
        out.mkdir(parents=True, exist_ok=True)
        for stale in [out / "run.ipynb", *out.rglob("metrics.json"), *_debris(out)]:
            stale.unlink(missing_ok=True)  # results of other parameters, temporary files of a killed run
        write_text(params_file, params_text)
        execute(task.source, out / "run.ipynb", task.parameters, failed_copy=out / "FAILED.ipynb")
    except Exception as err:  # noqa: BLE001 - a failed run is recorded, the sweep goes on
        with contextlib.suppress(OSError):  # on a full disk the result line is all that is left
            write_text(out / "error.txt", f"{err}\n\n{traceback.format_exc()}")
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return {**result, "status": "failed", "seconds": time.perf_counter() - start, "error": first}
    for stale in ("FAILED.ipynb", "error.txt"):
        (out / stale).unlink(missing_ok=True)
    return {**result, "status": "done", "seconds": time.perf_counter() - start}


def _failed(result: Mapping[str, Any]) -> bool:
    return result.get("status") == "failed"


def _crashed(task: Task, err: BaseException) -> dict[str, Any]:
    """The result of a task that never returned (its workers died, or it could not be run at all)."""
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    with contextlib.suppress(OSError):
        write_text(Path(task.output_dir) / "error.txt", f"{type(err).__name__}: {err}\n")
    return {"config": task.config, "fold": task.fold, "output_dir": task.output_dir, "status": "failed",
            "seconds": float("nan"), "error": f"{type(err).__name__}: {first}"}  # fmt: skip


def summary_table(results: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The results of :func:`run_task` as a table of :data:`SUMMARY_COLUMNS`, by configuration and fold."""
    table = pd.DataFrame(list(results), columns=SUMMARY_COLUMNS)
    table["attempts"] = table["attempts"].fillna(1).astype(int)
    return table.sort_values(["config", "fold"]).reset_index(drop=True)


def gather_sweep_tasks(root: str | Path) -> pd.DataFrame:
    """Every task of every sweep under ``root``: the rows of each ``summary.csv`` and its ``sweep`` folder.

    Returns
    -------
    pandas.DataFrame
        :data:`SUMMARY_COLUMNS` and ``sweep``; empty (with those columns) when no sweep is found.
    """
    found = [read_summary(f).assign(sweep=str(f.parent)) for f in sorted(Path(root).rglob("summary.csv"))]
    return pd.concat(found or [pd.DataFrame(columns=[*SUMMARY_COLUMNS, "sweep"])], ignore_index=True)


def read_summary(path: str | Path) -> pd.DataFrame:
    """Read a sweep's ``summary.csv``; every ``output_dir`` must lie inside the sweep's folder.

    Raises
    ------
    DataError
        If the file is missing, lacks a column, or a row names an output folder outside the folder
        the summary is in (an absolute path elsewhere, or ``..`` escaping it); the error names the line.
    """
    from emolib.core.paths import resolve_inside

    path = Path(path)
    try:
        table = pd.read_csv(path, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise DataError(path, f"cannot read the sweep summary: {err}") from None
    missing = [c for c in SUMMARY_COLUMNS if c not in table.columns]
    if missing:
        raise DataError(path, f"not a sweep summary: no column {', '.join(missing)}")
    table["output_dir"] = [
        str(resolve_inside(path.parent, d, source=path, line=i + 2))
        for i, d in enumerate(table["output_dir"])
    ]
    table["seconds"] = pd.to_numeric(table["seconds"], errors="coerce")
    return table


def run_all(
    tasks: Sequence[Task],
    workers: int = 2,
    executor: Executor | None = None,
    summary: str | Path | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
    client: Client | None = None,
    retries: int = 1,
) -> pd.DataFrame:
    """Run tasks concurrently; failures are recorded, never raised.

    Parameters
    ----------
    tasks
        From :func:`plan`.
    workers
        Runs at once (a process pool), when neither ``client`` nor ``executor`` is given.
    executor
        Any :class:`concurrent.futures.Executor` to submit :func:`run_task` to instead (no retries).
    summary
        Where to write the summary table as CSV (atomically), e.g. ``<out>/summary.csv``; it is
        rewritten as tasks finish, so it shows the progress of a long sweep.
    on_result
        Called with each task's result as it finishes.
    client
        A Dask client (:func:`emolib.core.distributed.open_client`) to run the tasks on.
    retries
        With ``client``: how many more times a failed task is run before it is reported as failed.

    Returns
    -------
    pandas.DataFrame
        One row per task (:data:`SUMMARY_COLUMNS`), sorted by configuration and fold.

    Raises
    ------
    emolib.core.errors.StorageError
        If the summary cannot be written (disk full) once every task has finished; a failed write
        while they run does not stop them. A task that cannot write its own outputs is a failed task
        whose ``error`` is the message (the file, "no space left on the device holding ...").
    """
    results: list[dict[str, Any]] = []
    unwritten: list[StorageError] = []

    def write_summary() -> None:
        if summary is not None:
            write_text(summary, summary_table(results).to_csv(index=False))

    def finished(res: dict[str, Any], attempts: int = 1) -> None:
        res["attempts"] = attempts
        results.append(res)
        try:
            write_summary()
        except StorageError as err:  # the runs go on; the summary is written at the end, or reported
            unwritten.append(err)
        if on_result is not None:
            on_result(res)

    if client is not None:
        from emolib.core.distributed import run_tasks

        run_tasks(client, run_task, tasks, retries, _failed, _crashed, finished, name="sweep")
        return _summarised(summary_table(results), write_summary, unwritten)
    pool = executor or process_pool(workers)  # emolib.core.workers: start method, threads per run
    try:
        futures = [pool.submit(run_task, t) for t in tasks]
        for future in as_completed(futures):
            finished(future.result())
    finally:
        if executor is None:
            pool.shutdown()
    return _summarised(summary_table(results), write_summary, unwritten)


def _summarised(
    table: pd.DataFrame, write: Callable[[], None], unwritten: Sequence[StorageError]
) -> pd.DataFrame:
    """The sweep's table, once its summary file is written (again, if a write failed while it ran)."""
    if unwritten:
        write()  # raises StorageError if the device is still full
    return table

"""Execute the project's notebooks with papermill: the one execution path of the book.

The py:percent files in ``notebooks/`` are the sources. Each is converted in memory with jupytext,
executed by papermill with the parameters given, and written atomically to the output folder, so
the book never includes a half-executed notebook. A notebook that raises stops the run; its
partially executed copy is kept beside the outputs for inspection and the failing cell is shown.

Papermill writes the parameters it was given into a cell of its own (tagged ``injected-parameters``),
which holds this machine's absolute paths (``data_dir``, ``output_dir``). The executed notebook tags
that cell ``remove-cell`` too, so Jupyter Book leaves it out of the rendered page; the notebook's
``parameters`` cell, with the defaults a reader can change, stays in the page behind a "show code"
toggle (its ``hide-input`` tag), and each chapter's run box lists them. (The values given are still
recorded in the notebook's ``papermill`` metadata, which the book does not render.)

When the data folder holds a test set (``<data_dir>/mediaeval2017test``, the synthetic sample's),
:func:`execute_all` also runs notebook 04 once more with ``test_dir`` set, the MediaEval protocol, into
``<outputs>/04_lstm_training_test_set/`` (its executed copy stays there as ``run.ipynb``, not a page of
the book); notebook 07 shows its scores in a table of their own. When it holds the MediaEval 2018 parts
(``<data_dir>/mediaeval2018``), notebook 04 runs the 2018 protocol on them with the organisers' descriptors
(:func:`edition2018_run`, into ``<outputs>/04_lstm_training_2018/``), shown beside the published 2018 rows.

Every notebook runs in the project's quiet kernel (:mod:`emolib.runs.kernels`): the native start-up log
of TensorFlow and XLA goes to ``<output_dir>/kernel.log`` instead of the page.

A build re-executes only what changed: :meth:`Book.runs` lists the book's runs (each chapter, the
further runs of :data:`BOOK_EXTRA_RUNS`, the test-set run), each with the runs whose outputs it reads
(:data:`BOOK_READS`), and :func:`execute_runs` skips a run whose key of inputs is unchanged and whose
executed notebook exists (:mod:`emolib.runs.run_cache`), printing ``ran  <run> (<seconds> s)`` or
``reused <run> (key <hash>)`` per run; ``force`` re-runs everything. Every build writes each run's seconds
(:mod:`emolib.runs.run_times`).
"""

from __future__ import annotations

import contextvars
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emolib.core.atomic import atomic_path
from emolib.datasets.layouts import MEDIAEVAL2018_SUBDIR, MEDIAEVAL_TEST_SUBDIR
from emolib.runs.kernels import NATIVE_LOG, kernel_manager_class, log_tail
from emolib.runs.run_cache import (
    Roots,
    Run,
    environment,
    read_record,
    reusable,
    run_inputs,
    run_key,
    write_record,
)
from emolib.runs.run_times import SHORT_KEY, TIMES_MARKDOWN, RunTime, write_markdown, write_times

NOTEBOOK_GLOB = "[0-9][0-9]_*.py"
INJECTED_TAG = "injected-parameters"
"""The tag papermill gives the cell of the parameters it injects."""
REMOVE_TAG = "remove-cell"
"""The cell tag Jupyter Book (myst-nb) honours by leaving the cell out of the book."""
BOOK_EXTRA_RUNS: dict[str, tuple[dict[str, Any], ...]] = {
    "04_lstm_training": ({"fold": 1}, {"fold": 2}, {"fold": 3}),
}
"""Runs the book makes besides each chapter's own, before the next chapter: notebook 04 on the other
three of its four default folds, so that every development movie of the sample is a test movie once
and the evaluation chapter's intervals resample all of them (one fold holds two movies of the tiny
sample: too few for an interval). Their executed notebooks stay in ``<outputs>/<stem>/<label>/``."""
PROTOCOL_NOTEBOOK = "04_lstm_training"
"""The notebook :func:`execute_all` runs a second time on the data's test set (:func:`protocol_run`)."""
PROTOCOL_SUFFIX = "_test_set"
"""Suffix of the output folder of that run: ``<outputs>/04_lstm_training_test_set``."""
BOOK_READS: dict[str, tuple[str, ...]] = {
    "06_activation_maps": ("05_autoencoder",),
    "07_evaluation": ("04_lstm_training", "05_autoencoder"),
}
"""Notebooks whose outputs a notebook reads: every run of those (its chapter run, its further runs and its
test-set run) is upstream of it, so it runs again when one of them did. Notebook 06 loads the encoder and
head that 05 saved; 07 gathers the metrics and predictions of 04 and 05. Notebook 04 reads the feature
store that 03 also writes, but an entry there depends only on the data, the extractor and emolib's code
(all in every key), and 04 extracts what is missing itself: 03 is not upstream of it."""
BOOK_SEARCHES: dict[str, tuple[str, ...]] = {"07_evaluation": ("**/metrics.json", "**/summary.csv")}
"""Files a notebook gathers from the whole outputs root (notebook 07: every fold run and sweep there, a
``make folds`` sweep's included), by glob pattern: their names and contents are part of its key."""
BOOK_FILES: dict[str, tuple[str, ...]] = {"03_feature_extraction": ("benchmarks/results/features.json",)}
BOOK_AFTER: dict[str, tuple[str, ...]] = {"04_lstm_training": ("03_feature_extraction",)}
"""Notebooks whose runs must have finished before a notebook's runs start, when runs execute side by side
(``workers`` of :func:`execute_runs`), without being part of its key: 04 reads the feature store that 03
fills (it would extract the same features again, and both would wait on the store's lock). A notebook that
searches the outputs (:data:`BOOK_SEARCHES`) waits for every run before it."""
BOOK_WORKERS = 2
"""Runs of the book executed side by side by default: Study A's notebook 04 runs beside Study B's 05."""
"""Files of the project a notebook reads, relative to the project's root (03 shows the measured speeds)."""


_THREAD = threading.local()
EXECUTIONS: list[tuple[str, dict[str, Any]]] = []
"""Every notebook this process executed (:func:`execute`), as (source path, parameters), in order: the
test session checks with it that no notebook runs twice."""


def thread_context() -> contextvars.Context:
    """A context of the calling thread's own, kept for every notebook this thread executes.

    nbclient runs papermill's asynchronous code on the event loop that jupyter_core keeps in a
    ``ContextVar``. A Dask worker runs each task in a *copy* of the context it was scheduled from, so
    a loop that one thread created (for a notebook run there before the cluster started) reached the
    worker's other threads too, and a second notebook running at the same time failed with "This
    event loop is already running". Executing in a context that belongs to the thread gives every
    thread one loop of its own, reused by its later runs.
    """
    if not hasattr(_THREAD, "context"):
        _THREAD.context = contextvars.Context()
    return _THREAD.context


class NotebookFailed(RuntimeError):
    """A notebook raised during execution; the message holds the failing cell and traceback.

    Its first line names the notebook, the cell and the error raised there (``ename: evalue``), so a
    one-line report (a sweep's summary) says what went wrong.
    """


def discover(folder: str | Path, only: Iterable[str] | None = None) -> list[Path]:
    """Notebook sources in ``folder`` (``NN_name.py``), in chapter order.

    Parameters
    ----------
    folder
        The folder of the sources.
    only
        Keep only the notebooks whose names start with one of these (``None`` or empty: all).
    """
    sources = sorted(Path(folder).glob(NOTEBOOK_GLOB))
    prefixes = list(only or [])
    if prefixes:
        sources = [s for s in sources if any(s.stem.startswith(p) for p in prefixes)]
    return sources


def hide_injected_parameters(notebook: str | Path) -> int:
    """Tag papermill's injected-parameters cell of an executed notebook ``remove-cell``, in place.

    Parameters
    ----------
    notebook
        An ``.ipynb`` written by papermill.

    Returns
    -------
    int
        How many cells were newly tagged (0 when there is none, or it is tagged already).
    """
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    tagged = 0
    for cell in nb.cells:
        tags = list(cell.metadata.get("tags", []))
        if INJECTED_TAG in tags and REMOVE_TAG not in tags:
            cell.metadata["tags"] = [*tags, REMOVE_TAG]
            tagged += 1
    if tagged:
        nbformat.write(nb, notebook)
    return tagged


def execute(
    source: str | Path,
    output: str | Path,
    parameters: Mapping[str, Any],
    kernel_name: str = "python3",
    failed_copy: str | Path | None = None,
    native_log: str | Path | None = None,
) -> Path:
    """Execute one py:percent notebook with papermill.

    Parameters
    ----------
    source
        The ``notebooks/NN_name.py`` source.
    output
        Where the executed ``.ipynb`` goes (written atomically).
    parameters
        Papermill parameters injected after the ``parameters`` cell (in a cell the book leaves out,
        :func:`hide_injected_parameters`).
    kernel_name
        Jupyter kernel to run in (the current environment's ``python3`` by default).
    failed_copy
        Where to keep the partially executed notebook if it fails.
    native_log
        File for the kernel's native output (TensorFlow's C++ log, child processes); by default
        ``<output_dir>/kernel.log`` when the parameters name an ``output_dir``, else the runner's own
        standard error.

    Returns
    -------
    pathlib.Path
        ``output``.

    Raises
    ------
    NotebookFailed
        If a cell raises; the message names the notebook and shows the failing cell.
    """
    import jupytext
    import papermill as pm

    source = Path(source).resolve()
    EXECUTIONS.append((str(source), dict(parameters)))
    if native_log is None and parameters.get("output_dir"):
        native_log = Path(parameters["output_dir"]) / NATIVE_LOG
    native_log = None if native_log is None else Path(native_log).resolve()
    output = Path(output).resolve()  # absolute: runs made side by side share the process's working folder
    failed_copy = None if failed_copy is None else Path(failed_copy).resolve()
    notebook = jupytext.read(source)
    with tempfile.TemporaryDirectory() as tmp:
        converted = Path(tmp) / f"{source.stem}.ipynb"
        jupytext.write(notebook, converted)
        with atomic_path(output) as part:
            partial = part.with_suffix(".ipynb")
            try:
                thread_context().run(
                    pm.execute_notebook,
                    str(converted),
                    str(partial),
                    parameters=dict(parameters),
                    kernel_name=kernel_name,
                    language="python",
                    progress_bar=False,  # the kernel starts in the notebook's folder (not papermill's cwd)
                    kernel_manager_class=kernel_manager_class(Path(tmp), native_log, cwd=source.parent),
                )
                hide_injected_parameters(partial)
                partial.replace(part)
            except pm.PapermillExecutionError as err:
                if failed_copy is not None and partial.exists():
                    Path(failed_copy).parent.mkdir(parents=True, exist_ok=True)
                    partial.replace(failed_copy)
                cause = f"{err.ename}: {str(err.evalue).strip().splitlines()[0] if err.evalue else ''}"
                where = f"{source.name} failed in cell {err.exec_count}"
                raise NotebookFailed(f"{where}: {cause}\n{err}") from None
            except RuntimeError as err:  # the kernel died (a crash in native code) or never started
                tail = log_tail(native_log)
                where = f"\nlast lines of the kernel's native log {native_log}:\n{tail}" if tail else ""
                raise NotebookFailed(f"{source.name}: the kernel failed: {err}{where}") from err
            finally:  # a write that failed (disk full) leaves no half-written copy
                partial.unlink(missing_ok=True)
    return Path(output)


def protocol_run(stem: str, parameters: Mapping[str, Any], outputs_root: str | Path) -> dict[str, Any] | None:
    """The parameters of the book's test-set run after notebook ``stem``, or ``None`` when there is none.

    There is one after :data:`PROTOCOL_NOTEBOOK` when ``<data_dir>/mediaeval2017test`` exists.

    Examples
    --------
    >>> protocol_run("05_autoencoder", {"data_dir": "/nowhere"}, "/out") is None
    True
    """
    test_dir = _sample_part(stem, parameters, MEDIAEVAL_TEST_SUBDIR)
    if test_dir is None:
        return None
    output_dir = Path(outputs_root).resolve() / f"{stem}{PROTOCOL_SUFFIX}"
    return {**parameters, "test_dir": str(test_dir), "output_dir": str(output_dir)}


def _sample_part(stem: str, parameters: Mapping[str, Any], subdir: str) -> Path | None:
    """``<data_dir>/<subdir>`` when ``stem`` is :data:`PROTOCOL_NOTEBOOK` and that folder exists."""
    if stem != PROTOCOL_NOTEBOOK or "data_dir" not in parameters:
        return None
    folder = Path(parameters["data_dir"]) / subdir
    return folder if folder.is_dir() else None


EDITION2018_SUFFIX = "_2018"
"""Suffix of the output folder of the book's MediaEval 2018 run: ``<outputs>/04_lstm_training_2018``."""
EDITION2018_FEATURES = {"visual": ["fc6"], "audio": ["emobase2010"]}
"""What the book's 2018 run fuses: the organisers' VGG16 ``fc6`` and openSMILE ``emobase2010`` descriptors,
which most participants started from."""


def edition2018_run(
    stem: str, parameters: Mapping[str, Any], outputs_root: str | Path
) -> dict[str, Any] | None:
    """The parameters of the book's MediaEval 2018 run after notebook ``stem`` (``None``: there is none).

    There is one after :data:`PROTOCOL_NOTEBOOK` when ``<data_dir>/mediaeval2018`` exists (the synthetic
    sample's 2018 parts and their descriptor folders): notebook 04 trains on the development parts with the
    organisers' descriptors (:data:`EDITION2018_FEATURES`) and scores every second of the test part.

    Examples
    --------
    >>> edition2018_run("05_autoencoder", {"data_dir": "/nowhere"}, "/out") is None
    True
    """
    folder = _sample_part(stem, parameters, MEDIAEVAL2018_SUBDIR)
    if folder is None:
        return None
    output_dir = Path(outputs_root).resolve() / f"{stem}{EDITION2018_SUFFIX}"
    return {**parameters, "data_dir": str(folder), "edition": 2018, **EDITION2018_FEATURES,
            "output_dir": str(output_dir)}  # fmt: skip


@dataclass(frozen=True)
class Book:
    """A build of the book: the notebooks, where their executed copies and outputs go, the parameters.

    Attributes
    ----------
    sources
        The notebook sources, in chapter order (:func:`discover`).
    out_dir
        Folder of the chapters' executed notebooks (``book/notebooks``).
    parameters
        Papermill parameters of every run (``data_dir``, ``profile``, ``seed``); each run adds its
        ``output_dir``.
    outputs_root
        Root of the runs' output folders (``outputs``).
    extra_runs
        Further runs of a notebook (the book's: :data:`BOOK_EXTRA_RUNS`), by stem.
    """

    sources: Sequence[Path]
    out_dir: Path
    parameters: Mapping[str, Any]
    outputs_root: Path
    extra_runs: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)

    @property
    def roots(self) -> Roots:
        """The data folder and the outputs root: the runs' keys leave out where they lie."""
        return Roots(
            data=Path(self.parameters["data_dir"]).resolve(), outputs=Path(self.outputs_root).resolve()
        )

    def runs(self) -> list[Run]:
        """The runs of the build, in order: each notebook, its ``extra_runs``, its test-set and 2018 runs.

        A chapter's run writes its executed copy to ``out_dir/<stem>.ipynb`` and its outputs to
        ``outputs_root/<stem>``; a further run is named ``<stem>/<key-value>`` and keeps both in
        ``outputs_root/<stem>/<key-value>``; the test-set run after notebook 04 (:func:`protocol_run`) is
        ``04_lstm_training_test_set``. Each run's ``upstream`` holds every earlier run of the notebooks it
        reads (:data:`BOOK_READS`); :data:`BOOK_SEARCHES` and :data:`BOOK_FILES` add what else it reads.
        """
        root = Path(self.outputs_root).resolve()
        project = Path(__file__).resolve().parents[2]
        runs: list[Run] = []
        names: dict[str, list[str]] = {}

        def add(source: Path, name: str, executed: Path, params: dict[str, Any]) -> None:
            stem = source.stem
            upstream = tuple(n for read in BOOK_READS.get(stem, ()) for n in names.get(read, ()))
            files = tuple(project / f for f in BOOK_FILES.get(stem, ()))
            reads = BOOK_SEARCHES.get(stem, ())
            after = tuple(n for before in BOOK_AFTER.get(stem, ()) for n in names.get(before, ()))
            if reads:  # it gathers whatever the runs before it wrote
                after = tuple(run.name for run in runs)
            runs.append(
                Run(name, source, executed, params, upstream, reads, root if reads else None, files, after)
            )
            names.setdefault(stem, []).append(name)

        for source in map(Path, self.sources):
            stem = source.stem
            run_dir = root / stem
            add(
                source,
                stem,
                Path(self.out_dir) / f"{stem}.ipynb",
                {**self.parameters, "output_dir": str(run_dir)},
            )
            for extra in self.extra_runs.get(stem, ()):
                label = "_".join(f"{k}-{v}" for k, v in extra.items())
                params = {**self.parameters, **extra, "output_dir": str(run_dir / label)}
                add(source, f"{stem}/{label}", run_dir / label / f"{stem}.ipynb", params)
            for suffix, further in ((PROTOCOL_SUFFIX, protocol_run), (EDITION2018_SUFFIX, edition2018_run)):
                params = further(stem, self.parameters, root)
                if params is not None:
                    add(source, f"{stem}{suffix}", Path(params["output_dir"]) / "run.ipynb", params)
        return runs


def _execute_run(run: Run, key: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Execute one run (its old key and failed copy removed first) and record its new key."""
    failed = run.output_dir / "FAILED.ipynb"
    run.key_file.unlink(missing_ok=True)  # a run stopped half-way is never taken for a finished one
    failed.unlink(missing_ok=True)
    start = time.perf_counter()
    execute(run.source, run.executed, run.parameters, failed_copy=failed)
    return write_record(run, key, inputs, time.perf_counter() - start)


def execute_runs(
    runs: Sequence[Run],
    roots: Roots,
    force: bool = False,
    selected: Callable[[Run], bool] | None = None,
    log: Callable[[str], object] = print,
    workers: int = 1,
) -> Iterator[RunTime]:
    """Execute the runs, each one only when its key of inputs changed (or ``force``), ``workers`` at a time.

    Parameters
    ----------
    runs
        From :meth:`Book.runs`; a run's upstream runs come before it.
    roots
        The data folder, the outputs root and the project: keys leave out where they lie
        (:mod:`~emolib.runs.run_cache`).
    force
        Execute every selected run, whatever its key.
    selected
        Which runs to consider (default: all). The others are not executed; their recorded keys
        count as the upstream keys of the selected ones, and those that finished in an earlier build
        keep their row (``reused``: this build did not execute them).
    log
        Receives one line per run: ``ran  <run> (<seconds> s)`` or ``reused <run> (key <hash>)``.
    workers
        Runs executed side by side (each in its own kernel). A run starts once its upstream runs and the
        runs it comes ``after`` have finished, so its key, computed then, is what a build one run at a
        time computes; the notebooks' results do not depend on the order.

    Yields
    ------
    RunTime
        One row per run, as it finishes (a reused run with the seconds of the run that made it).

    Raises
    ------
    NotebookFailed
        Once the runs under way have finished, when one failed: no further run starts after a failure;
        the failed run's partial copy is kept as ``<output_dir>/FAILED.ipynb`` and it records no key, so
        the next build runs it again.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    shared = environment()
    keys: dict[str, str | None] = {}
    pending, finished = list(runs), set()
    running: dict[Future[dict[str, Any]], tuple[Run, str]] = {}
    failure: NotebookFailed | None = None
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="notebook") as pool:
        while pending or running:
            progress = True
            while progress and failure is None and len(running) < workers:
                progress = False
                ready = next((r for r in pending if {*r.upstream, *r.after} <= finished), None)
                if ready is None:
                    break
                run, progress = ready, True
                pending.remove(run)
                if selected is not None and not selected(run):
                    record = read_record(run)
                    keys[run.name] = record["key"] if record else None
                    finished.add(run.name)
                    if record is not None:  # an earlier build's run: its row stays in the table
                        yield RunTime.from_record(record, reused=True)
                    continue
                inputs = run_inputs(run, roots, shared, {name: keys.get(name) for name in run.upstream})
                key = run_key(inputs)
                record = None if force else reusable(run, key)
                if record is not None:
                    log(f"reused {run.name} (key {key[:SHORT_KEY]})")
                    keys[run.name] = key
                    finished.add(run.name)
                    yield RunTime.from_record(record, reused=True)
                    continue
                running[pool.submit(_execute_run, run, key, inputs)] = (run, key)  # execute(): own event loop
            if not running:
                if pending and failure is None:
                    raise ValueError(f"runs waiting on runs that never come: {[r.name for r in pending]}")
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                run, key = running.pop(future)
                try:
                    record = future.result()
                except NotebookFailed as err:
                    failure = failure or err
                    continue
                log(f"ran  {run.name} ({record['seconds']:.0f} s)")
                keys[run.name] = key
                finished.add(run.name)
                yield RunTime.from_record(record, reused=False)
    if failure is not None:
        raise failure


def outdated(runs: Sequence[Run], roots: Roots) -> list[str]:
    """Names of the runs that a build would execute now (their key changed, or they never finished).

    The keys are computed in order from the outputs as they are, without executing anything; a run
    that reads an outdated one is outdated too (its upstream outputs will change).
    """
    shared = environment()
    keys: dict[str, str | None] = {}
    stale: list[str] = []
    for run in runs:
        upstream = {name: keys.get(name) for name in run.upstream}
        keys[run.name] = run_key(run_inputs(run, roots, shared, upstream))
        if reusable(run, keys[run.name]) is None or set(run.upstream) & set(stale):
            stale.append(run.name)
    return stale


def execute_all(
    book: Book, *, force: bool = False, only: Iterable[str] | None = None, workers: int = BOOK_WORKERS
) -> list[Path]:
    """Execute the book's runs in order (:meth:`Book.runs`), each only when its inputs changed.

    Each notebook gets ``output_dir = outputs_root/<notebook stem>``; the book's ``extra_runs`` (it
    passes :data:`BOOK_EXTRA_RUNS`) add further runs right after a notebook's own, and notebook 04 is run
    once more on the data's test set when there is one (:func:`protocol_run`). A run whose key of inputs
    is unchanged and whose executed notebook exists is reused (:func:`execute_runs`); ``force`` re-runs
    every one. ``only`` keeps the runs of the notebooks whose names start with one of these prefixes
    (the others' recorded keys still count as the upstream keys of the kept ones). Stops at the first
    notebook that fails (raising :class:`NotebookFailed`). ``workers`` runs execute side by side
    (:func:`execute_runs`). Writes every run's seconds to
    ``outputs_root/run_times.json`` and ``.csv`` and ``out_dir/run_times.md`` (:mod:`emolib.runs.run_times`),
    even when a run fails (the runs before it). Returns the executed chapters.
    """
    runs = book.runs()
    prefixes = tuple(only or ())
    chosen = (lambda run: run.source.stem.startswith(prefixes)) if prefixes else None
    times: list[RunTime] = []
    log = lambda line: print(line, flush=True)  # noqa: E731
    try:
        for row in execute_runs(runs, book.roots, force, chosen, log, workers):
            times.append(row)
    finally:  # the runs made before a failure keep their seconds too
        if times:
            order = {run.name: k for k, run in enumerate(runs)}
            times.sort(key=lambda row: order.get(row.run, len(order)))
            write_times(times, book.outputs_root)
            write_markdown(times, Path(book.out_dir) / TIMES_MARKDOWN)
    return [run.executed for run in runs if run.name == run.source.stem and (chosen is None or chosen(run))]

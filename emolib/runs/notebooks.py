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
the book); notebook 07 shows its scores in a table of their own.

Every notebook runs in the project's quiet kernel (:mod:`emolib.runs.kernels`): the native start-up log
of TensorFlow and XLA goes to ``<output_dir>/kernel.log`` instead of the page.
"""

from __future__ import annotations

import contextvars
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from emolib.core.atomic import atomic_path
from emolib.datasets.layouts import MEDIAEVAL_TEST_SUBDIR
from emolib.runs.kernels import NATIVE_LOG, kernel_manager_class, log_tail

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


_THREAD = threading.local()


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
    if native_log is None and parameters.get("output_dir"):
        native_log = Path(parameters["output_dir"]) / NATIVE_LOG
    native_log = None if native_log is None else Path(native_log)
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
                    cwd=str(source.parent),
                    progress_bar=False,
                    kernel_manager_class=kernel_manager_class(Path(tmp), native_log),
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
    if stem != PROTOCOL_NOTEBOOK or "data_dir" not in parameters:
        return None
    test_dir = Path(parameters["data_dir"]) / MEDIAEVAL_TEST_SUBDIR
    if not test_dir.is_dir():
        return None
    output_dir = Path(outputs_root).resolve() / f"{stem}{PROTOCOL_SUFFIX}"
    return {**parameters, "test_dir": str(test_dir), "output_dir": str(output_dir)}


def execute_all(
    sources: Iterable[str | Path],
    out_dir: str | Path,
    parameters: Mapping[str, Any],
    outputs_root: str | Path,
    extra_runs: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> list[Path]:
    """Execute notebooks in order; each gets ``output_dir = outputs_root/<notebook stem>``.

    ``extra_runs`` (the book passes :data:`BOOK_EXTRA_RUNS`) maps a notebook's stem to further
    parameter sets, each executed right after that notebook's own run, with its executed copy and
    outputs in ``outputs_root/<stem>/<key-value>``. Notebook 04 is then run once more on the data's test
    set when there is one (:func:`protocol_run`). Stops at the first notebook that fails (raising
    :class:`NotebookFailed`). Returns the executed chapters.
    """
    done = []
    for source in sources:
        stem = Path(source).stem
        run_dir = Path(outputs_root).resolve() / stem
        params = {**parameters, "output_dir": str(run_dir)}
        print(f"[papermill] {Path(source).name} -> {Path(out_dir) / (stem + '.ipynb')}", flush=True)
        done.append(
            execute(source, Path(out_dir) / f"{stem}.ipynb", params, failed_copy=run_dir / "FAILED.ipynb")
        )
        for extra in (extra_runs or {}).get(stem, ()):
            label = "_".join(f"{k}-{v}" for k, v in extra.items())
            extra_dir = run_dir / label
            print(f"[papermill] {Path(source).name} {label} -> {extra_dir}", flush=True)
            execute(
                source,
                extra_dir / f"{stem}.ipynb",
                {**parameters, **extra, "output_dir": str(extra_dir)},
                failed_copy=extra_dir / "FAILED.ipynb",
            )
        protocol = protocol_run(stem, parameters, outputs_root)
        if protocol is not None:
            test_run = Path(protocol["output_dir"])
            print(f"[papermill] {Path(source).name} on the test set -> {test_run / 'run.ipynb'}", flush=True)
            execute(source, test_run / "run.ipynb", protocol, failed_copy=test_run / "FAILED.ipynb")
    return done

"""The Jupyter kernel every notebook of the project runs in: quiet native libraries, no shutdown noise.

A rendered chapter should show what the notebook computes, its warnings about the data and its
errors, not the start-up log of the libraries below it. TensorFlow and XLA write that log from C++
(through absl) straight to the process's standard error, mostly *before* anything in Python could
change a log level: ``All log messages before absl::InitializeLog() is called are written to
STDERR``, ``Could not find cuda drivers on your machine``, ``oneDNN custom operations are on``.
ipykernel copies everything written to the kernel's file descriptors into the cell being run, so
these lines end up on the page. No environment variable silences the lines printed before absl is
initialised; they can only be sent elsewhere. The kernel used here therefore

- does not copy its native (file-descriptor level) output into the notebook
  (``--IPKernelApp.capture_fd_output=False``): whatever C++ libraries and child processes write goes to
  a log file beside the run's outputs (``kernel.log``), kept for inspection, never lost;
- starts with ``TF_CPP_MIN_LOG_LEVEL=2`` unless the user chose a level, so TensorFlow's own
  information and warning lines are not even written there;
- is not sent SIGINT when it is shut down. jupyter_client interrupts a kernel before shutting it down,
  in case code is still running; papermill only shuts a kernel down once every cell has finished, so
  the interrupt only makes the idle kernel log ``ERROR | KeyboardInterrupt caught in kernel``.

Python-level output is unchanged: ``print``, warnings about the user's data and tracebacks still
appear in the notebook, where they belong.

The kernel's environment is the one it is started from, plus only :data:`QUIET_ENV`: ``KERAS_BACKEND``
in particular passes through unchanged, so the Keras backend of every notebook is chosen where the
run starts (``KERAS_BACKEND=jax python -m emolib notebooks ...``, ``KERAS_BACKEND=jax papermill ...``,
or ``KERAS_BACKEND=jax make lab`` for the kernels JupyterLab starts); the kernel spec sets none.

The same settings are available to a papermill call or a JupyterLab session outside the project's
runner as a named kernel, ``emolib`` (:func:`install_kernelspec`, done by ``make install``).
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from emolib.core.atomic import write_text
from emolib.core.errors import DataWarning

KERNEL_NAME = "emolib"
"""Name of the project's kernel spec (``papermill -k emolib``, JupyterLab's kernel list)."""
KERNEL_DISPLAY_NAME = "Python 3 (emolib)"
NATIVE_LOG = "kernel.log"
"""File, in a run's output folder, that receives the kernel's native standard output and error."""
QUIET_ENV: Mapping[str, str] = {"TF_CPP_MIN_LOG_LEVEL": "2"}
"""Environment the kernel starts with, where the user has not set these variables."""
KERNEL_ARGUMENTS: tuple[str, ...] = ("--IPKernelApp.capture_fd_output=False",)
"""Command-line options given to ipykernel: native output is not copied into the notebook."""


LIBRARY_WARNINGS: tuple[tuple[str, str], ...] = (
    (
        r"IProgress not found",
        "tqdm's notebook progress bars need ipywidgets; pooch (imported by librosa) loads them although "
        "no bar is ever drawn in a notebook of this project",
    ),
    (
        r"RNN module weights are not part of single contiguous chunk of memory",
        "PyTorch on a GPU: Keras's LSTM hands cuDNN its kernels freshly transposed at every call "
        "(keras/src/backend/torch/rnn.py, prepare_lstm_params), so cuDNN copies them into one buffer "
        "each time; a copy of the LSTM's weights per call, nothing the notebook could change",
    ),
)
"""Warnings a reader cannot act on, as (message pattern, why it is filtered). Nothing about data."""


def filter_library_warnings() -> None:
    """Ignore the :data:`LIBRARY_WARNINGS` in this process (each notebook's set-up cell calls this).

    Only these exact messages are filtered: every other warning, above all those about the user's
    data, still reaches the page, and those (:class:`~emolib.core.errors.DataWarning`) are shown
    plainly (:func:`plain_data_warnings`).
    """
    for message, _why in LIBRARY_WARNINGS:
        warnings.filterwarnings("ignore", message=message)
    plain_data_warnings()


def plain_data_warnings() -> None:
    """Show a :class:`~emolib.core.errors.DataWarning` as one line, ``DataWarning: <message>``.

    Python prefixes a warning with the file and line that triggered it and repeats that line of code;
    in a notebook that is the cell's temporary file (``/tmp/ipykernel_<pid>/<hash>.py:2``), which
    tells a reader nothing, while a data warning's message already names the data file at fault.
    Other warnings keep the format they had. Calling this again changes nothing.
    """
    shown = warnings.formatwarning
    if getattr(shown, "plain_data_warnings", False):
        return

    def formatwarning(
        message: Warning | str, category: type[Warning], filename: str, lineno: int, line: str | None = None
    ) -> str:
        if issubclass(category, DataWarning):
            return f"{category.__name__}: {message}\n"
        return shown(message, category, filename, lineno, line)

    formatwarning.plain_data_warnings = True  # type: ignore[attr-defined]
    warnings.formatwarning = formatwarning


def kernel_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a notebook kernel: ``base`` (default ``os.environ``) plus :data:`QUIET_ENV`.

    A variable already set in ``base`` is kept as it is, so a user who asks for TensorFlow's full
    log (``TF_CPP_MIN_LOG_LEVEL=0``) gets it.
    """
    env = dict(os.environ if base is None else base)
    for name, value in QUIET_ENV.items():
        env.setdefault(name, value)
    return env


def kernel_command(command: list[str]) -> list[str]:
    """``command`` (a kernel launch command) with :data:`KERNEL_ARGUMENTS` added once.

    Only an ipykernel command is changed: other kernels do not know the options.
    """
    if not any("ipykernel" in part for part in command):
        return list(command)
    return [*command, *(arg for arg in KERNEL_ARGUMENTS if arg not in command)]


def kernel_manager_class(run_folder: Path, native_log: Path | None = None, cwd: Path | None = None) -> type:
    """A jupyter_client ``KernelManager`` subclass for one notebook run.

    Parameters
    ----------
    run_folder
        A private folder that outlives the kernel (the run's temporary folder). On POSIX systems the
        kernel listens on IPC sockets there instead of TCP ports: two runs started at once by different
        processes (a sweep on several Dask workers of one machine) could otherwise pick the same free
        port, and one kernel would fail to start or talk to the other run's client. Unix-domain
        sockets cannot collide and are not reachable from the network.
    native_log
        File that receives the kernel's native standard output and error (appended to); ``None``
        leaves them on the runner's own.
    cwd
        The kernel's working folder (the notebook's own). It is given to the kernel itself, not set by
        changing the runner's working folder (papermill's ``cwd`` changes it for the whole process, which
        breaks notebook runs made side by side in threads).

    Returns
    -------
    type
        The class, for ``papermill.execute_notebook(..., kernel_manager_class=...)``. It derives from
        the *asynchronous* manager, as nbclient's default does: with the synchronous one, nbclient never
        notices that a kernel died (a crash in native code) and waits for its reply for ever.
    """
    from jupyter_client.manager import AsyncKernelManager

    prefix = str(run_folder / "kernel")

    class QuietKernelManager(AsyncKernelManager):
        """A kernel manager with the project's quiet kernel settings (see :mod:`emolib.runs.kernels`)."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            if os.name == "posix":
                self.transport = "ipc"
                self.ip = prefix
            self._native: IO[bytes] | None = None

        async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
            kw["env"] = kernel_environment(kw.get("env"))
            if cwd is not None:
                kw.setdefault("cwd", str(cwd))
            command, kw = await super()._async_pre_start_kernel(**kw)
            if native_log is not None:
                native_log.parent.mkdir(parents=True, exist_ok=True)
                self._native = open(native_log, "ab")  # noqa: SIM115 - closed with the kernel's resources
                kw["stdout"] = kw["stderr"] = self._native
            return kernel_command(command), kw

        async def _async_interrupt_kernel(self) -> None:
            if self.shutting_down:
                return  # papermill shuts down an idle kernel: an interrupt would only log an ERROR
            await super()._async_interrupt_kernel()

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart=restart)
            if self._native is not None and not restart:
                self._native.close()
                self._native = None

    return QuietKernelManager


def log_tail(path: Path | None, lines: int = 15) -> str:
    """The last ``lines`` lines of a native log, or ``""`` when there is none (for error messages)."""
    if path is None or not path.is_file():
        return ""
    with open(path, "rb") as handle:
        handle.seek(max(0, path.stat().st_size - 16_384))
        text = handle.read().decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def kernelspec(python: str | None = None) -> dict[str, Any]:
    """The ``kernel.json`` of the project's kernel, for the interpreter ``python`` (default: this one)."""
    command = [python or sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    return {
        "argv": kernel_command(command),
        "display_name": KERNEL_DISPLAY_NAME,
        "language": "python",
        "env": dict(QUIET_ENV),
        "metadata": {"debugger": True},
    }


def install_kernelspec(prefix: str | Path | None = None, name: str = KERNEL_NAME) -> Path:
    """Register the project's kernel under ``<prefix>/share/jupyter/kernels/<name>``.

    Parameters
    ----------
    prefix
        The environment's prefix (default: this interpreter's ``sys.prefix``, i.e. the project's
        virtual environment, where Jupyter, papermill and JupyterLab look for kernels).
    name
        The kernel's name.

    Returns
    -------
    pathlib.Path
        The kernel spec's folder.
    """
    folder = Path(prefix or sys.prefix) / "share" / "jupyter" / "kernels" / name
    folder.mkdir(parents=True, exist_ok=True)
    write_text(folder / "kernel.json", json.dumps(kernelspec(), indent=1) + "\n")
    return folder

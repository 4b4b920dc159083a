"""Worker processes: one rule for how they start, and thread limits set inside each worker.

Every pool of processes emolib starts (the synthetic cinema's renderers, a sweep's notebook runs, a
local Dask cluster's workers) follows the same two rules:

* **How a worker starts** (:func:`start_method`): ``fork`` only where it is the platform's default and
  the parent is single-threaded with none of :data:`THREADED_MODULES` imported; otherwise ``spawn`` (or
  the platform's own default). A forked copy of a process with running threads (TensorFlow's,
  ZeroMQ's: a notebook kernel, a test process, papermill's client) can inherit a lock held by one of
  them and wait on it forever; a forked worker of a quiet parent shares its warmed-up imports.
* **How many threads a worker's numeric libraries use** (:func:`share_cores`, :func:`limit_threads`):
  the machine's cores shared between the workers, set in each worker's own environment when it starts
  (so also in the notebook kernels it launches), never in the caller's; a thread count the user set in
  the environment is kept.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor

__all__ = ["THREADED_MODULES", "THREAD_VARS", "limit_threads", "process_pool", "share_cores", "start_method",
           "worker_env"]  # fmt: skip

THREAD_VARS = (
    "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS",
)  # fmt: skip
"""Environment variables that bound the threads of one worker's numeric libraries."""
THREADED_MODULES = ("tensorflow", "torch", "jax", "zmq")
"""Modules whose import starts native threads that :mod:`threading` does not see."""


def start_method() -> str:
    """How worker processes start here: ``fork`` only when it is safe (see the module's docstring)."""
    default = multiprocessing.get_start_method(allow_none=True) or multiprocessing.get_all_start_methods()[0]
    if default != "fork":
        return default
    threaded = threading.active_count() > 1 or any(m in sys.modules for m in THREADED_MODULES)
    return "spawn" if threaded else "fork"


def share_cores(workers: int, cpus: int | None = None) -> int:
    """Threads per worker when ``workers`` share ``cpus`` cores (this machine's by default); at least 1."""
    return max(1, (cpus or os.cpu_count() or 1) // max(1, workers))


def worker_env(threads: int) -> dict[str, str]:
    """The thread variables of a worker: ``threads`` each, unless this environment already sets one."""
    return {var: os.environ.get(var, str(max(1, threads))) for var in THREAD_VARS}


def limit_threads(threads: int) -> None:
    """Set this worker's thread variables (run in the worker, before its numeric libraries load)."""
    os.environ.update(worker_env(threads))


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes started by :func:`start_method`, each limited by :func:`limit_threads`.

    The caller's environment is left as it is: each worker sets its own thread variables as it starts.
    """
    workers = max(1, workers)
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(start_method()),
        initializer=limit_threads,
        initargs=(share_cores(workers),),
    )

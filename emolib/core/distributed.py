"""Run independent tasks on Dask: an embedded local cluster, or an existing one by its scheduler address.

Sweeps (:mod:`emolib.runs.sweep`) and feature extraction (:mod:`emolib.features.runner`) are made of
tasks that are pure functions of their inputs: each writes only into its own output (atomically)
and skips itself when its output is already there. That is all a cluster needs:

* :func:`open_client` gives a :class:`distributed.Client`: a :class:`distributed.LocalCluster` of
  ``workers`` processes with ``threads`` threads each (one by default, with the cores shared out
  between the numeric libraries of the tasks, so that workers do not oversubscribe them), or a connection to
  a running scheduler (``tcp://host:8786``), which is how a SLURM or Kubernetes cluster started with
  dask-jobqueue or dask-kubernetes is reached. Workers of a remote cluster must see the same file
  system paths (data, notebooks, outputs) and have emolib installed. Whoever reaches a scheduler can
  run code on its workers: on a shared network use ``tls://host:8786``, with the client's
  certificate files from :func:`tls_security` (``--tls-ca-file``, ``--tls-cert``, ``--tls-key``) or
  from Dask's own configuration (``distributed.comm.tls.ca-file``, ``distributed.comm.tls.client.cert``
  and ``.key``); the scheduler refuses clients and workers without a certificate of its authority.
* :func:`run_tasks` submits a task function over its inputs and gathers the results as they
  complete. A task whose worker dies is rescheduled by Dask on another worker; a task that raises,
  or returns a result its ``failed`` predicate calls a failure, is submitted again up to
  ``retries`` more times and then reported as failed, while the others carry on.

Because finished tasks skip themselves, a sweep or an extraction that was interrupted (even by
``kill -9`` of the whole job) is resumed by running it again.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from emolib.core.errors import DataError
from emolib.core.options import UsageError
from emolib.core.workers import share_cores, worker_env

if TYPE_CHECKING:
    from distributed import Client, Security

__all__ = ["ClusterChoice", "TaskError", "announced_client", "describe", "open_client", "run_tasks",
           "tls_security"]  # fmt: skip


T = TypeVar("T")
R = TypeVar("R")
_counter = itertools.count()


class TaskError(RuntimeError):
    """A task kept failing (raised, or its worker died too often) after every retry."""


def tls_security(
    scheduler: str | None, ca_file: str | None = None, cert: str | None = None, key: str | None = None
) -> Security | None:
    """The client's TLS settings for ``scheduler``, from certificate files or Dask's configuration.

    Parameters
    ----------
    scheduler
        The scheduler's address (``tls://host:port``) or scheduler file (``.json``); ``None`` for a
        local cluster, which needs no files.
    ca_file
        The certificate authority (PEM) that signed the scheduler's and workers' certificates.
    cert
        The client's certificate (PEM), which may also hold its private key.
    key
        The client's private key (PEM), if not in ``cert``.

    Returns
    -------
    distributed.Security or None
        Encryption required, with these files; ``None`` when no file is given, so that Dask's own
        configuration (``distributed.comm.tls.*``) applies.

    Raises
    ------
    UsageError
        If files are given without a ``tls://`` scheduler (or scheduler file), only some of the CA
        and certificate are given, or a ``tls://`` scheduler has no certificates from either source.
    DataError
        If a file does not exist.
    """
    from distributed import Security

    given = {"--tls-ca-file": ca_file, "--tls-cert": cert, "--tls-key": key}
    if not any(given.values()):
        if scheduler and scheduler.startswith("tls://"):
            configured = Security()
            if not (configured.tls_ca_file and configured.tls_client_cert):
                raise UsageError(
                    f"{scheduler} needs certificates: give --tls-ca-file and --tls-cert "
                    "(and --tls-key) or set distributed.comm.tls.* in Dask's config"
                )
        return None
    if not scheduler or not (scheduler.startswith("tls://") or scheduler.endswith(".json")):
        raise UsageError("--tls-* files are for a cluster at --scheduler tls://host:port")
    if not (ca_file and cert):
        raise UsageError("TLS needs both --tls-ca-file and --tls-cert (the key may be in the certificate)")
    for option, path in given.items():
        if path and not Path(path).is_file():
            raise DataError(path, f"no such file (given with {option})")
    return Security(tls_ca_file=ca_file, tls_client_cert=cert, tls_client_key=key, require_encryption=True)


@contextlib.contextmanager
def open_client(
    scheduler: str | None = None,
    workers: int = 2,
    threads: int = 1,
    memory_limit: str | float | None = "auto",
    security: Security | None = None,
) -> Iterator[Client]:
    """A Dask client: on a new local cluster, or on the running cluster at ``scheduler``.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://host:8786``, or a scheduler file's path ending in
        ``.json``); ``None`` starts an embedded :class:`distributed.LocalCluster` and closes it on exit.
    workers
        Worker processes of the local cluster (ignored with ``scheduler``).
    threads
        Threads (tasks at once) per local worker. Each task's numeric libraries (TensorFlow, BLAS, in
        the worker and in the notebook kernels it starts) get the machine's cores shared between all
        tasks, unless the environment already sets their thread counts.
    memory_limit
        Per local worker (Dask's ``memory_limit``; ``"auto"`` shares the machine's memory).
    security
        TLS settings for ``scheduler`` (:func:`tls_security`; ``None``: Dask's configuration).

    Yields
    ------
    distributed.Client
    """
    from distributed import Client, LocalCluster

    if scheduler:
        extra = {} if security is None else {"security": security}
        if scheduler.endswith(".json"):
            client = Client(scheduler_file=scheduler, **extra)
        else:
            client = Client(scheduler, **extra)
        try:
            yield client
        finally:
            client.close()
        return
    env = worker_env(share_cores(workers * threads))
    cluster = LocalCluster(
        n_workers=max(1, workers), threads_per_worker=max(1, threads), processes=True,
        dashboard_address=":0", memory_limit=memory_limit, env=env,
    )  # fmt: skip
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def describe(client: Client) -> str:
    """One line about the cluster: scheduler address, workers and threads."""
    info = client.scheduler_info()
    workers = info.get("workers", {})
    threads = sum(int(w.get("nthreads", 0)) for w in workers.values())
    return f"Dask scheduler {client.scheduler.address}: {len(workers)} workers, {threads} threads"


@dataclass(frozen=True)
class ClusterChoice:
    """Where a command's tasks run: its ``--scheduler``, ``--workers``, ``--retries`` and ``--tls-*`` options.

    Attributes
    ----------
    scheduler
        A scheduler's address or scheduler file (``None``: a local cluster of ``workers`` processes).
    workers
        Processes of the local cluster.
    retries
        How many more times a task that crashed is run.
    tls
        Certificate authority, certificate and key files for a ``tls://`` scheduler (:func:`tls_security`).
    """

    scheduler: str | None = None
    workers: int = 1
    retries: int = 1
    tls: Sequence[str | None] = (None, None, None)


@contextlib.contextmanager
def announced_client(
    scheduler: str | None, workers: int, use: bool = True, tls: Sequence[str | None] = (None, None, None)
) -> Iterator[Client | None]:
    """The client of a command's ``--scheduler``/``--workers``, described on stderr; ``None`` unless ``use``.

    Parameters
    ----------
    scheduler, workers
        As for :func:`open_client`.
    use
        Whether to start or reach a cluster at all (``False``: run in this process, yield ``None``).
    tls
        The ``--tls-ca-file``, ``--tls-cert`` and ``--tls-key`` files (:func:`tls_security`).

    Yields
    ------
    distributed.Client or None

    Raises
    ------
    UsageError, DataError
        If the TLS options do not fit the scheduler (:func:`tls_security`).
    """
    security = tls_security(scheduler, *tls)
    if not use:
        yield None
        return
    with open_client(scheduler, workers=workers, security=security) as client:
        print(describe(client), file=sys.stderr, flush=True)
        yield client


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return f"{type(err).__name__}: {text.splitlines()[0]}" if text else type(err).__name__


def run_tasks(
    client: Client,
    fn: Callable[[T], R],
    items: Sequence[T],
    retries: int = 1,
    failed: Callable[[R], bool] | None = None,
    on_error: Callable[[T, BaseException], R] | None = None,
    on_result: Callable[[R, int], None] | None = None,
    name: str = "task",
) -> list[R]:
    """Run ``fn`` over ``items`` on the cluster; failures are retried, then reported, never raised.

    Parameters
    ----------
    client
        From :func:`open_client`.
    fn
        A module-level function (it is pickled to the workers) of one item; it should write only its
        own outputs, atomically, and be safe to run again (a retried task runs from the start).
    items
        The tasks' inputs.
    retries
        How many more times a failed task is submitted (0: never again).
    failed
        Whether a returned result is a failure to retry (``None``: only exceptions are).
    on_error
        Makes the result of a task that raised on its last attempt (``None``: raise :class:`TaskError`
        once every other task has finished).
    on_result
        Called with each final result and the number of attempts it took, as tasks finish.
    name
        Prefix of the Dask keys (shown on the dashboard).

    Returns
    -------
    list
        One result per item, in the order of ``items``.

    Raises
    ------
    TaskError
        If a task raised on its last attempt and there is no ``on_error``.
    """
    from distributed import as_completed

    run = next(_counter)
    attempts = [0] * len(items)
    results: list[Any] = [None] * len(items)
    errors: list[str] = []
    index: dict[str, int] = {}

    def submit(i: int) -> Any:
        attempts[i] += 1
        future = client.submit(fn, items[i], key=f"{name}-{os.getpid()}-{run}-{i}-{attempts[i]}", pure=False)
        index[future.key] = i
        return future

    pending = as_completed([submit(i) for i in range(len(items))])
    for future in pending:
        i = index.pop(future.key)
        err: BaseException | None = None
        if future.status == "finished":
            result = future.result()
            bad = failed is not None and failed(result)
        else:
            err = future.exception() or RuntimeError(f"task {future.key} was {future.status}")
            bad = True
        future.release()
        if bad and attempts[i] <= retries:
            pending.add(submit(i))
            continue
        if err is not None:
            if on_error is None:
                tb = "".join(traceback.format_exception(err))
                errors.append(
                    f"{name} {i} ({items[i]!r}) failed {attempts[i]} times: {_first_line(err)}\n{tb}"
                )
                continue
            result = on_error(items[i], err)
        results[i] = result
        if on_result is not None:
            on_result(result, attempts[i])
    if errors:
        raise TaskError("\n".join(errors))
    return results

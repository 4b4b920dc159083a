"""Decoding in worker processes, several movies at once, for one process that runs the networks.

One movie decodes at a few hundred frames per second on one core, and C3D on a GPU takes thousands
of clips per second: a GPU fed by one decoder waits. :class:`DecodePool` decodes the step streams of
many movies (:mod:`emolib.features.steps`) in ``workers`` processes at once and hands their batches to
the caller as they come:

* a :class:`DecodeJob` is one modality of one movie; each worker decodes one job at a time, in order,
  so the batches of a job arrive in order, while the jobs of different workers interleave;
* a worker waits with its next batch until the caller has taken the last one: when the caller (the
  GPU) is the slower side, the decoders wait instead of filling the memory;
* every message says which job it belongs to: ``("batch", key, StepBatch)``, ``("end", key, summary)``
  (the stream's :meth:`~emolib.features.steps._StepStream.summary`) or ``("error", key, reason)``: a
  movie that cannot be decoded fails alone, and so does the job of a worker process that dies (each
  worker has a pipe of its own, so a dead one leaves no lock held that the others need);
* the workers start as :func:`emolib.core.workers.start_method` says (``spawn`` beside a Keras backend)
  and import only numpy, OpenCV and emolib's decoding; each decodes with the threads
  :func:`emolib.core.workers.share_cores` gives it (``OPENCV_FFMPEG_THREADS``), so ``workers`` decoders
  share the machine's cores instead of each starting one thread per core.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any

from emolib.core.workers import limit_threads, share_cores, start_method

from .steps import StepGrid, iter_clips, iter_windows

__all__ = ["DecodeJob", "DecodePool", "decode_job"]

Message = tuple[str, int, Any]
_POLL_S = 0.5
"""How often a waiting caller checks that the workers are alive."""


@dataclass(frozen=True)
class DecodeJob:
    """One modality of one movie to decode: ``key`` names it in the messages."""

    key: int
    path: str
    modality: str
    batch: int
    grid: StepGrid


def decode_job(job: DecodeJob, put: Callable[[Message], None]) -> None:
    """Decode ``job`` and ``put`` its messages: its batches, then its end or its error (never raises)."""
    try:
        make = iter_clips if job.modality == "visual" else iter_windows
        stream = make(job.path, job.grid, job.batch)
        for item in stream:
            put(("batch", job.key, item))
        put(("end", job.key, stream.summary()))
    except Exception as err:  # noqa: BLE001 - reported as this job's failure; the others carry on
        put(("error", job.key, f"{type(err).__name__}: {err}"))


def _worker(conn: Any, threads: int) -> None:
    """A decoding process: jobs from ``conn`` until ``None``, each job's messages back through ``conn``."""
    limit_threads(threads)
    os.environ.setdefault("OPENCV_FFMPEG_THREADS", str(threads))
    while (job := conn.recv()) is not None:
        decode_job(job, conn.send)


class DecodePool:
    """Decode ``jobs`` in ``workers`` processes; iterate over their messages (see the module docstring).

    Each worker talks to this process through a pipe of its own, on which it receives its next job
    and sends that job's messages; nothing is shared between the workers, so one that dies (killed,
    crashed in a decoder) loses its own job only. A worker blocks on its pipe when this process has not
    read its last batch yet: at most one batch per worker waits.

    Parameters
    ----------
    jobs
        The jobs, handed out in this order (each to the next worker that is free).
    workers
        Decoding processes (at most one per job).

    Examples
    --------
    >>> with DecodePool(jobs, workers=8) as messages:  # doctest: +SKIP
    ...     for kind, key, payload in messages:
    ...         ...
    """

    def __init__(self, jobs: Sequence[DecodeJob], workers: int) -> None:
        self.workers = max(1, min(int(workers), len(jobs) or 1))
        ctx = multiprocessing.get_context(start_method())
        self._todo = list(reversed(jobs))
        self._pending = {job.key for job in jobs}
        self._current: dict[int, int] = {}
        self._conns: dict[int, Any] = {}
        self._procs: list[Any] = []
        threads = share_cores(self.workers)
        for index in range(self.workers):
            ours, theirs = ctx.Pipe(duplex=True)
            proc = ctx.Process(target=_worker, args=(theirs, threads), daemon=True, name=f"decode-{index}")
            proc.start()
            theirs.close()  # so that the worker's death ends our side of the pipe
            self._procs.append(proc)
            self._conns[index] = ours
            self._assign(index)

    def _assign(self, index: int) -> None:
        """Give worker ``index`` the next job, or tell it to stop."""
        job = self._todo.pop() if self._todo else None
        if job is None:
            self._current.pop(index, None)
        else:
            self._current[index] = job.key
        try:
            self._conns[index].send(job)
        except OSError:  # the worker is gone: its job is reported lost when its pipe ends
            pass

    def __iter__(self) -> Iterator[Message]:
        while self._pending:
            ready = wait(list(self._conns.values()), timeout=_POLL_S)
            for conn in ready:
                index = next(i for i, c in self._conns.items() if c is conn)
                yield from self._receive(index)
            if not self._conns:  # every worker gone: nothing more will come
                codes = ", ".join(str(p.exitcode) for p in self._procs)
                for key in sorted(self._pending):
                    yield (
                        "error",
                        key,
                        f"not decoded: every decoding process has ended (exit codes {codes})",
                    )
                self._pending.clear()

    def _receive(self, index: int) -> Iterator[Message]:
        """The message waiting on worker ``index``'s pipe, or the loss of its job if the worker died."""
        try:
            message = self._conns[index].recv()
        except (EOFError, OSError, pickle.UnpicklingError):
            self._conns.pop(index).close()
            proc = self._procs[index]
            proc.join(timeout=5)
            key = self._current.pop(index, None)
            if key in self._pending:
                self._pending.discard(key)
                yield ("error", key, f"the decoding process died (exit code {proc.exitcode})")
            return
        kind, key, _payload = message
        if kind in ("end", "error"):
            self._pending.discard(key)
            self._assign(index)
        yield message

    def close(self) -> None:
        """Stop the workers (those still decoding are terminated) and close the pipes; idempotent."""
        for proc in self._procs:
            if proc.is_alive():
                proc.terminate()
        for proc in self._procs:
            proc.join(timeout=10)
        for conn in self._conns.values():
            conn.close()
        self._conns.clear()

    def __enter__(self) -> DecodePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

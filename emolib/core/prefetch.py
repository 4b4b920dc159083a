"""Bounded background prefetch: the next items of an iterable are produced while the caller uses this one.

Decoding a movie (:mod:`emolib.features.steps`) or cutting the next chunk batch of the LSTM
(:mod:`emolib.studya.batching`) runs in a background thread while the network works on the current
batch, so an accelerator does not wait for its input. Only the standard library is used: the
items are whatever the source yields (numpy arrays here), whatever the Keras backend.

* The queue is bounded: at most ``depth`` items wait, plus the one the producer is making, so the
  memory does not grow with the length of the source.
* The order of the items is the source's; nothing is dropped or reordered, so what is computed
  from them does not depend on the prefetch (``depth=0`` runs the source in the caller's thread).
* An exception raised by the source is raised again in the caller, by the ``next`` that would have
  returned the next item, with the source's traceback.
* :meth:`Prefetch.close`, leaving its ``with`` block, or an exception in the caller's loop stops the
  producer, closes the source (a generator's ``finally`` and ``with`` blocks run, in the producer's
  thread) and waits for the thread; the producer stops at the next item it hands over.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

__all__ = ["Prefetch", "prefetch"]

T = TypeVar("T")

_END = object()
_POLL_S = 0.1
"""How often a waiting producer or consumer checks whether the prefetch was closed."""


class _Failure:
    """An exception of the source, carried through the queue to the caller."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _close(iterator: Iterator[object]) -> None:
    close: Callable[[], None] | None = getattr(iterator, "close", None)
    if close is not None:
        close()


class Prefetch(Generic[T]):
    """Iterate over ``source`` in a background thread, at most ``depth`` items ahead of the caller.

    Parameters
    ----------
    source
        Any iterable; iterated once, in the thread named ``"prefetch"``.
    depth
        Items that may wait in the queue (2: the next batch is ready when the current one is done,
        and one more is on its way). ``0`` starts no thread: the source runs in the caller's thread
        when the caller asks for an item, as a plain loop would.

    Examples
    --------
    >>> with prefetch(range(5)) as items:
    ...     [i * i for i in items]
    [0, 1, 4, 9, 16]
    """

    def __init__(self, source: Iterable[T], depth: int = 2) -> None:
        if int(depth) < 0:
            raise ValueError(f"depth must be 0 or more, got {depth!r}")
        self.depth = int(depth)
        self._source = source
        self._queue: queue.Queue[object] = queue.Queue(maxsize=max(1, self.depth))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._inline: Iterator[T] | None = None
        if self.depth > 0:
            self._thread = threading.Thread(target=self._run, daemon=True, name="prefetch")
            self._thread.start()

    def _put(self, item: object) -> bool:
        """Queue ``item`` unless the prefetch is closed first; whether it was queued."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        iterator: Iterator[T] | None = None
        try:
            iterator = iter(self._source)
            for item in iterator:
                if not self._put(item):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised there
            self._put(_Failure(exc))
            return
        finally:
            if iterator is not None:
                _close(iterator)
        self._put(_END)

    def _get(self) -> object:
        while True:
            try:
                return self._queue.get(timeout=_POLL_S)
            except queue.Empty:
                if self._stop.is_set():  # closed while waiting: end the iteration
                    return _END

    def __iter__(self) -> Iterator[T]:
        if self._thread is None:
            self._inline = iter(self._source)
            try:
                yield from self._inline
            finally:
                self.close()
            return
        try:
            while True:
                item = self._get()
                if item is _END:
                    return
                if isinstance(item, _Failure):
                    raise item.exc
                yield item  # type: ignore[misc]
        finally:
            self.close()

    def close(self) -> None:
        """Stop the producer, wait for its thread and drop the items it had queued; idempotent."""
        self._stop.set()
        if self._inline is not None:
            _close(self._inline)
        if self._thread is not None:
            self._thread.join()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break

    def __enter__(self) -> Prefetch[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def prefetch(source: Iterable[T], depth: int = 2) -> Prefetch[T]:
    """Iterate over ``source`` in a background thread, ``depth`` items ahead (see :class:`Prefetch`)."""
    return Prefetch(source, depth)

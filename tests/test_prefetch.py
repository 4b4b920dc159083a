"""Background prefetch: order, bound, overlap, errors, shutdown; extraction is the same with it."""

from __future__ import annotations

import contextlib
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from emolib.core.prefetch import prefetch

DEPTHS = [0, 1, 3]


def _alive() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "prefetch" and t.is_alive()]


def _wait_until(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


@pytest.mark.parametrize("depth", DEPTHS)
def test_every_item_in_order(depth: int) -> None:
    with prefetch((i * i for i in range(50)), depth) as items:
        assert list(items) == [i * i for i in range(50)]
    assert not _alive()


@pytest.mark.parametrize("depth", [1, 3])
def test_the_producer_runs_ahead_but_at_most_depth_items(depth: int) -> None:
    produced: list[int] = []
    started = threading.Event()

    def source() -> Iterator[int]:
        for i in range(100):
            if i == 1:
                started.set()  # the next item is being made while the caller holds item 0
            produced.append(i)
            yield i

    with prefetch(source(), depth) as items:
        it = iter(items)
        assert next(it) == 0
        assert started.wait(10)  # overlap: the caller did not ask for item 1 yet
        assert _wait_until(lambda: len(produced) >= depth + 1)
        time.sleep(0.2)
        assert len(produced) <= depth + 2  # queued items, plus the one the producer holds
        assert list(it) == list(range(1, 100))


def test_depth_zero_runs_the_source_in_the_callers_thread_on_demand() -> None:
    threads: list[str] = []

    def source() -> Iterator[int]:
        for i in range(3):
            threads.append(threading.current_thread().name)
            yield i

    items = iter(prefetch(source(), 0))
    assert next(items) == 0 and len(threads) == 1 and not _alive()
    assert list(items) == [1, 2] and set(threads) == {threading.current_thread().name}
    with pytest.raises(ValueError, match="depth"):
        prefetch([], -1)


@pytest.mark.parametrize("depth", DEPTHS)
def test_an_error_of_the_source_reaches_the_caller_after_the_items_before_it(depth: int) -> None:
    def broken_decoder() -> Iterator[int]:
        yield 1
        yield 2
        raise OSError("decoder broke at frame 3")

    got = []
    with pytest.raises(OSError, match="decoder broke at frame 3") as info:
        for item in prefetch(broken_decoder(), depth):
            got.append(item)
    assert got == [1, 2]
    assert "broken_decoder" in "".join(traceback.format_tb(info.value.__traceback__))
    assert _wait_until(lambda: not _alive())


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("how", ["break", "raise", "close"])
def test_leaving_early_stops_the_producer_and_closes_the_source(depth: int, how: str) -> None:
    made: list[int] = []
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            i = 0
            while True:
                made.append(i)
                yield i
                i += 1
        finally:
            closed.set()  # e.g. a decoder's file and process are released

    with pytest.raises(KeyError) if how == "raise" else contextlib.nullcontext():
        with prefetch(endless(), depth) as items:
            for item in items:
                if item == 5:
                    if how == "close":
                        items.close()  # the loop ends at the next item instead of waiting forever
                        continue
                    if how == "raise":
                        raise KeyError("the network failed")
                    break
    assert closed.wait(10) and not _alive()
    assert len(made) <= 6 + depth + 1
    count = len(made)
    time.sleep(0.1)
    assert len(made) == count  # nothing runs any more


def test_extraction_gives_the_same_features_with_and_without_prefetch(tmp_path: Path) -> None:
    from features_fixtures import make_movie

    from emolib.features import FeatureStore, create, extract

    movie = {"m": make_movie(tmp_path / "m.mp4", seconds=2.5)}
    stored = []
    for depth in (0, 2):
        store = FeatureStore(tmp_path / f"store{depth}")
        extractors = [create("colour-motion"), create("logmel-stats")]
        report = extract(movie, extractors, store, batch=2, progress=False, prefetch_depth=depth)
        assert report.count("done") == 1
        stored.append({e.name: store.load(e.name, "m").data for e in extractors})
    for name, data in stored[0].items():
        assert data.shape[0] >= 4  # several batches of 2 steps went through the queue
        np.testing.assert_array_equal(data, stored[1][name])
    assert not _alive()

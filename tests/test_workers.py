"""One rule for starting worker processes, and thread limits set in the workers, not in the caller."""

from __future__ import annotations

import os
import sys
import types

import pytest

from emolib.core import workers


def test_workers_are_forked_only_from_a_single_threaded_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers.multiprocessing, "get_start_method", lambda allow_none=False: "fork")
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)
    for name in workers.THREADED_MODULES:
        monkeypatch.delitem(sys.modules, name, raising=False)
    assert workers.start_method() == "fork"
    monkeypatch.setitem(sys.modules, "tensorflow", types.ModuleType("tensorflow"))
    assert workers.start_method() == "spawn"  # native threads threading cannot see
    monkeypatch.delitem(sys.modules, "tensorflow")
    monkeypatch.setattr(workers.threading, "active_count", lambda: 3)
    assert workers.start_method() == "spawn"
    monkeypatch.setattr(workers.multiprocessing, "get_start_method", lambda allow_none=False: "forkserver")
    assert workers.start_method() == "forkserver"  # the platform's choice when it is not fork


def test_cores_are_shared_between_workers() -> None:
    assert workers.share_cores(2, cpus=8) == 4
    assert workers.share_cores(3, cpus=8) == 2
    assert workers.share_cores(16, cpus=8) == 1  # never zero threads
    assert workers.share_cores(0, cpus=8) == 8


def _thread_env() -> dict[str, str | None]:
    return {var: os.environ.get(var) for var in workers.THREAD_VARS}


def test_a_pool_limits_threads_in_its_workers_and_leaves_the_caller_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in workers.THREAD_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "7")  # the user's choice is kept
    before = dict(os.environ)
    with workers.process_pool(2) as pool:
        seen = pool.submit(_thread_env).result()
    assert dict(os.environ) == before
    expected = str(workers.share_cores(2))
    assert seen["OMP_NUM_THREADS"] == "7"
    assert {var: seen[var] for var in workers.THREAD_VARS if var != "OMP_NUM_THREADS"} == {
        var: expected for var in workers.THREAD_VARS if var != "OMP_NUM_THREADS"
    }


def test_the_local_dask_cluster_gets_the_same_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in workers.THREAD_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    env = workers.worker_env(workers.share_cores(4, cpus=8))
    assert env["MKL_NUM_THREADS"] == "3" and env["TF_NUM_INTRAOP_THREADS"] == "2"

"""A device that fills up: the store, checkpoints and sweeps report it, remove partial files, resume.

Each fault is made two ways: a real, tiny tmpfs where the platform allows it (root on Linux; skipped
with a message elsewhere), and an ``OSError(ENOSPC)`` injected at the write layer, everywhere.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pytest
from features_fixtures import make_movie

from emolib.core import atomic
from emolib.core.errors import StorageError
from emolib.core.h5write import create_h5
from emolib.features import FeatureStore
from emolib.runs.sweep import plan, run_all

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
PAGE = 4096

INJECTED = """
import errno, sys
import emolib.core.h5write as h5write

used, budget = {{}}, {budget}


class FillingDisk:
    '''A file on a device of ``budget`` bytes shared by every file opened here (the write layer).'''

    def __init__(self, path, mode, buffering=-1):
        self.raw, self.path = open(path, mode, buffering=buffering), path

    def write(self, data):
        end = self.raw.tell() + len(memoryview(data).cast("B"))
        if sum(used.values()) - used.get(self.path, 0) + max(end, used.get(self.path, 0)) > budget:
            raise OSError(errno.ENOSPC, "No space left on device")
        used[self.path] = max(end, used.get(self.path, 0))
        return self.raw.write(data)

    def __getattr__(self, name):
        return getattr(self.raw, name)


h5write.open = FillingDisk
from emolib.runs.cli import main
sys.exit(main(sys.argv[1:]))
"""


@contextlib.contextmanager
def small_tmpfs(folder: Path, size: int) -> Iterator[Path]:
    """A tmpfs of ``size`` bytes mounted on ``folder``; skips the test where mounting is not allowed."""
    folder.mkdir(parents=True, exist_ok=True)
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("a size-limited tmpfs needs root on Linux (the injected ENOSPC test covers the rest)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _free(folder: Path) -> int:
    stat = os.statvfs(folder)
    return stat.f_bavail * stat.f_frsize


def _movies(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    return {name: make_movie(folder / f"{name}.mp4", seconds=2.0, tone=None) for name in ("a", "b", "c")}


def _extract(folder: Path, store: Path, script: str | None = None) -> subprocess.CompletedProcess:
    """``python -m emolib extract`` in a fresh process (a crash at exit shows as its return code)."""
    args = ["extract", "--data", str(folder), "--store", str(store), "--visual", "colour-motion",
            "--no-progress"]  # fmt: skip
    command = [sys.executable, "-m", "emolib"] if script is None else [sys.executable, "-c", script]
    return subprocess.run([*command, *args], env=ENV, capture_output=True, text=True, timeout=300,
                          check=False)  # fmt: skip


def _one_file_size(folder: Path, tmp_path: Path) -> int:
    """Bytes of one movie's colour-motion file (all three test movies give the same size)."""
    from emolib.features import create, extract

    store = FeatureStore(tmp_path / "measure")
    extract({"a": folder / "a.mp4"}, [create("colour-motion")], store, progress=False)
    return store.path("colour-motion", "a").stat().st_size


def _assert_stopped_then_resumed(folder: Path, store: Path, first: subprocess.CompletedProcess) -> None:
    assert first.returncode == 1, (first.returncode, first.stderr[-2000:])  # not 139: no crash at exit
    lines = [line for line in first.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, first.stderr
    assert f"/colour-motion/b.h5: no space left on the device holding {store}" in lines[0]
    assert "needs at least" in lines[0] and "errno" not in first.stderr
    assert "3 movies: 1 computed, 0 up to date, 1 failed, 1 not started" in first.stdout
    assert sorted(p.name for p in (store / "colour-motion").iterdir()) == ["a.h5"]  # no partial file
    assert FeatureStore(store).load("colour-motion", "a").attrs["complete"]


def _assert_resumed(store: Path, second: subprocess.CompletedProcess) -> None:
    assert second.returncode == 0, second.stderr[-2000:]
    assert "3 movies: 2 computed, 1 up to date, 0 failed" in second.stdout
    assert [FeatureStore(store).load("colour-motion", m).n_steps for m in "abc"] == [3, 3, 3]


def test_extract_on_a_full_tmpfs_exits_1_and_resumes(tmp_path: Path) -> None:
    folder = tmp_path / "movies"
    _movies(folder)
    size = _one_file_size(folder, tmp_path)
    with small_tmpfs(tmp_path / "disk", 1 << 20) as disk:
        filler = disk / "filler"
        room = -(-size // PAGE) * PAGE + 2 * PAGE  # one movie's file, the lock file, not two files
        filler.write_bytes(b"\0" * (_free(disk) - room))
        store = disk / "store"
        _assert_stopped_then_resumed(folder, store, _extract(folder, store))
        filler.unlink()  # space freed: the next run does the rest
        _assert_resumed(store, _extract(folder, store))


def test_extract_with_enospc_injected_exits_1_and_resumes(tmp_path: Path) -> None:
    folder = tmp_path / "movies"
    _movies(folder)
    store = tmp_path / "store"
    budget = int(1.5 * _one_file_size(folder, tmp_path))
    _assert_stopped_then_resumed(folder, store, _extract(folder, store, INJECTED.format(budget=budget)))
    _assert_resumed(store, _extract(folder, store))


class _FullAfter:
    """A raw file that takes ``room`` bytes, then fails with ENOSPC (for :func:`create_h5`)."""

    def __init__(self, room: int):
        self.room = room

    def __call__(self, path, mode, buffering=-1):
        raw, room = open(path, mode, buffering=buffering), self  # noqa: SIM115 - closed by its user

        class Raw:
            def write(self, data):
                n = len(memoryview(data).cast("B"))
                if n > room.room:
                    raise OSError(errno.ENOSPC, "No space left on device")
                room.room -= n
                return raw.write(data)

            def __getattr__(self, name):
                return getattr(raw, name)

        return Raw()


def test_create_h5_closes_the_file_and_reports_the_failure(tmp_path: Path, monkeypatch) -> None:
    import emolib.core.h5write as h5write

    monkeypatch.setattr(h5write, "open", _FullAfter(20_000), raising=False)
    target = tmp_path / "x.h5"
    with pytest.raises(StorageError) as caught, create_h5(target, name=tmp_path / "final.h5") as (f, guard):
        data = f.create_dataset("x", shape=(0, 64), maxshape=(None, 64), dtype="f4", chunks=(64, 64))
        for i in range(20):
            data.resize((i + 1) * 64, axis=0)
            data[i * 64 :] = np.ones((64, 64), np.float32)
    err = caught.value
    assert err.errno == errno.ENOSPC and err.path == str(tmp_path / "final.h5")
    assert err.needed is not None and err.needed > 20_000 and guard.error is not None
    assert f"no space left on the device holding {tmp_path}" in str(err)
    open_ids = [o for o in h5py.h5f.get_obj_ids(h5py.h5f.OBJ_ALL, h5py.h5f.OBJ_ALL) if o.valid]
    assert not [o for o in open_ids if not isinstance(o, h5py.h5t.TypeID)]  # nothing left for exit


def test_a_store_writer_that_fails_leaves_no_partial_file(tmp_path: Path, monkeypatch) -> None:
    import emolib.core.h5write as h5write
    from emolib.features import create
    from emolib.features.store import SourceId

    store = FeatureStore(tmp_path / "store")
    extractor = create("colour-motion")
    source = SourceId(tmp_path / "m.mp4", 1, 1, "0" * 64)
    monkeypatch.setattr(h5write, "open", _FullAfter(4_000), raising=False)
    with pytest.raises(StorageError, match="m.h5: no space left on the device holding .*store"):
        with store.writer(extractor, "m", source, {}) as writer:
            for _ in range(50):
                writer.append(np.random.default_rng(0).normal(size=(64, extractor.dim)))
            writer.finish()  # the rows are cached: the device fails when the file is closed
    assert list((store.root / "colour-motion").iterdir()) == []


def test_atomic_write_on_a_full_device_names_file_and_size(tmp_path: Path, monkeypatch) -> None:
    def full(self: Path, data: bytes) -> int:
        self.write_text("half")  # a partial write, then the device is full
        raise OSError(errno.ENOSPC, "No space left on device")

    (tmp_path / "a.txt").write_text("old")
    monkeypatch.setattr(Path, "write_bytes", full)
    message = r"a\.txt: no space left on the device holding .*\(needs at least 5 B"
    with pytest.raises(StorageError, match=message):
        atomic.write_text(tmp_path / "a.txt", "12345")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    assert (tmp_path / "a.txt").read_text() == "old"


def test_checkpoint_on_a_full_device_keeps_the_last_epoch(tmp_path: Path, monkeypatch) -> None:
    keras = pytest.importorskip("keras")
    from test_faults import training_problem

    from emolib.studya.training import FitOutputs, fit

    x, y, vx, vy, config = training_problem()
    resume = tmp_path / "resume"
    real_save = keras.Model.save

    def full(model, path, *args, **kwargs):  # the device fills up while epoch 3 is saved
        real_save(model, path, *args, **kwargs)
        if "epoch0003" in Path(path).name:
            Path(path).write_bytes(Path(path).read_bytes()[:100])
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(keras.Model, "save", full)
    with pytest.raises(StorageError, match=r"epoch0003\.keras: no space left on the device holding .*resume"):
        fit(x, y, vx, vy, config, outputs=FitOutputs(resume_dir=resume))
    state = json.loads((resume / "state.json").read_text())
    assert state["epoch"] == 2  # the last complete epoch, and no partial file beside it
    assert sorted(p.name for p in resume.iterdir()) == sorted({"state.json", state["weights"], state["best"]})
    monkeypatch.undo()
    resumed = fit(x, y, vx, vy, config, outputs=FitOutputs(resume_dir=resume))
    assert list(resumed.history["epoch"]) == [1, 2, 3, 4, 5]


NOTEBOOK = """# %% tags=["parameters"]
output_dir = "."
fold = 0

# %%
from pathlib import Path
from emolib.core.atomic import write_text

write_text(Path(output_dir) / "metrics.json", "{}")
"""


def test_sweep_task_on_a_full_device_fails_with_the_message(tmp_path: Path, monkeypatch) -> None:
    source = tmp_path / "nb.py"
    source.write_text(NOTEBOOK)
    out = tmp_path / "sweep"
    tasks = plan(out, {}, {}, [0, 1], source=source)
    real = Path.write_bytes

    def write_bytes(self: Path, data: bytes) -> int:  # fold 1's folder and the summary are on a full disk
        if self.parent == out / "default" / "fold1" or self.name.startswith(".summary.csv."):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    lines: list[dict] = []
    with ThreadPoolExecutor(2) as pool, pytest.raises(StorageError, match=r"summary\.csv: no space left"):
        run_all(tasks, executor=pool, summary=out / "summary.csv", on_result=lines.append)
    by_fold = {r["fold"]: r for r in lines}
    assert by_fold[0]["status"] == "done" and (out / "default" / "fold0" / "metrics.json").is_file()
    assert by_fold[1]["status"] == "failed"
    assert "fold1/params.json: no space left on the device holding" in by_fold[1]["error"]
    assert not [p for p in out.rglob(".*") if ".part" in p.name]
    monkeypatch.undo()  # space freed: the summary is written, the failed run is run again
    with ThreadPoolExecutor(1) as pool:
        table = run_all(tasks, executor=pool, summary=out / "summary.csv")
    assert list(table["status"]) == ["skipped", "done"]
    assert list(pd.read_csv(out / "summary.csv")["status"]) == ["skipped", "done"]

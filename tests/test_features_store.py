"""The feature store and the extract command: attributes, skip/recompute, damaged files, failures, kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from features_fixtures import make_movie
from media_fixtures import truncated_copy

from emolib.features import FeatureStore, create, extract, step_grid
from emolib.runs.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXTRACTORS = ("colour-motion", "logmel-stats")


def _extractors(**cm_params):
    return [create("colour-motion", **cm_params), create("logmel-stats")]


@pytest.fixture()
def movies(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "movies"
    folder.mkdir()
    return {
        "ntsc": make_movie(folder / "ntsc.mp4", rate="30000/1001", seconds=2.9),
        "film": make_movie(folder / "film.mp4", rate="24000/1001", seconds=3.3, audio_rate=44100),
    }


def test_store_attributes_and_fused_loading(movies: dict[str, Path], tmp_path: Path) -> None:
    store = FeatureStore(tmp_path / "store")
    report = extract(movies, _extractors(), store, progress=False)
    assert [r.status for r in report.results] == ["done", "done"]
    for movie, path in movies.items():
        grid = step_grid(path)
        for name in EXTRACTORS:
            with h5py.File(store.path(name, movie), "r") as f:
                a = dict(f.attrs)
                assert f["features"].shape == (grid.n_steps, a["dim"]) and f["features"].dtype == np.float32
                assert len(f["feature_names"]) == a["dim"]
            assert a["extractor"] == name and a["extractor_version"] == "1" and a["weights"] == "none"
            assert a["fps"] == 30.0 and a["step_frames"] == 16 and a["step_samples"] == 23520
            assert a["source_size"] == path.stat().st_size and len(a["source_sha256"]) == 64
            assert a["n_steps"] == a["n_steps_expected"] == grid.n_steps and a["shortfall_steps"] == 0
            assert (
                a["complete"]
                and not a["truncated"]
                and '"cut_threshold":0.5' in store.attrs("colour-motion", movie)["params"]
            )
    fused = store.load_fused("film", list(EXTRACTORS))
    assert fused.data.shape == (step_grid(movies["film"]).n_steps, 36 + 256)
    assert fused.blocks == [("colour-motion", 36), ("logmel-stats", 256)]
    np.testing.assert_array_equal(fused.block("logmel-stats"), store.load("logmel-stats", "film").data)
    assert not list((tmp_path / "store").rglob("*.part"))


def test_rerun_skips_unchanged_and_recomputes_changed(movies: dict[str, Path], tmp_path: Path) -> None:
    store = FeatureStore(tmp_path / "store")
    extract(movies, _extractors(), store, progress=False)
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "store").rglob("*.h5")}
    again = extract(movies, _extractors(), store, progress=False)
    assert [r.status for r in again.results] == ["skipped", "skipped"]
    assert stamps == {p: p.stat().st_mtime_ns for p in (tmp_path / "store").rglob("*.h5")}
    # a changed parameter recomputes that extractor only
    changed = extract(movies, _extractors(cut_threshold=0.3), store, progress=False)
    assert all(r.extractors == {"colour-motion": "done", "logmel-stats": "skipped"} for r in changed.results)
    assert '"cut_threshold":0.3' in store.attrs("colour-motion", "film")["params"]
    # a changed movie (new content) recomputes everything for it
    make_movie(movies["film"], rate="25", seconds=4.0)
    redo = extract(movies, _extractors(cut_threshold=0.3), store, progress=False)
    assert [r.status for r in redo.results] == ["skipped", "done"]
    assert store.attrs("logmel-stats", "film")["n_steps"] == step_grid(movies["film"]).n_steps == 7
    # a damaged store file is recomputed
    store.path("logmel-stats", "ntsc").write_bytes(b"not hdf5")
    fixed = extract(movies, _extractors(cut_threshold=0.3), store, progress=False)
    assert fixed.results[0].extractors == {"colour-motion": "skipped", "logmel-stats": "done"}
    assert store.load("logmel-stats", "ntsc").n_steps > 0


def test_damaged_and_undecodable_movies(movies: dict[str, Path], tmp_path: Path) -> None:
    full = make_movie(tmp_path / "full.mp4", rate="25", seconds=8.0, faststart=True)
    data = {
        "cut": truncated_copy(full, tmp_path / "cut.mp4", 0.5),
        "junk": tmp_path / "junk.mp4",
        **movies,
    }
    data["junk"].write_text("this is not a movie\n")
    store = FeatureStore(tmp_path / "store")
    report = extract(data, _extractors(), store, progress=False)
    status = {r.movie: r.status for r in report.results}
    assert status == {"cut": "done", "junk": "failed", "ntsc": "done", "film": "done"}
    assert "MediaError" in report.failed[0].reason and "junk.mp4" in report.failed[0].reason
    a = store.attrs("colour-motion", "cut")
    assert a["truncated"] and 0 < a["n_steps"] < a["n_steps_expected"] == step_grid(data["cut"]).n_steps
    assert a["shortfall_steps"] == a["n_steps_expected"] - a["n_steps"] and "video ends" in a["note"]
    assert not store.path("colour-motion", "junk").exists()


def test_cli_exit_status_and_weights_rule(movies: dict[str, Path], tmp_path: Path, capsys) -> None:
    args = ["extract", "--data", str(movies["ntsc"].parent), "--store", str(tmp_path / "s"), "--no-progress"]
    assert main([*args, "--visual", "colour-motion", "--param", "colour-motion.cut_threshold=0.4"]) == 0
    assert "0.4" in FeatureStore(tmp_path / "s").attrs("colour-motion", "ntsc")["params"]
    inline = ["extract", "--data", str(movies["ntsc"].parent), "--store", str(tmp_path / "inline"),
              "--no-progress", "--visual", "colour-motion", "--param", "colour-motion.cut_threshold=0.4",
              "--prefetch", "0"]  # fmt: skip
    assert main(inline) == 0  # decoding inline stores the same features as with the background prefetch
    for name in ("ntsc", "film"):
        got = FeatureStore(tmp_path / "inline").load("colour-motion", name)
        want = FeatureStore(tmp_path / "s").load("colour-motion", name)
        np.testing.assert_array_equal(got.data, want.data)
    assert main([*args, "--visual", "c3d"]) == 2
    assert "--random-weights c3d" in capsys.readouterr().err
    assert main([*args, "--audio", "colour-motion"]) == 2
    (movies["ntsc"].parent / "bad.mp4").write_bytes(b"\x00" * 100)
    assert main([*args, "--visual", "colour-motion"]) == 1
    assert "failed: bad" in capsys.readouterr().err


def test_killed_extract_resumes_without_redoing_finished_movies(tmp_path: Path) -> None:
    folder = tmp_path / "movies"
    folder.mkdir()
    names = ["a_first", "b_second", "c_third"]
    for name in names:
        make_movie(folder / f"{name}.mp4", rate="25", seconds=30.0, size=(240, 136))
    store = FeatureStore(tmp_path / "store")
    cmd = [sys.executable, "-m", "emolib", "extract", "--data", str(folder), "--store", str(store.root),
           "--visual", "colour-motion", "--audio", "logmel-stats", "--no-progress"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first_done = store.path("logmel-stats", names[0])  # the last file written for the first movie
    deadline = time.monotonic() + 120
    while not first_done.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, "extract finished before it could be killed"
    time.sleep(0.3)  # into the second movie
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = {p: p.stat().st_mtime_ns for p in store.root.rglob("*.h5")}
    assert len(finished) < 2 * len(names)  # killed halfway
    for path in finished:  # whatever has a real name is complete and readable
        with h5py.File(path, "r") as f:
            assert f.attrs["complete"] and f["features"].shape[0] == f.attrs["n_steps"]
    report = extract({n: folder / f"{n}.mp4" for n in names}, _extractors(), store, progress=False)
    assert report.results[0].status == "skipped" and not report.failed
    assert all(finished[p] == p.stat().st_mtime_ns for p in finished)  # finished files not redone
    files = sorted(p.relative_to(store.root).as_posix() for p in store.root.rglob("*") if p.is_file())
    assert files == sorted([".extract.lock", *(f"{e}/{n}.h5" for e in EXTRACTORS for n in names)])
    for n in names:
        assert store.load_fused(n, list(EXTRACTORS)).n_steps == step_grid(folder / f"{n}.mp4").n_steps

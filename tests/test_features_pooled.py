"""Extraction with the decoding in worker processes: the features of the one-process run, failures alone."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from features_fixtures import make_movie
from media_fixtures import truncated_copy

from emolib.features import FeatureStore, create, extract, extract_pooled, step_grid
from emolib.features.decode_pool import DecodeJob, DecodePool

EXTRACTORS = ("colour-motion", "logmel-stats", "vgg19")
KEPT = ("n_steps", "n_steps_expected", "shortfall_steps", "truncated", "note", "params", "weights")
"""Attributes of a feature file that do not depend on when or how it was written."""


def _extractors() -> list:
    return [create("colour-motion"), create("logmel-stats"), create("vgg19", random_weights=True, batch=4)]


@pytest.fixture(scope="module")
def movies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pooled")
    rates = {"pal": ("25", 3.0), "ntsc": ("30000/1001", 2.9), "film": ("24000/1001", 3.3)}
    made = {name: make_movie(folder / f"{name}.mp4", rate=r, seconds=s) for name, (r, s) in rates.items()}
    full = make_movie(folder / "full.mp4", rate="25", seconds=8.0, faststart=True)
    made["cut"] = truncated_copy(full, folder / "cut.mp4", 0.5)
    return made


def test_pooled_features_are_those_of_one_process(movies: dict[str, Path], tmp_path: Path) -> None:
    one = extract(movies, _extractors(), tmp_path / "one", progress=False)
    pooled = extract_pooled(movies, _extractors(), tmp_path / "pooled", workers=2, progress=False)
    assert [r.movie for r in pooled.results] == list(movies)  # the input order, whatever finished first
    assert [r.status for r in pooled.results] == [r.status for r in one.results] == ["done"] * 4
    a, b = FeatureStore(tmp_path / "one"), FeatureStore(tmp_path / "pooled")
    for movie in movies:
        for name in EXTRACTORS:  # colour-motion carries its motion and cuts from batch to batch: per movie
            np.testing.assert_array_equal(b.load(name, movie).data, a.load(name, movie).data)
            assert {k: b.attrs(name, movie)[k] for k in KEPT} == {k: a.attrs(name, movie)[k] for k in KEPT}
    assert b.attrs("colour-motion", "cut")["truncated"] and pooled.results[-1].notes
    assert not list((tmp_path / "pooled").rglob("*.part"))
    again = extract_pooled(movies, _extractors(), tmp_path / "pooled", workers=2, progress=False)
    assert [r.status for r in again.results] == ["skipped"] * 4


def test_a_movie_that_cannot_be_decoded_fails_alone(movies: dict[str, Path], tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_text("this is not a movie\n")
    silent = make_movie(tmp_path / "silent.mp4", rate="25", seconds=2.0, tone=None)
    data = {"junk": junk, "silent": silent, "pal": movies["pal"]}
    report = extract_pooled(data, _extractors(), tmp_path / "store", workers=3, progress=False)
    status = {r.movie: r.status for r in report.results}
    assert status == {"junk": "failed", "silent": "failed", "pal": "done"}
    reasons = {r.movie: r.extractors for r in report.results}
    assert "MediaError" in reasons["junk"]["colour-motion"] and "junk.mp4" in reasons["junk"]["colour-motion"]
    assert reasons["silent"]["colour-motion"] == "done"  # the picture is fine, the soundtrack is missing
    assert "has no audio track" in reasons["silent"]["logmel-stats"]
    store = FeatureStore(tmp_path / "store")
    assert store.load("colour-motion", "silent").n_steps == step_grid(silent).n_steps
    assert not store.path("logmel-stats", "silent").exists() and not list(store.root.rglob("*.part"))


def test_a_job_whose_worker_dies_is_reported_and_the_pool_carries_on(tmp_path: Path) -> None:
    long = make_movie(tmp_path / "long.mp4", rate="25", seconds=20.0)
    short = shutil.copy(long, tmp_path / "short.mp4")
    grid = step_grid(long)
    jobs = [DecodeJob(0, str(long), "visual", 1, grid), DecodeJob(1, str(short), "audio", 8, grid)]
    with DecodePool(jobs, workers=2) as pool:
        seen: dict[int, list[str]] = {0: [], 1: []}
        for kind, key, payload in pool:
            seen[key].append(kind if kind != "error" else f"error: {payload}")
            if key == 0 and seen[0] == ["batch"]:
                victim = next(p for i, p in enumerate(pool._procs) if pool._current.get(i) == 0)
                victim.kill()
                time.sleep(0.5)
    assert seen[0][-1].startswith("error: the decoding process died (exit code -9)")
    assert seen[1][-1] == "end" and seen[1].count("batch") == -(-grid.n_steps // 8)


def test_the_extract_command_decodes_in_worker_processes(
    movies: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from emolib.runs.cli import main

    data = tmp_path / "data"
    data.mkdir()
    for name in ("pal", "film"):
        shutil.copy(movies[name], data / f"{name}.mp4")
    args = [
        "extract",
        "--data",
        str(data),
        "--store",
        str(tmp_path / "s"),
        "--no-progress",
        "--visual",
        "colour-motion",
    ]
    assert main([*args, "--decode-workers", "2"]) == 0
    assert "2 movies: 2 computed" in capsys.readouterr().out
    assert (
        FeatureStore(tmp_path / "s").load("colour-motion", "film").n_steps
        == step_grid(data / "film.mp4").n_steps
    )
    assert main([*args, "--decode-workers", "2", "--workers", "2"]) == 2
    assert "not with --scheduler or --workers" in capsys.readouterr().err

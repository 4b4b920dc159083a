"""The organisers' descriptors as feature-store sources: import, native grids, fused loading, ensure."""

from __future__ import annotations

import warnings
from pathlib import Path

import h5py
import numpy as np
import pytest
from features_fixtures import make_movie
from mediaeval2018_fixtures import UNSEEN_MOVIES, write_unseen_2018

from emolib.core.errors import DataError, DataWarning
from emolib.datasets.descriptors import locate, sources_by_movie
from emolib.features import FeatureStore, ensure_features, import_descriptors
from emolib.features.imported import import_status
from emolib.features.registry import REGISTRY, available, create
from emolib.media.alignment import STEP_SECONDS
from emolib.runs.cli import main


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory):
    return write_unseen_2018(tmp_path_factory.mktemp("imported") / "release", with_movies=False)


def test_registry_lists_the_organisers_descriptors_as_imported() -> None:
    imported = available(kind="imported")
    assert imported == [
        "acc",
        "cedd",
        "cl",
        "eh",
        "fcth",
        "gabor",
        "jcd",
        "sc",
        "tamura",
        "lbp",
        "fc6",
        "emobase2010",
    ]
    assert available("audio", "imported") == ["emobase2010"] and REGISTRY["fc6"].modality == "visual"
    with pytest.raises(ValueError, match="imported from their files"):
        create("fc6")


def test_import_writes_native_grids_masks_and_resumes(release, tmp_path: Path) -> None:
    store = FeatureStore(tmp_path / "store")
    by_movie = sources_by_movie(locate(release.root))
    with pytest.warns(DataWarning):
        report = import_descriptors(by_movie, ["fc6", "emobase2010"], store, progress=False)
    assert [r.status for r in report.results] == ["done"] * len(UNSEEN_MOVIES)
    first = UNSEEN_MOVIES[0]
    with h5py.File(store.path("fc6", first.name), "r") as f:
        assert f["features"].shape == (first.seconds, 4096) and f["filled"][...].sum() == 1
        assert (f.attrs["row_step"], f.attrs["row_duration"], f.attrs["source_kind"]) == (
            1.0,
            1.0,
            "descriptors",
        )
    again = import_descriptors(by_movie, ["fc6", "emobase2010"], store, progress=False)
    assert [r.status for r in again.results] == ["skipped"] * len(UNSEEN_MOVIES)
    source = by_movie[first.name]["fc6"]
    (source.folder / f"{first.name}_00001_fc6.txt").write_text("1," * 4095 + "1\n")
    assert import_status(store, source).startswith("changed")
    lacking = import_descriptors(by_movie, ["lbp"], store, progress=False)
    assert lacking.failed and "no lbp folder" in lacking.failed[0].reason


def test_fused_loading_puts_every_block_on_one_grid(release, tmp_path: Path) -> None:
    store = FeatureStore(tmp_path / "store")
    movie = UNSEEN_MOVIES[3]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        ensure_features(release.root, {movie.name: None}, ["cl", "emobase2010"], store)
    per_second = store.load_fused(movie.name, ["cl", "emobase2010"], step_seconds=1.0)
    assert per_second.data.shape == (movie.seconds, 33 + 1582) and per_second.step_seconds == 1.0
    np.testing.assert_array_equal(per_second.block("cl"), store.load("cl", movie.name).data)
    steps = store.load_fused(movie.name, ["cl", "emobase2010"])
    assert steps.data.shape == (int(movie.seconds / STEP_SECONDS + 1e-9), 33 + 1582)
    assert steps.step_seconds == pytest.approx(STEP_SECONDS) and set(steps.filled) == {"cl", "emobase2010"}


def test_ensure_features_with_descriptors_only_and_what_it_refuses(release, tmp_path: Path) -> None:
    store = FeatureStore(tmp_path / "store")
    movies = {m.name: None for m in UNSEEN_MOVIES}
    with pytest.raises(DataError, match="extract_missing is off"):
        ensure_features(release.root, movies, ["fc6"], store, extract_missing=False)
    with pytest.warns(DataWarning):
        made = ensure_features(release.root, movies, ["fc6", "emobase2010"], store)
    assert made["fc6"] == sorted(movies)
    assert ensure_features(release.root, movies, ["fc6"], store, extract_missing=False) == {}
    with pytest.raises(DataError, match="no movie file to extract colour-motion"):
        ensure_features(release.root, movies, ["colour-motion"], store)
    with pytest.raises(DataError, match="no lbp descriptor folder"):
        ensure_features(release.root, movies, ["lbp"], store)


def test_ensure_features_mixes_imported_and_computed(release, tmp_path: Path) -> None:
    movie = UNSEEN_MOVIES[1]
    path = make_movie(tmp_path / f"{movie.name}.mp4", rate="25", seconds=movie.seconds)
    store = FeatureStore(tmp_path / "store")
    ensure_features(release.root, {movie.name: path}, ["eh", "logmel-stats"], store)
    fused = store.load_fused(movie.name, ["eh", "logmel-stats"], step_seconds=1.0)
    steps = store.load("logmel-stats", movie.name).n_steps  # the movie's 0.533 s steps end before 23 s
    assert fused.blocks == [("eh", 80), ("logmel-stats", 256)]
    assert fused.data.shape[0] == int(steps * STEP_SECONDS) < movie.seconds and fused.dropped["eh"] == 1


def test_extract_command_imports_without_decoding(release, tmp_path: Path, capsys) -> None:
    assert main(["extract", "--list"]) == 0
    listing = capsys.readouterr().out
    assert "fc6" in listing and "organisers' descriptors: imported, not computed" in listing
    store = tmp_path / "store"
    args = ["extract", "--data", str(release.root), "--store", str(store), "--visual", "fc6", "--audio",
            "emobase2010", "--no-progress"]  # fmt: skip
    with pytest.warns(DataWarning):
        assert main(args) == 0
    assert f"{len(UNSEEN_MOVIES)} movies: {len(UNSEEN_MOVIES)} imported" in capsys.readouterr().out
    assert main(args) == 0
    assert "0 imported, 6 up to date" in capsys.readouterr().out
    assert main([*args[:-1], "--movies", "MEDIAEVAL18_99"]) == 2


def test_study_a_loads_a_2018_release_from_its_descriptors_alone(release, tmp_path: Path) -> None:
    from emolib.studya.data import load_movie_set, load_test_set

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        dev = load_movie_set(release.root, ["fc6", "emobase2010"], tmp_path / "store")
        test = load_test_set(release.root, ["fc6", "emobase2010"], tmp_path / "store")
    assert dev.movies == [m.name for m in UNSEEN_MOVIES if m.part.startswith("DevSet")]
    assert test.movies == [m.name for m in UNSEEN_MOVIES if m.part == "TestSet"] and not test.has_fear
    assert all(f.shape[1] == 4096 + 1582 for f in dev.features.values())


def test_find_movies_lists_a_2018_release(tmp_path: Path) -> None:
    from emolib.features import find_movies

    for name, folder in (("MEDIAEVAL18_03", "DevSet-Part1"), ("MEDIAEVAL18_60", "TestSet")):
        ann = tmp_path / f"MEDIAEVAL18-{folder}-Valence_Arousal-annotations" / "annotations"
        ann.mkdir(parents=True)
        (ann / f"{name}_Valence-Arousal.txt").write_text("Time\tValence\tArousal\n0\t0\t0\n")
        movie = tmp_path / f"MEDIAEVAL18-{folder}-Data" / "data" / f"{name}.mp4"
        movie.parent.mkdir(parents=True)
        movie.write_bytes(b"")
    found = find_movies(tmp_path)
    assert found == {
        "MEDIAEVAL18_03": tmp_path / "MEDIAEVAL18-DevSet-Part1-Data" / "data" / "MEDIAEVAL18_03.mp4",
        "MEDIAEVAL18_60": tmp_path / "MEDIAEVAL18-TestSet-Data" / "data" / "MEDIAEVAL18_60.mp4",
    }

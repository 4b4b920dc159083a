"""Study A's MediaEval protocol: train on the development set, score test movies per movie, then average."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from emolib.datasets.mediaeval import read_run
from emolib.media.alignment import n_steps, n_windows, window_starts
from emolib.studya.data import MovieSet
from emolib.studya.folds import TEST_SET_FOLD, protocol_split
from emolib.studya.scoring import va_scores


def test_test_set_scores_are_means_over_movies_of_per_movie_scores() -> None:
    from emolib.studya.run import protocol_section

    # movie A: 3 windows, valence exact (MSE 0, r 1), arousal reversed (MSE 2/3, r -1);
    # movie B: 2 windows, valence reversed (MSE 1, r -1), arousal exact (MSE 0, r 1)
    truth = {"A": [[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]], "B": [[0.0, 0.0], [1.0, 1.0]]}
    pred = {"A": [[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]], "B": [[1.0, 0.0], [0.0, 1.0]]}
    section = protocol_section(".", {"lstm": va_scores(truth, pred)})
    mean = section["mean"]
    assert mean["mse_valence"] == pytest.approx(0.5)  # (0 + 1) / 2, not the pooled 2 / 5
    assert mean["r_valence"] == pytest.approx(0.0)  # (1 - 1) / 2
    assert mean["mse_arousal"] == pytest.approx(1 / 3)  # (2/3 + 0) / 2, not the pooled 2 / 5
    assert mean["r_arousal"] == pytest.approx(0.0)
    assert mean["n_movies"] == 2 and section["scored"]
    rows = {r["movie"]: r for r in section["per_movie"]["lstm"]}
    assert rows["A"]["mse_arousal"] == pytest.approx(2 / 3) and rows["B"]["r_valence"] == pytest.approx(-1.0)


def test_test_set_split_trains_on_every_development_movie_but_the_validation_ones() -> None:
    dev = [f"m{i}" for i in range(8)]
    split = protocol_split(dev, ["MEDIAEVAL17_01", "MEDIAEVAL17_00"], seed=3)
    assert split.index == TEST_SET_FOLD and split.test == ("MEDIAEVAL17_00", "MEDIAEVAL17_01")
    assert len(split.val) == 1 and sorted(split.train + split.val) == dev
    assert split == protocol_split(list(reversed(dev)), ["MEDIAEVAL17_00", "MEDIAEVAL17_01"], seed=3)
    assert protocol_split(dev, ["m0"], seed=0, n_val=2).test == ("m0",)  # names may repeat across folders
    with pytest.raises(ValueError, match="leave none to train"):
        protocol_split(dev, ["x"], n_val=8)
    with pytest.raises(ValueError, match="no test movie"):
        protocol_split(dev, [])


def _movie_set(names: list[str], seed: int, root: Path, fear: bool = True) -> MovieSet:
    """Movies whose valence and arousal follow the first feature (learnable by both predictors)."""
    rng = np.random.default_rng(seed)
    features, annotations = {}, {}
    for name in names:
        duration = float(rng.uniform(40, 60))
        x = rng.normal(size=(n_steps(duration), 3)).astype(np.float32)
        starts = window_starts(n_windows(duration))
        step_of = np.minimum((starts / (16 / 30)).astype(int), len(x) - 1)
        table = pd.DataFrame({"id": np.arange(starts.size), "time": starts})
        table["valence"] = np.tanh(x[step_of, 0]) * 0.5
        table["arousal"] = -table["valence"]
        if fear:
            table["fear"] = (table["valence"] > 0.2).astype(np.int64)
        features[name], annotations[name] = x, table
    return MovieSet(features, annotations, ["fake"], ["f0", "f1", "f2"], root=root)


@pytest.mark.parametrize("fear_truth", [False, True])
def test_run_test_set_writes_the_run_file_and_the_test_set_section(tmp_path: Path, fear_truth: bool) -> None:
    pytest.importorskip("keras")
    from emolib.studya.run import TEST_SET_KIND, Inputs, TestSet, prepare, run
    from emolib.studya.training import TrainConfig

    dev = _movie_set([f"m{i}" for i in range(4)], 0, tmp_path / "dev")
    test = _movie_set(["MEDIAEVAL17_00", "MEDIAEVAL17_01"], 1, tmp_path / "test", fear=fear_truth)
    prepared = prepare(Inputs(tmp_path / "dev", movies=dev), TestSet(tmp_path / "test", movies=test))
    results = {}
    for task in ("va", "fear"):
        config = TrainConfig(task=task, units=4, dropout=0.0, epochs=2, chunk=16, batch_movies=2)
        results[task] = run(prepared, tmp_path / task, config, verbose=False)
    metrics = json.loads((tmp_path / "va" / "metrics.json").read_text())
    assert metrics["kind"] == TEST_SET_KIND and metrics["split"]["test"] == sorted(test.movies)
    section = metrics["test_set"]
    assert set(section["mean"]) >= {"mse_valence", "r_valence", "mse_arousal", "r_arousal"}
    assert section["scores"]["lstm"] == section["mean"]
    assert set(section["scores"]) == {"lstm", "constant", "ridge"}
    per_movie = pd.DataFrame(section["per_movie"]["ridge"])
    assert section["scores"]["ridge"]["mse_valence"] == pytest.approx(per_movie["mse_valence"].mean())
    assert math.isfinite(section["scores"]["ridge"]["r_valence"])
    run = read_run(tmp_path / "va" / "run_test.txt")
    assert {m: len(t) for m, t in run.items()} == {m: len(a) for m, a in test.annotations.items()}
    fear = json.loads((tmp_path / "fear" / "metrics.json").read_text())["test_set"]
    assert fear["scored"] is fear_truth
    assert ("map" in fear["mean"]) is fear_truth
    assert (tmp_path / "fear" / "run_test_fear.txt").read_text().startswith("MEDIAEVAL17_00\n")


def test_the_development_set_is_not_a_test_set(tmp_path: Path) -> None:
    pytest.importorskip("keras")
    from emolib.studya.run import Inputs, TestSet, prepare

    dev = _movie_set(["m0", "m1", "m2"], 0, tmp_path)
    with pytest.raises(ValueError, match="is the development set itself"):
        prepare(Inputs(tmp_path, movies=dev), TestSet(tmp_path, movies=dev))


def test_a_run_is_a_fold_or_the_protocol(tmp_path: Path) -> None:
    from emolib.studya.run import (
        METRICS_KIND,
        TEST_SET_KIND,
        Folds,
        Inputs,
        TestSet,
        choose_protocol,
        prepare,
    )

    assert choose_protocol(None, fold=2, n_folds=4, seed=1) == Folds(2, 4, 1)
    assert choose_protocol("t", fold=2, n_folds=4, seed=1) == TestSet("t", 1)
    dev = _movie_set([f"m{i}" for i in range(4)], 0, tmp_path / "dev")
    test = _movie_set(["MEDIAEVAL17_00"], 1, tmp_path / "test")
    inputs = Inputs(tmp_path / "dev", movies=dev)
    fold = prepare(inputs, Folds(1, 4))
    assert fold.is_fold and fold.protocol.kind == METRICS_KIND and len(fold.split.test) == 1
    assert fold.split.test[0] in dev.movies and list(fold.table().columns)[1] == "fold 1"
    protocol = prepare(inputs, TestSet(tmp_path / "test", movies=test))
    assert not protocol.is_fold and protocol.protocol.kind == TEST_SET_KIND
    assert protocol.split.test == ("MEDIAEVAL17_00",) and set(
        protocol.split.train + protocol.split.val
    ) == set(dev.movies)
    assert protocol.values()["run_label"] == "the MediaEval protocol on the test folder"
    with pytest.raises(IndexError, match="fold 4 out of range"):
        prepare(inputs, Folds(4, 4))


def _write_run(folder: Path, kind: str, task: str = "va", scored: bool = True) -> None:
    scores = {"mse_valence": 0.1, "r_valence": 0.5, "mse_arousal": 0.2, "r_arousal": None, "n_movies": 3.0}
    section = {"test_dir": "/d/sample/mediaeval2017test", "scored": scored, "mean": scores, "scores": {}}
    section["scores"] = {"lstm": scores, "constant": scores} if scored else {}
    folder.mkdir(parents=True)
    metrics = {"kind": kind, "task": task, "modality": "mixed", "data_dir": "/d/sample", "test_set": section}
    (folder / "metrics.json").write_text(json.dumps(metrics))


def test_protocol_table_keeps_test_set_runs_apart_in_the_published_columns(tmp_path: Path) -> None:
    from emolib.evaluation.tables import PUBLISHED_VA, gather_runs, gather_test_set_runs, protocol_table
    from emolib.studya.run import METRICS_KIND, TEST_SET_KIND

    _write_run(tmp_path / "a", TEST_SET_KIND)
    _write_run(tmp_path / "b", TEST_SET_KIND, task="fear")
    _write_run(tmp_path / "c", TEST_SET_KIND, scored=False)
    _write_run(tmp_path / "d", METRICS_KIND)
    assert [Path(r["path"]).name for r in gather_test_set_runs(tmp_path)] == ["a", "b", "c"]
    assert [Path(r["path"]).name for r in gather_runs(tmp_path)] == ["d"]  # fold tables never see them
    table = protocol_table(gather_test_set_runs(tmp_path))
    assert list(table.columns[: len(PUBLISHED_VA.columns)]) == list(PUBLISHED_VA.columns)
    assert table["system"].tolist() == [
        "This book: LSTM (mixed)",
        "This book: constant mean predictor (mixed)",
    ]
    assert table["source"].str.startswith("this book's run on sample/mediaeval2017test").all()
    assert table["mse_valence"].tolist() == [0.1, 0.1] and table["r_arousal"].isna().all()
    assert set(table["system"]).isdisjoint(PUBLISHED_VA["system"])


def test_the_book_adds_one_test_set_run_of_notebook_04_when_the_data_has_a_test_part(tmp_path: Path) -> None:
    from emolib.runs.notebooks import protocol_run

    params = {"data_dir": str(tmp_path), "profile": "tiny", "seed": 0}
    assert protocol_run("04_lstm_training", params, tmp_path / "out") is None  # no test part
    (tmp_path / "mediaeval2017test").mkdir()
    extra = protocol_run("04_lstm_training", params, tmp_path / "out")
    run_dir = (tmp_path / "out" / "04_lstm_training_test_set").resolve()
    assert extra == {**params, "test_dir": str(tmp_path / "mediaeval2017test"), "output_dir": str(run_dir)}
    assert protocol_run("07_evaluation", params, tmp_path / "out") is None


# ---------------------------------------------------------------------------------------------------
# MediaEval 2018: the development parts train, every second of the test part is scored


def _tiny_config(task: str):  # noqa: ANN202 - a TrainConfig
    from emolib.studya.training import TrainConfig

    return TrainConfig(task=task, units=4, dropout=0.0, epochs=2, chunk=8, batch_movies=2)


@pytest.mark.slow
def test_the_2018_protocol_on_the_organisers_descriptors(micro_sample: Path, tmp_path: Path) -> None:
    from emolib.datasets.mediaeval import read_fear_run_2018, read_run_2018
    from emolib.studya.data import data_edition
    from emolib.studya.run import EDITION2018_KIND, Edition2018, Inputs, choose_protocol, prepare, run

    folder = micro_sample / "mediaeval2018"
    assert data_edition(folder) == 2018 and data_edition(micro_sample) == 2017
    assert data_edition(micro_sample, 2018) == 2018
    assert isinstance(choose_protocol(None, edition=2018), Edition2018)
    inputs = Inputs(folder, "mixed", ["fc6"], ["emobase2010"], edition=2018)
    prepared = prepare(inputs, choose_protocol(None, edition=2018))
    assert prepared.dev.grid.step == 1.0 and prepared.test.edition == 2018
    assert all(m.startswith("MEDIAEVAL18_") for m in prepared.split.test)
    assert not set(prepared.split.test) & set(prepared.dev.movies)
    va = run(prepared, tmp_path / "va", _tiny_config("va"), verbose=False)
    metrics = json.loads((tmp_path / "va" / "metrics.json").read_text())
    assert metrics["kind"] == EDITION2018_KIND and metrics["test_set"]["scored"]
    pooled = metrics["test_set"]["pooled"]["lstm"]
    seconds = sum(len(prepared.test.annotations[m]) for m in prepared.split.test)
    assert pooled["n_rows"] == seconds  # every annotated second of every test movie
    run_file = read_run_2018(tmp_path / "va" / "run_2018_valence_arousal.txt")
    assert {m: len(t) for m, t in run_file.items()} == {
        m: len(prepared.test.annotations[m]) for m in run_file
    }
    assert va.metrics["mediaeval2018"]["pooled"].keys() == {"lstm", "constant", "ridge"}
    run(prepared, tmp_path / "fear", _tiny_config("fear"), verbose=False)
    fear = json.loads((tmp_path / "fear" / "metrics.json").read_text())["test_set"]["fear_iou"]
    assert set(fear) == {"lstm", "constant", "ridge"} and all(0 < f["threshold"] < 1 for f in fear.values())
    assert all(f["iou"] is None or 0 <= f["iou"] <= 1 for f in fear.values())
    assert set(read_fear_run_2018(tmp_path / "fear" / "run_2018_fear.txt")) <= set(prepared.split.test)


@pytest.mark.slow
def test_a_2018_release_never_seen_trains_on_its_parts_and_predicts_its_test_part(tmp_path: Path) -> None:
    import warnings

    from mediaeval2018_fixtures import write_unseen_2018

    from emolib.studya.run import Inputs, choose_protocol, prepare, run

    layout = write_unseen_2018(tmp_path / "release", with_movies=False)  # annotations and descriptors only
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        inputs = Inputs(layout.root, "mixed", ["fc6", "cl"], ["emobase2010"], store_dir=tmp_path / "store")
        prepared = prepare(inputs, choose_protocol(None, edition=2018))
    assert caught and all(str(layout.root) in str(w.message) for w in caught)  # each names its file
    test = set(prepared.split.test)
    assert test == {m.name for m in layout.movies if m.part == "TestSet"}
    result = run(prepared, tmp_path / "va", _tiny_config("va"), verbose=False)
    assert set(result.predictions["movie"]) == test  # every test movie predicted, every annotated second
    assert len(result.predictions) == sum(len(prepared.test.annotations[m]) for m in test)
    short, rows = layout.short
    assert len(prepared.dev.features[short]) == rows  # a short annotation file: only its seconds are used


@pytest.mark.slow
def test_a_2017_set_trains_on_the_organisers_descriptors(micro_sample: Path, tmp_path: Path) -> None:
    from emolib.studya.run import Folds, Inputs, prepare, run

    inputs = Inputs(micro_sample, "mixed", ["fc6"], ["emobase2010"], store_dir=tmp_path / "store")
    prepared = prepare(inputs, Folds(0, 3))
    assert prepared.dev.edition == 2017 and prepared.dev.grid.step == pytest.approx(16 / 30)
    result = run(prepared, tmp_path / "va", _tiny_config("va"), verbose=False)
    assert (tmp_path / "va" / "run_test.txt").is_file() and "mediaeval2018" not in result.metrics
    assert result.metrics["n_features"] == 4096 + 1582

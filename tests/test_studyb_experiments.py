"""Study B experiments: the pooled head on codes that hold the answer, early stopping that may keep the
start, the summary beside the strongest baseline, the audio network's recipes and every film held out."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest
from test_studyb_dataset import _write_release, _write_vocs

from emolib.datasets.smelloffear import LABEL_NAMES
from emolib.evaluation.studyb_intervals import load_run_predictions
from emolib.studyb.audio_splits import label_split_folds, own_folds, run_audio_label_splits
from emolib.studyb.dataset import Experiment, load_studyb
from emolib.studyb.experiments import run_experiment, summarise, summary_text
from emolib.studyb.models import CODE_SHAPE, build_autoencoder, extract_encoder
from emolib.studyb.recipes import BALANCED
from emolib.studyb.specs import ExperimentSpec
from emolib.studyb.training import FitOptions, fit


def test_keep_start_returns_the_starting_weights_when_no_epoch_beats_them() -> None:
    keras.utils.set_random_seed(0)
    inputs = keras.Input((3,))
    model = keras.Model(
        inputs, keras.layers.Dense(1, kernel_initializer="zeros", bias_initializer="zeros")(inputs)
    )
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mean_absolute_error")
    rng = np.random.default_rng(0)
    train = (rng.normal(size=(32, 3)).astype("float32"), rng.normal(size=(32, 1)).astype("float32") + 1.0)
    validation = (
        rng.normal(size=(8, 3)).astype("float32"),
        np.zeros((8, 1), "float32"),
    )  # the start is exact
    start = [w.copy() for w in model.get_weights()]
    history = fit(
        model, train, validation, 5, options=FitOptions(batch_size=8, restore_best=True, keep_start=True)
    )
    assert history.attrs["best_epoch"] == 0 and (history["val_loss"] > 0).all()
    assert all(np.array_equal(a, b) for a, b in zip(start, model.get_weights(), strict=True))
    history = fit(
        model, train, validation, 5, options=FitOptions(batch_size=8, restore_best=True)
    )  # without: epoch >= 1
    assert history.attrs["best_epoch"] >= 1


def _release_with_planted_codes(root: Path, lengths: dict[str, int]) -> np.ndarray:
    """Labels, audio and compounds of a small release, and codes in which code filter 5 holds the answer.

    Label ``conversation`` is on for a random half of the sequences and ``suspense`` for another;
    filter 5 of the code is high (on average over time and space) exactly where ``conversation`` is
    on, filter 9 carries audio feature 0, which the compounds follow one sequence late.
    """
    rng = np.random.default_rng(1)
    (root / "labels").mkdir(parents=True)
    (root / "audio").mkdir()
    conversation, suspense = LABEL_NAMES.index("conversation"), LABEL_NAMES.index("suspense")
    codes = []
    for film, n in lengths.items():
        matrix = np.zeros((len(LABEL_NAMES), n), int)
        matrix[conversation] = rng.random(n) < 0.5
        matrix[suspense] = rng.random(n) < 0.5
        (root / "labels" / f"{film}.csv").write_text("\n".join(",".join(map(str, r)) for r in matrix) + "\n")
        audio = rng.random((n, 193))
        np.save(root / "audio" / f"{film}.npy", audio)
        code = rng.random((n, *CODE_SHAPE)).astype("float32")
        code[..., 5] += 2.0 * matrix[conversation][:, None, None, None]
        code[..., 9] += 3.0 * audio[:, 0][:, None, None, None]
        codes.append(code)
    _write_vocs(root, {film: 2 for film in lengths}, lag=1)
    return np.concatenate(codes)


@pytest.mark.slow
def test_pooled_head_finds_what_the_code_holds_and_beats_the_baselines(tmp_path: Path) -> None:
    lengths = {"Alpha": 40, "Beta": 36, "Gamma": 38}
    codes = _release_with_planted_codes(tmp_path / "release", lengths)
    data = load_studyb(tmp_path / "release", "audio", voc_detrend=1)
    encoder = extract_encoder(build_autoencoder(compile_model=False))
    common = {"l2": 0.01, "dropout": 0.2, "seed": 0}
    labels = Experiment("video_labels", "video", "labels", "l20", head="pooled")
    result = run_experiment(ExperimentSpec(labels, 40, **common), data, tmp_path, encoder, codes)
    conversation = data.kept.index("conversation")
    table = result["table"]
    assert table.loc["conversation", ("model@val", "f1")] > table.loc["conversation", ("all on", "f1")]
    assert result["scores"]["model@val"]["auc"] > 0.6 and result["best_epoch"] >= 1
    assert result["dropout"] == 0.2 and result["experiment"]["head"] == "pooled"
    assert np.isfinite(result["thresholds"][conversation])
    vocs = Experiment("video_vocs", "video", "vocs", "l20", head="pooled")
    result_v = run_experiment(
        ExperimentSpec(vocs, 40, voc_lags=(1,), **common), data, tmp_path, encoder, codes
    )
    mae = {k: v["mae"] for k, v in result_v["scores"].items()}
    assert mae["model"] < min(mae["training mean"], mae["training median"])
    summary = summarise({"video_labels": result, "video_vocs": result_v})
    assert summary.loc["video_vocs", "beats"] and summary.loc["video_vocs", "metric"] == "mae"
    assert (tmp_path / "video_labels.keras").is_file() and (tmp_path / "video_vocs_table.csv").is_file()


def _result(target: str, head: str, scores: dict[str, float], best_epoch: int | None) -> dict:
    key = "f1" if target == "labels" else "mae"
    experiment = {"features": "video" if head else "audio", "target": target, "split": "l20", "head": head}
    return {
        "experiment": experiment,
        "scores": {k: {key: v} for k, v in scores.items()},
        "best_epoch": best_epoch,
    }


def test_summary_puts_each_model_beside_its_strongest_baseline() -> None:
    results = {
        "audio_labels": _result("labels", "", {"model@val": 0.5, "all on": 0.55, "prevalence": 0.2}, 7),
        "video_labels": _result(
            "labels", "pooled", {"model@val": 0.6, "all on": 0.55, "prevalence": 0.55}, 3
        ),
        "video_vocs": _result(
            "vocs", "pooled", {"model": 0.29, "training mean": 0.29, "training median": 0.3}, 0
        ),
    }
    summary = summarise(results)
    assert list(summary.index) == list(results)
    assert (
        summary.loc["audio_labels", "baseline_name"] == "all on" and not summary.loc["audio_labels", "beats"]
    )
    assert summary.loc["video_labels", "beats"] and summary.loc["video_labels", "head"] == "pooled"
    assert summary.loc["video_vocs", "baseline_name"] == "training mean"
    assert not summary.loc["video_vocs", "beats"]  # equal up to float32 rounding is not better
    text = summary_text(summary)
    assert "video_labels (pooled head): weighted F1 0.600 against 0.550 (all on);" in text
    assert "audio_labels: weighted F1 0.500 against 0.550 (all on, not better)" in text
    assert "video_vocs (pooled head): MAE 0.290 against 0.290 (training mean, not better)" in text
    assert summary_text(summarise({})) == "no experiment ran"
    assert isinstance(summarise({}), pd.DataFrame)


def test_audio_labels_score_the_learned_baselines_on_the_same_test_rows(tmp_path: Path) -> None:
    _write_release(tmp_path / "release", {"Alpha": 30, "Beta": 26, "Gamma": 28})
    data = load_studyb(tmp_path / "release")
    experiment = Experiment("audio_labels", "audio", "labels", "l20")
    result = run_experiment(ExperimentSpec(experiment, 2, seed=0), data, tmp_path)
    scores, predictions = result["scores"], result["predictions"]
    assert {"model@val", "logistic", "boosted trees", "prevalence", "all on"} <= set(scores)
    n_test = result["sizes"]["test"]
    assert sorted(set(predictions.units)) == ["Alpha", "Beta", "Gamma"] and len(predictions.units) == n_test
    for name, decisions in predictions.decisions.items():
        assert decisions.shape == predictions.y.shape == predictions.scores[name].shape
    table = result["table"]
    assert ("logistic", "auc") in table.columns and np.isnan(table.loc["weighted avg", ("logistic", "auc")])
    assert table.loc["weighted avg", ("logistic", "f1")] == pytest.approx(scores["logistic"]["f1"])


def test_the_balanced_recipe_averages_its_seeds_and_keeps_the_paper_network_beside(tmp_path: Path) -> None:
    _write_release(tmp_path / "release", {"Alpha": 30, "Beta": 26, "Gamma": 28})
    data = load_studyb(tmp_path / "release")
    experiment = Experiment("audio_labels", "audio", "labels", "l20")
    two = replace(BALANCED, seeds=2, patience=2)
    result = run_experiment(
        ExperimentSpec(experiment, 4, seed=5, recipe=two, paper_beside=True), data, tmp_path
    )
    held = result["predictions"]
    assert {"model@val", "paper@0.5", "paper@val", "seed 5", "seed 6", "logistic"} <= set(held.scores)
    np.testing.assert_allclose(held.scores["model@val"], (held.scores["seed 5"] + held.scores["seed 6"]) / 2)
    assert [m["seed"] for m in result["members"]] == [5, 6] and result["recipe"]["name"] == "balanced"
    assert result["members"][0]["f1"] == pytest.approx(result["scores"]["seed 5"]["f1"])
    for name in ("audio_labels", "audio_labels_seed6", "audio_labels_paper"):
        assert (tmp_path / f"{name}.keras").is_file()
    assert (tmp_path / "audio_labels_paper_log.csv").is_file()
    assert min(result["thresholds"]) >= two.threshold_floor  # the guard itself: test_studyb_metrics
    # the paper's recipe: one network, no members, nothing beside
    paper = run_experiment(ExperimentSpec(experiment, 2, seed=0), data, tmp_path / "paper")
    assert "paper@val" not in paper["scores"] and paper["members"] == []


def test_every_film_is_held_out_once_and_done_folds_are_reused(tmp_path: Path) -> None:
    _write_release(tmp_path / "release", {"Alpha": 20, "Beta": 18, "Gamma": 16})
    data = load_studyb(tmp_path / "release")
    assert label_split_folds(data, "omo") == [0, 1, 2] and label_split_folds(data, "l20") == [0]
    with pytest.raises(ValueError, match="'oso' runs as 'l20'"):
        label_split_folds(data, "oso")
    spec = ExperimentSpec(Experiment("audio_labels", "audio", "labels", "omo"), 2, fold=1)
    own = run_experiment(spec, data, tmp_path)
    assert own_folds({"audio_labels": own}) == {("omo", 1): own} and own_folds({}) == {}
    pooled = run_audio_label_splits(data, tmp_path, spec, ["omo", "oso"], done={("omo", 1): own})
    assert list(pooled) == ["omo"] and pooled["omo"]["films"] == ["Alpha", "Beta", "Gamma"]
    held = pooled["omo"]["predictions"]
    assert len(held.units) == len(data.sequences)  # every sequence once, in the fold of its film
    assert not (tmp_path / "audio_labels_omo" / "fold1").exists()  # reused, not trained again
    assert (tmp_path / "audio_labels_omo" / "fold2" / "audio_labels_test.npz").is_file()
    assert set(load_run_predictions(tmp_path)) == {"audio_labels", "audio_labels_omo"}
    only_own = run_audio_label_splits(data, tmp_path / "none", spec, [], done={("omo", 1): own})
    assert only_own["omo"]["folds"] == [1] and only_own["omo"]["films"] == ["Beta"]
    assert not (tmp_path / "none").exists()


def test_an_interrupted_one_movie_out_sweep_resumes_its_finished_folds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from emolib.studyb import audio_splits

    _write_release(tmp_path / "release", {"Alpha": 20, "Beta": 18, "Gamma": 16})
    data = load_studyb(tmp_path / "release")
    spec = ExperimentSpec(Experiment("audio_labels", "audio", "labels", "omo"), 2)
    first = run_audio_label_splits(data, tmp_path, spec, ["omo"])
    done = tmp_path / "audio_labels_omo" / "fold1" / audio_splits.DONE_FILE
    assert done.is_file()
    trained: list[int] = []
    real = audio_splits.run_experiment
    monkeypatch.setattr(
        audio_splits, "run_experiment", lambda s, *a, **k: trained.append(s.fold) or real(s, *a, **k)
    )
    done.unlink()  # fold 1 was interrupted before it finished
    again = run_audio_label_splits(data, tmp_path, spec, ["omo"])
    assert trained == [1]  # the finished folds are read back, not trained again
    np.testing.assert_array_equal(again["omo"]["predictions"].y, first["omo"]["predictions"].y)
    np.testing.assert_array_equal(again["omo"]["predictions"].models, first["omo"]["predictions"].models)
    trained.clear()
    run_audio_label_splits(data, tmp_path, replace(spec, epochs=3), ["omo"])  # another spec: every fold again
    assert trained == [0, 1, 2]
    trained.clear()
    monkeypatch.setattr(audio_splits, "source_digest", lambda _: "other code")
    run_audio_label_splits(data, tmp_path, replace(spec, epochs=3), ["omo"])  # other code: again
    assert trained == [0, 1, 2]


@pytest.mark.slow
def test_folds_trained_in_worker_processes_give_the_same_predictions(tmp_path: Path) -> None:
    _write_release(tmp_path / "release", {"Alpha": 20, "Beta": 18, "Gamma": 16})
    data = load_studyb(tmp_path / "release")
    spec = ExperimentSpec(Experiment("audio_labels", "audio", "labels", "omo"), 3)
    here = run_audio_label_splits(data, tmp_path / "here", spec, ["omo"])
    pooled = run_audio_label_splits(data, tmp_path / "pool", spec, ["omo"], workers=2)
    for name, scores in here["omo"]["predictions"].scores.items():
        np.testing.assert_array_equal(pooled["omo"]["predictions"].scores[name], scores)
    assert pooled["omo"]["folds"] == [0, 1, 2] and (tmp_path / "pool" / "audio_labels_omo" / "fold2").is_dir()

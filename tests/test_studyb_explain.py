"""What notebook 06 explains: notebook 05's checkpoints when they exist, stand-ins trained here when not,
and the sequence it shows."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import keras
import numpy as np
import pandas as pd
import pytest

from emolib.studyb import explain
from emolib.studyb.training import save_model

VIDEO = SimpleNamespace(available={"audio": False, "video": True, "vocs": False})


def _tiny(name: str = "net") -> keras.Model:
    inputs = keras.Input((3,), name="frames")
    code = keras.layers.Dense(2, name="code")(inputs)
    return keras.Model(inputs, keras.layers.Dense(1, name="out")(code), name=name)


def test_the_checkpoint_is_loaded_when_it_exists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    saved = _tiny()
    save_model(saved, tmp_path / "encoder.keras")
    save_model(saved, tmp_path / "video_labels.keras")
    monkeypatch.setattr(explain, "train_autoencoder", lambda *a, **k: pytest.fail("trained"))
    monkeypatch.setattr(explain, "run_experiment", lambda *a, **k: pytest.fail("trained"))
    encoder, trained_here = explain.encoder_to_explain(tmp_path / "encoder.keras", VIDEO, 2, tmp_path)
    head = explain.head_to_explain(tmp_path / "video_labels.keras", VIDEO, encoder, "pooled", 2, tmp_path)
    assert not trained_here
    x = np.ones((1, 3), "float32")
    for model in (encoder, head):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(model(x)), keras.ops.convert_to_numpy(saved(x)))


def test_without_a_checkpoint_a_stand_in_is_trained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []

    def train_autoencoder(data: Any, batch_norm: bool, epochs: int, out: Path, seed: int) -> dict:
        calls.append((batch_norm, epochs, out, seed))
        return {"model": _tiny("autoencoder")}

    def run_experiment(spec: Any, data: Any, out: Path, encoder: keras.Model) -> dict:
        calls.append((spec, encoder.name))
        save_model(_tiny(), Path(out) / f"{spec.experiment.name}.keras")
        return {}

    monkeypatch.setattr(explain, "train_autoencoder", train_autoencoder)
    monkeypatch.setattr(explain, "run_experiment", run_experiment)
    encoder, trained_here = explain.encoder_to_explain(tmp_path / "absent.keras", VIDEO, 3, tmp_path, seed=7)
    assert trained_here and encoder.output.shape == (None, 2)  # cut at the code
    save_model(_tiny(), tmp_path / "video_labels.keras")  # notebook 05's head: not on this encoder
    head = explain.head_to_explain(None, VIDEO, encoder, "paper", 3, tmp_path, seed=7)
    assert isinstance(head, keras.Model)
    (autoencoder_call, (spec, on)) = calls
    assert autoencoder_call == (True, 3, tmp_path, 7)
    assert on == "encoder" and spec.experiment.target == "labels" and spec.experiment.head == "paper"
    assert spec.epochs == explain.FALLBACK_HEAD_EPOCHS * 3 and spec.units == explain.FALLBACK_HEAD_UNITS
    assert spec.seed == 7


SEQUENCES = pd.DataFrame({"film": ["A"] * 5 + ["B"] * 3, "sequence": [0, 1, 2, 3, 4, 0, 1, 2]})


@pytest.mark.parametrize(
    ("film", "sequence", "expected"),
    [(None, None, ("A", 2)), ("B", None, ("B", 6)), ("B", 0, ("B", 5)), ("A", -1, ("A", 4))],
)
def test_the_shown_sequence_is_the_middle_of_the_first_film_unless_chosen(
    film: str | None, sequence: int | None, expected: tuple[str, int]
) -> None:
    assert explain.shown_sequence(SEQUENCES, film, sequence) == expected


@pytest.mark.parametrize(("film", "sequence", "words"), [("C", None, "no labelled"), ("B", 3, "has 3")])
def test_a_film_or_sequence_that_is_not_there_is_a_clear_error(
    film: str, sequence: int | None, words: str
) -> None:
    with pytest.raises(ValueError, match=words):
        explain.shown_sequence(SEQUENCES, film, sequence)

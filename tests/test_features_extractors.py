"""The extractors: C3D as in the thesis's Figure 3.9, VGG19 on log-mel patches, the weights rule,
the encoder contract and the weight-free colour/motion and audio features."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from emolib.core.errors import DataError
from emolib.features import WeightsRequired, available, create
from emolib.features.c3d import FIGURE_3_9, TOTAL_PARAMS
from emolib.features.colour_motion import ColourMotion
from emolib.features.encoder import EncoderRequired
from emolib.media.alignment import STEP_SAMPLES

RNG = np.random.default_rng(0)


def _clips(n: int) -> np.ndarray:
    return RNG.integers(0, 256, size=(n, 16, 112, 112, 3), dtype=np.uint8)


def _windows(n: int) -> np.ndarray:
    return (0.1 * RNG.standard_normal((n, STEP_SAMPLES))).astype(np.float32)


@pytest.fixture(scope="module")
def c3d_random():
    return create("c3d", random_weights=True, seed=1, batch=1)


def test_registry_lists_both_modalities() -> None:
    assert set(available("visual", "extractor")) == {"c3d", "colour-motion", "encoder", "siglip"}
    audio = {"vgg19", "logmel-stats", "librosa193", "whisper", "opensmile-emobase2010", "opensmile-egemaps"}
    assert set(available("audio", "extractor")) == audio
    imported = set(available("visual", "imported"))
    assert set(available("visual")) - set(available("visual", "extractor")) == imported
    with pytest.raises(ValueError, match="unknown extractor"):
        create("resnet")
    with pytest.raises(ValueError, match="weight-free"):
        create("colour-motion", weights="x.h5")
    with pytest.raises(ValueError, match="unknown parameter"):
        create("colour-motion", bins=3)


def test_c3d_matches_figure_3_9(c3d_random) -> None:
    layers = c3d_random.model.layers[1:]
    listing = [(x.name, type(x).__name__, tuple(x.output.shape[1:]), x.count_params()) for x in layers]
    assert listing == list(FIGURE_3_9)
    assert c3d_random.model.count_params() == TOTAL_PARAMS == 79_991_015
    assert c3d_random.model.input_shape == (None, 16, 112, 112, 3)  # channels-last
    assert c3d_random.dim == 4096


@pytest.mark.parametrize("name", ["c3d", "vgg19"])
def test_network_extractors_refuse_without_weights(name: str, tmp_path: Path) -> None:
    with pytest.raises(WeightsRequired, match=f"--random-weights {name}"):
        create(name)
    with pytest.raises(DataError, match="not found"):
        create(name, weights=tmp_path / "missing.h5")


def test_c3d_weights_round_trip_gives_identical_features(c3d_random, tmp_path: Path) -> None:
    assert c3d_random.weights_id == "random" and '"seed":1' in c3d_random.identity()["params"]
    clip = _clips(1)
    before = c3d_random.transform(clip)
    assert before.shape == (1, 4096) and before.dtype == np.float32 and np.all(before >= 0)  # fc6 ReLU
    path = tmp_path / "c3d.weights.h5"
    c3d_random.model.save_weights(path)
    loaded = create("c3d", weights=path, batch=1)
    assert loaded.weights_id.startswith("sha256:") and "seed" not in loaded.identity()["params"]
    np.testing.assert_array_equal(loaded.transform(clip), before)


def test_vgg19_features_and_round_trip(tmp_path: Path) -> None:
    vgg = create("vgg19", random_weights=True, batch=2)
    windows = _windows(3)
    out = vgg.transform(windows)  # 3 windows through batches of 2: the last one padded
    assert out.shape == (3, 3072) == (3, 3 * 2 * 512)
    np.testing.assert_allclose(vgg.transform(windows[2:]), out[2:], rtol=1e-5, atol=1e-6)
    path = tmp_path / "vgg.weights.h5"
    vgg.model.save_weights(path)
    np.testing.assert_array_equal(create("vgg19", weights=path, batch=2).transform(windows), out)


def test_encoder_needs_a_model_file_and_runs_on_the_step_grid(tmp_path: Path) -> None:
    import keras

    with pytest.raises(EncoderRequired, match="encoder"):
        create("encoder")
    inputs = keras.Input((30, 36, 64, 3))
    x = keras.layers.Conv3D(4, 3, strides=2, padding="same", activation="relu")(inputs)
    x = keras.layers.GlobalAveragePooling3D()(x)
    path = tmp_path / "encoder.keras"
    keras.Model(inputs, x).save(path)
    enc = create("encoder", weights=path)
    assert (enc.input_frames, enc.height, enc.width) == (30, 36, 64)
    out = enc.transform(_clips(3))
    assert out.shape == (3, 4) == (3, enc.dim)
    assert enc.weights_id.startswith("sha256:")


def _flat_clip(rgb: tuple[int, int, int], n_frames: int = 16) -> np.ndarray:
    return np.broadcast_to(np.array(rgb, np.uint8), (n_frames, 112, 112, 3)).copy()


def test_colour_motion_on_known_pictures() -> None:
    cm = ColourMotion()
    names = cm.feature_names()
    assert len(names) == cm.dim == 36
    red = _flat_clip((255, 0, 0))
    cut = np.concatenate([_flat_clip((255, 0, 0), 8), _flat_clip((0, 0, 255), 8)])
    moving = _clips(1)[0]
    out = cm.transform(np.stack([red, cut, moving]))
    f = {n: out[:, i] for i, n in enumerate(names)}
    np.testing.assert_allclose([f["brightness_mean"][0], f["saturation_mean"][0]], [1, 1], atol=1e-6)
    np.testing.assert_allclose([f["hue_cos"][0], f["hue_sin"][0]], [1, 0], atol=1e-3)  # red: hue 0
    assert f["hue_hist_0"][0] == pytest.approx(1)
    assert f["motion_mean"][0] == 0 and f["cut_count"][0] == 0  # a still picture
    assert f["cut_count"][1] == 1 and f["cut_strength"][1] == pytest.approx(1)  # red -> blue inside the clip
    assert f["motion_mean"][2] > 0.2  # noise moves a lot
    # state across batches: the boundary pair with the previous batch counts, and reset() forgets it
    cm.reset()
    first, second = cm.transform(red[None]), cm.transform(_flat_clip((0, 0, 255))[None])
    assert first[0, names.index("cut_count")] == 0 and second[0, names.index("cut_count")] == 1
    cm.reset()
    assert cm.transform(_flat_clip((0, 0, 255))[None])[0, names.index("cut_count")] == 0


def test_weight_free_audio_extractors() -> None:
    windows = _windows(2)
    stats = create("logmel-stats").transform(windows)
    assert stats.shape == (2, 256) and np.isfinite(stats).all()
    lib = create("librosa193")
    rows = lib.transform(windows)
    assert rows.shape == (2, 193) == (2, len(lib.feature_names())) and np.isfinite(rows).all()
    assert create("logmel-stats").transform(np.zeros((0, STEP_SAMPLES), np.float32)).shape == (0, 256)

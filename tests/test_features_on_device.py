"""The extractors' input preparation as Keras layers: what the numpy preparation computed, on any backend."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from emolib.core.backends import to_device  # noqa: E402
from emolib.features import create  # noqa: E402
from emolib.features.logmel import logmel_patches  # noqa: E402
from emolib.features.on_device import ClipInput, LogMelPatch  # noqa: E402
from emolib.media.alignment import STEP_SAMPLES  # noqa: E402

RNG = np.random.default_rng(3)


@pytest.mark.parametrize(("order", "mean"), [("rgb", (0.0, 0.0, 0.0)), ("bgr", (104.0, 117.0, 123.68))])
def test_clip_input_is_the_numpy_preparation_bit_for_bit(
    order: str, mean: tuple[float, float, float]
) -> None:
    clips = RNG.integers(0, 256, size=(2, 4, 5, 6, 3), dtype=np.uint8)
    expected = clips.astype(np.float32)
    if order == "bgr":
        expected = expected[..., ::-1]
    expected = expected - np.asarray(mean, np.float32)
    got = keras.ops.convert_to_numpy(ClipInput(order, mean)(clips))
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, expected)
    with pytest.raises(ValueError, match="channel_order"):
        ClipInput("gbr")


def test_the_logmel_patch_layer_is_the_numpy_patch() -> None:
    windows = np.concatenate([
        0.1 * RNG.standard_normal((2, STEP_SAMPLES)),
        np.sin(np.arange(STEP_SAMPLES) * 2 * np.pi * 440 / 44100)[None] * 0.5,
        np.zeros((1, STEP_SAMPLES)),
    ]).astype(np.float32)  # fmt: skip
    got = keras.ops.convert_to_numpy(LogMelPatch(scale=0.5)(windows))
    expected = logmel_patches(windows) * 0.5
    assert got.shape == (4, 98, 64, 3) and got.dtype == np.float32
    np.testing.assert_array_equal(got[..., 0], got[..., 2])  # one patch, three channels
    np.testing.assert_allclose(got[..., 1], expected, rtol=1e-5, atol=2e-5)  # the FFTs round differently


def test_network_extractors_take_decoded_steps_and_whole_batches_on_the_device() -> None:
    c3d = create("c3d", random_weights=True, batch=2, seed=1, channel_order="bgr", mean=[90.0, 98.0, 102.0])
    clips = RNG.integers(0, 256, size=(3, 16, 112, 112, 3), dtype=np.uint8)
    rows = c3d.transform(clips)
    assert rows.shape == (3, 4096) and rows.dtype == np.float32
    tensor = keras.ops.convert_to_tensor(clips[:2])  # what to_device gives on a GPU: a backend tensor
    np.testing.assert_array_equal(c3d.transform(tensor), rows[:2])  # a whole batch: run as it is
    with pytest.raises(ValueError, match="must hold 2 steps"):
        c3d.transform(keras.ops.convert_to_tensor(clips[:1]))
    with pytest.raises(ValueError, match=r"expects steps of shape \(16, 112, 112, 3\)"):
        c3d.transform(clips[:, :8])
    if c3d.device() == "cpu":  # only a GPU gets its batches copied ahead
        assert c3d.upload(clips[:2]) is None and to_device(clips) is clips
    assert c3d.params["batch"] == 2 and create("c3d", random_weights=True).params["batch"] in (8, 128)

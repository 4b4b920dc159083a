"""Grad-CAM on a network whose answer is known: where the planted evidence is, and nowhere else.

Backend-independent: ``make test-backends`` runs this file on PyTorch and JAX too.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers

from emolib.studyb.models import SEQUENCE_SHAPE
from emolib.studyb.saliency import grad_cam

# The planted evidence: a red block in frames 10-13, rows 8-15, columns 20-27 (even-aligned, so that
# it covers whole cells of the pooled layer explained below).
BLOCK = (slice(10, 14), slice(8, 16), slice(20, 28))


def _red_detector(sign: float) -> keras.Model:
    """Conv3D(1x1x1) with a 'red' filter and a 'green' one, ReLU, 2x pooling, mean, Dense(1).

    The score is ``sign`` x (mean red activation): positive evidence for ``sign = 1``, counter-
    evidence for ``sign = -1``. The green filter never contributes.
    """
    inputs = keras.Input(SEQUENCE_SHAPE, name="frames")
    conv = layers.Conv3D(2, 1, name="enc_conv2")
    x = layers.Activation("relu", name="enc_relu2")(conv(inputs))
    x = layers.MaxPooling3D(2, name="enc_pool2")(x)
    x = layers.GlobalAveragePooling3D(name="pool")(x)
    dense = layers.Dense(1, name="score")
    model = keras.Model(inputs, dense(x))
    conv.set_weights([np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]).reshape(1, 1, 1, 3, 2), np.zeros(2)])
    dense.set_weights([np.array([[sign], [0.0]]), np.zeros(1)])
    return model


def _sequences() -> np.ndarray:
    x = np.zeros((2, *SEQUENCE_SHAPE), np.float32)
    x[(0, *BLOCK, 0)] = 0.8  # sequence 0: the red block
    x[1, :, :, :, 1] = 0.5  # sequence 1: green everywhere, no red at all
    return x


@pytest.mark.parametrize("layer", ["enc_relu2", "enc_pool2"])
def test_grad_cam_peaks_on_the_planted_evidence(layer: str) -> None:
    x = _sequences()
    maps, scores = grad_cam(_red_detector(1.0), x, output=0, layer=layer)
    assert maps.shape == (2, 30, 36, 64) and maps.dtype == np.float32
    assert np.all(maps >= 0) and np.all(maps <= 1)
    inside = np.zeros(maps.shape[1:], bool)
    inside[BLOCK] = True
    assert maps[0].max() == 1.0 and np.all(maps[0][inside] == 1.0) and np.all(maps[0][~inside] == 0.0)
    t, h, w = np.unravel_index(np.argmax(maps[0]), maps.shape[1:])
    assert 10 <= t < 14 and 8 <= h < 16 and 20 <= w < 28
    assert np.all(maps[1] == 0.0)  # no red anywhere: no evidence anywhere
    mean_red = 0.8 * 4 * 8 * 8 / (30 * 36 * 64) if layer == "enc_relu2" else 0.8 * 2 * 4 * 4 / (15 * 18 * 32)
    np.testing.assert_allclose(scores, [mean_red, 0.0], rtol=1e-5, atol=1e-7)


def test_grad_cam_shows_nothing_for_counter_evidence() -> None:
    maps, scores = grad_cam(_red_detector(-1.0), _sequences(), output=0)
    assert scores[0] < 0 and np.all(maps == 0.0)  # ReLU keeps only what raises the score


def test_filter_peaks_over_batches_find_the_dead_filter_of_every_layer() -> None:
    from emolib.studyb.saliency import dead_filter_lists, dead_filters, filter_peaks, layer_activations

    model, x = _red_detector(1.0), _sequences()
    x = np.concatenate([x, x[:1] * 0.5, x[1:]])  # four sequences in batches of three: a partial batch
    names = ["enc_relu2", "enc_pool2"]
    peaks = filter_peaks(model, x, names, batch_size=3)
    whole = layer_activations(model, x, names)
    for name in names:
        np.testing.assert_allclose(peaks[name], np.abs(whole[name]).reshape(-1, 2).max(axis=0), rtol=1e-6)
    # the green filter fires on sequence 1; a model without green input has it dead
    assert dead_filter_lists(model, x[:1], names) == {n: dead_filters(whole[n][:1]).tolist() for n in names}
    assert dead_filter_lists(model, x[:1], names) == {"enc_relu2": [1], "enc_pool2": [1]}


def test_strongest_filters_rank_by_peak() -> None:
    from emolib.studyb.saliency import strongest_filters

    a = np.zeros((2, 3, 3, 4), np.float32)
    a[1, 2, 0, 1], a[0, 0, 0, 3], a[1, 1, 1, 0] = 5.0, 2.0, 1.0
    assert strongest_filters(a, 3).tolist() == [1, 3, 0]


def test_activation_and_grad_cam_figures_draw_the_shown_frames_and_strongest_filters() -> None:
    import matplotlib.pyplot as plt

    from emolib.studyb.saliency import layer_activations, plot_activations, plot_grad_cam

    model, x = _red_detector(1.0), _sequences()[:1]
    acts = layer_activations(model, x, ["enc_relu2", "enc_pool2"])
    frames = [0, 12, 29]
    fig = plot_activations(x, acts, frames, n_filters=2)
    assert len(fig.axes) == (1 + 2 * 2) * len(frames)
    assert [ax.get_title() for ax in fig.axes[:3]] == ["frame 0", "frame 12", "frame 29"]
    labels = [ax.get_ylabel() for ax in fig.axes if ax.get_ylabel()]
    assert labels == ["enc_relu2\n#0", "enc_relu2\n#1", "enc_pool2\n#0", "enc_pool2\n#1"]  # red fires first
    # a pooled layer (15 time steps) shows the step covering frame 29: its last
    pooled = fig.axes[3 * len(frames) + 2].images[0].get_array()
    np.testing.assert_array_equal(pooled, acts["enc_pool2"][0, 14, :, :, 0])
    plt.close(fig)
    maps, _ = grad_cam(model, x, output=0)
    fig = plot_grad_cam(x, maps, frames)
    assert len(fig.axes) == 2 * len(frames) and [len(ax.images) for ax in fig.axes[3:]] == [2, 2, 2]
    np.testing.assert_array_equal(fig.axes[4].images[1].get_array(), maps[0, 12])
    plt.close(fig)

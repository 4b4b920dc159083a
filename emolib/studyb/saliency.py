"""What the encoder sees: layer activations (the paper's Figure 14), dead filters, and Grad-CAM.

:func:`layer_activations` and :func:`dead_filters` use only ``keras`` and run on any backend.
:func:`grad_cam` needs gradients of a score with respect to an intermediate activation, which
Keras 3 does not expose backend-independently; :func:`emolib.core.backends.output_gradient` computes
it on the TensorFlow, PyTorch and JAX backends (the package's one backend-specific module).

Grad-CAM over space *and time* (after Selvaraju et al., 2017): for a label's score ``y`` and a
3D convolution's output ``A`` of shape ``(t, h, w, k)``, each filter ``k`` is weighted by the mean
gradient ``dy/dA_k`` over time and space, and the map is ``ReLU(sum_k w_k A_k)``, upsampled to
the input's frames. It shows *when* and *where* in the 30 s the head found its evidence.

:func:`plot_activations` and :func:`plot_grad_cam` draw both for the book (matplotlib is imported only
when they are called: a GPU server computes the maps without it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import keras
import numpy as np
from numpy.typing import NDArray

from emolib.core.backends import output_gradient

if TYPE_CHECKING:
    import matplotlib.pyplot as plt

__all__ = [
    "dead_filter_lists",
    "dead_filters",
    "filter_peaks",
    "grad_cam",
    "layer_activations",
    "plot_activations",
    "plot_grad_cam",
    "strongest_filters",
    "upsample_to",
]


def layer_activations(model: keras.Model, x: NDArray, names: Sequence[str]) -> dict[str, NDArray[np.float32]]:
    """Outputs of the named layers of ``model`` for inputs ``x`` (inference mode).

    Parameters
    ----------
    model
        A functional model (the autoencoder, its encoder or a head).
    x
        Inputs, float in [0, 1], ``(n, 30, 36, 64, 3)``.
    names
        Layer names, e.g. ``enc_relu1``, ``enc_pool1``, ``enc_relu2``, ``code``.

    Returns
    -------
    dict
        Layer name to its output ``(n, t, h, w, filters)``.
    """
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs  # called with one array
    probe = keras.Model(inputs, [model.get_layer(n).output for n in names])
    outs = probe(x, training=False)
    outs = outs if isinstance(outs, list | tuple) else [outs]
    return {
        n: np.asarray(keras.ops.convert_to_numpy(o), dtype=np.float32)
        for n, o in zip(names, outs, strict=True)
    }


def dead_filters(activation: NDArray, tolerance: float = 1e-6) -> NDArray[np.int64]:
    """Filters (last axis) whose output never exceeds ``tolerance`` in absolute value over all samples."""
    a = np.abs(np.asarray(activation))
    peak = a.reshape(-1, a.shape[-1]).max(axis=0)
    return np.flatnonzero(peak <= tolerance)


def filter_peaks(
    model: keras.Model, x: NDArray, names: Sequence[str], batch_size: int = 16
) -> dict[str, NDArray[np.float32]]:
    """The largest absolute output of every filter of the named layers over all inputs ``x``.

    One pass of a probe model over ``x`` in batches (compiled inference), keeping only a running
    maximum per filter: the activations of every sequence are never held at once. ``peaks <= tolerance``
    are the dead filters of :func:`dead_filters`.

    Parameters
    ----------
    model, names
        As :func:`layer_activations`.
    x
        Inputs, float in [0, 1], ``(n, 30, 36, 64, 3)``.
    batch_size
        Sequences per forward pass.

    Returns
    -------
    dict
        Layer name to ``(filters,)`` peaks.
    """
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    probe = keras.Model(inputs, [model.get_layer(n).output for n in names])
    peaks: dict[str, NDArray[np.float32]] = {}
    for start in range(0, len(x), batch_size):
        outs = probe.predict_on_batch(x[start : start + batch_size])
        outs = outs if isinstance(outs, list | tuple) else [outs]
        for name, out in zip(names, outs, strict=True):
            a = np.abs(np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float32))
            peak = a.reshape(-1, a.shape[-1]).max(axis=0)
            peaks[name] = peak if name not in peaks else np.maximum(peaks[name], peak)
    return peaks


def dead_filter_lists(
    model: keras.Model, x: NDArray, names: Sequence[str], tolerance: float = 1e-6
) -> dict[str, list[int]]:
    """Dead filters of each named layer over all inputs ``x``: peaks (:func:`filter_peaks`) <= tolerance."""
    return {
        name: np.flatnonzero(peak <= tolerance).tolist()
        for name, peak in filter_peaks(model, x, names).items()
    }


def upsample_to(volume: NDArray, shape: tuple[int, int, int]) -> NDArray[np.float32]:
    """Nearest-neighbour resize of a ``(t, h, w)`` volume to ``shape`` (index mapping, any ratio)."""
    v = np.asarray(volume, dtype=np.float32)
    idx = [np.minimum((np.arange(n) * v.shape[i]) // n, v.shape[i] - 1) for i, n in enumerate(shape)]
    return v[np.ix_(*idx)]


def _gradients(model: keras.Model, layer: str, x: NDArray, output: int) -> tuple[NDArray, NDArray, NDArray]:
    """Activation of ``layer``, gradient of output ``output`` with respect to it, outputs (any backend).

    The model is cut at the layer: the part up to it gives the activation, the part after it (a
    model whose input is the activation) is differentiated by :func:`emolib.core.backends.output_gradient`.
    """
    tensor = model.get_layer(layer).output
    front = keras.Model(model.input, tensor)
    tail = keras.Model(tensor, model.output)
    act = np.asarray(keras.ops.convert_to_numpy(front(x, training=False)), dtype=np.float32)
    grad, out = output_gradient(tail, act, output)
    return act, grad, out


def grad_cam(
    model: keras.Model, x: NDArray, output: int, layer: str = "enc_relu2"
) -> tuple[NDArray, NDArray]:
    """Grad-CAM of one output (e.g. the label ``suspense``) over the frames of each sequence.

    Parameters
    ----------
    model
        A head built by :func:`~emolib.studyb.models.build_label_head` (flat encoder layers).
    x
        Sequences ``(n, 30, 36, 64, 3)`` in [0, 1].
    output
        Index of the output unit (label).
    layer
        Convolutional layer to explain (``enc_relu2``: 15 x 18 x 32 cells over 30 x 36 x 64).

    Returns
    -------
    maps, scores
        ``(n, 30, 36, 64)`` maps scaled to [0, 1] per sequence (0 everywhere when no evidence), and
        the model's scores for that output ``(n,)``.
    """
    act, grad, out = _gradients(model, layer, np.asarray(x, dtype=np.float32), output)
    weights = grad.mean(axis=(1, 2, 3))  # (n, filters)
    cams = np.maximum(np.einsum("nthwk,nk->nthw", act, weights), 0.0)
    target = tuple(int(s) for s in np.shape(x)[1:4])
    maps = []
    for cam in cams:
        peak = cam.max()
        maps.append(upsample_to(cam / peak if peak > 0 else cam, target))
    return np.stack(maps), out[:, output]


def strongest_filters(activation: NDArray, n: int) -> NDArray[np.int64]:
    """The ``n`` filters of one activation ``(..., filters)`` with the highest peak, strongest first."""
    a = np.asarray(activation)
    return np.argsort(a.reshape(-1, a.shape[-1]).max(axis=0))[::-1][:n]


def _bare(axes: NDArray) -> None:
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])


def plot_activations(
    x: NDArray, activations: Mapping[str, NDArray], frames: Sequence[int], n_filters: int = 4
) -> plt.Figure:
    """One sequence's frames above the outputs of its strongest filters in each layer (the paper's Figure 14).

    Parameters
    ----------
    x
        The sequence, ``(1, 30, h, w, 3)`` in [0, 1].
    activations
        Layer name to its output for ``x`` (:func:`layer_activations`), drawn in this order.
    frames
        Frames of the 30 shown (columns); a pooled layer shows the time step covering each.
    n_filters
        Filters shown per layer: the :func:`strongest_filters`, one row each, labelled
        ``<layer> #<filter>``.

    Returns
    -------
    matplotlib.figure.Figure
        ``1 + len(activations) * n_filters`` rows of heat maps (``jet``: dark blue none, red strongest).
    """
    import matplotlib.pyplot as plt

    n_rows = 1 + len(activations) * n_filters
    fig, axes = plt.subplots(n_rows, len(frames), figsize=(9, 1.05 * n_rows))
    for j, f in enumerate(frames):
        axes[0, j].imshow(x[0, f])
        axes[0, j].set_title(f"frame {f}", fontsize=7)
    for i, (name, activation) in enumerate(activations.items()):
        a = activation[0]
        for k, filt in enumerate(strongest_filters(a, n_filters)):
            r = 1 + i * n_filters + k
            for j, f in enumerate(frames):
                axes[r, j].imshow(a[min(f * a.shape[0] // 30, a.shape[0] - 1), :, :, filt], cmap="jet")
            axes[r, 0].set_ylabel(f"{name}\n#{filt}", fontsize=6)
    _bare(axes)
    return fig


def plot_grad_cam(x: NDArray, maps: NDArray, frames: Sequence[int]) -> plt.Figure:
    """Frames of one sequence above the same frames under their Grad-CAM map.

    Parameters
    ----------
    x
        The sequence, ``(1, 30, h, w, 3)`` in [0, 1].
    maps
        Its :func:`grad_cam` maps, ``(1, 30, h, w)`` in [0, 1].
    frames
        Frames shown (columns).

    Returns
    -------
    matplotlib.figure.Figure
        Two rows: the frames, and the frames overlaid with the map (``jet``, half transparent).
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(frames), figsize=(9, 2.6))
    for j, f in enumerate(frames):
        axes[0, j].imshow(x[0, f])
        axes[1, j].imshow(x[0, f])
        axes[1, j].imshow(maps[0, f], cmap="jet", alpha=0.5, vmin=0, vmax=1)
        axes[0, j].set_title(f"frame {f}", fontsize=7)
    _bare(axes)
    return fig

"""Convert the public C3D Sports-1M Keras weights into the ``c3d`` extractor's channels-last weights file.

The thesis used the Keras port of the Caffe C3D Sports-1M model by Alberto Montes
(``c3d-sports1M_weights.h5``, Keras 1 on Theano). That file has the layout of Keras's old
``save_weights``: a root attribute ``nb_layers`` and one group ``layer_<i>`` per layer of the
Sequential model (pools, padding, flatten and dropouts included, 20 in all), each with
``nb_params`` datasets ``param_<j>``: the kernel then the bias. Later ports (Keras 1/2 files with a
``layer_names`` attribute and groups named ``conv1`` … ``fc8``; ``conv1a``/``conv2a`` as in Caffe are
accepted) are read too, in either dimension ordering.

A Theano-ordered file differs from this project's channels-last model in three ways, all undone
here: 3-D kernels are ``(out, in, t, h, w)`` instead of ``(t, h, w, in, out)``; Theano convolves
(the kernel flipped in t, h and w) where TensorFlow correlates; and the flatten before fc6 runs
over ``(channel, t, h, w)`` instead of ``(t, h, w, channel)``, so fc6's 8192 input rows are
permuted. Every array is checked against the target model's shape, and a mismatch names the layer.

Use the result with ``--weights c3d=FILE --param c3d.channel_order='"bgr"' --param c3d.mean=[...]``:
the Caffe model was trained on BGR frames minus the Sports-1M mean.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h5py
import numpy as np

from emolib.core.atomic import atomic_path
from emolib.core.errors import DataError

from .base import file_sha256

WEIGHTED_LAYERS = ("conv1", "conv2", "conv3a", "conv3b", "conv4a", "conv4b", "conv5a", "conv5b",
                   "fc6", "fc7", "fc8")  # fmt: skip
"""The layers with weights, in order."""
SEQUENTIAL_INDEX = dict(zip(WEIGHTED_LAYERS, (0, 2, 4, 5, 7, 8, 10, 11, 15, 17, 19), strict=True))
"""Index of each weighted layer among the 20 layers of the Sequential Keras port (``layer_<i>``)."""
N_SEQUENTIAL_LAYERS = 20
ALIASES = {"conv1a": "conv1", "conv2a": "conv2"}
"""Caffe's names of the first two convolutions."""


def theano_kernel_to_tf(kernel: np.ndarray, flip: bool = True) -> np.ndarray:
    """A Theano ``(out, in, t, h, w)`` 3-D kernel as a channels-last ``(t, h, w, in, out)`` one.

    ``flip`` reverses t, h and w: Theano's convolution is a true convolution, TensorFlow's a
    correlation, so the same filter is stored mirrored.
    """
    out = np.transpose(kernel, (2, 3, 4, 1, 0))
    return np.ascontiguousarray(out[::-1, ::-1, ::-1] if flip else out)


def theano_dense_rows_to_tf(weights: np.ndarray, volume: tuple[int, int, int, int]) -> np.ndarray:
    """Reorder the input rows of the dense layer after a flatten, from ``(c, t, h, w)`` to ``(t, h, w, c)``.

    Parameters
    ----------
    weights
        ``(c * t * h * w, units)`` kernel trained after a channels-first flatten.
    volume
        The flattened volume as ``(c, t, h, w)``.
    """
    units = weights.shape[1]
    return np.ascontiguousarray(
        weights.reshape(*volume, units).transpose(1, 2, 3, 0, 4).reshape(weights.shape[0], units)
    )


def _sequential_layers(root: h5py.Group, path: Path) -> dict[str, list[np.ndarray]]:
    n_layers = int(root.attrs["nb_layers"])
    if n_layers != N_SEQUENTIAL_LAYERS:
        raise DataError(path, f"expected the {N_SEQUENTIAL_LAYERS} layers of the C3D port, found {n_layers}")
    out = {}
    for name, index in SEQUENTIAL_INDEX.items():
        group = root.get(f"layer_{index}")
        if group is None or int(group.attrs.get("nb_params", 0)) != 2:
            raise DataError(path, f"layer_{index} ({name}) should hold a kernel and a bias")
        out[name] = [np.asarray(group[f"param_{j}"]) for j in range(2)]
    return out


def _named_layers(root: h5py.Group, path: Path) -> dict[str, list[np.ndarray]]:
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in root.attrs["layer_names"]]
    out = {}
    for stored in names:
        name = ALIASES.get(stored, stored)
        if name not in WEIGHTED_LAYERS:
            continue
        group = root[stored]
        weight_names = [n.decode() if isinstance(n, bytes) else str(n) for n in group.attrs["weight_names"]]
        if len(weight_names) != 2:
            raise DataError(path, f"layer {stored} should hold a kernel and a bias, has {weight_names}")
        out[name] = [np.asarray(group[w]) for w in weight_names]
    missing = [n for n in WEIGHTED_LAYERS if n not in out]
    if missing:
        raise DataError(path, f"no layer {', '.join(missing)} (layers in the file: {', '.join(names)})")
    return out


def read_sports1m(path: str | Path) -> dict[str, list[np.ndarray]]:
    """Kernel and bias of every weighted layer of a C3D Keras weights file, as stored.

    Raises
    ------
    DataError
        If the file is not HDF5, or not one of the two Keras layouts, or lacks a layer.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "C3D weights file not found")
    try:
        with h5py.File(path, "r") as f:
            root = f["model_weights"] if "model_weights" in f else f
            if "nb_layers" in root.attrs:
                return _sequential_layers(root, path)
            if "layer_names" in root.attrs:
                return _named_layers(root, path)
    except OSError as err:
        raise DataError(path, f"not an HDF5 file ({err})") from None
    raise DataError(path, "not a Keras weights file (no 'nb_layers' nor 'layer_names' attribute)")


def _check(path: Path, what: str, got: tuple[int, ...], want: tuple[int, ...]) -> None:
    if got != want:
        raise DataError(path, f"{what}: shape {got} does not match the c3d model's {want}")


def convert_layers(
    stored: dict[str, list[np.ndarray]], model: Any, path: Path, flip: bool = True
) -> dict[str, list[np.ndarray]]:
    """The stored arrays in ``model``'s channels-last shapes (Theano ordering detected per kernel).

    Raises
    ------
    DataError
        Naming the layer whose kernel or bias does not fit ``model``.
    """
    converted: dict[str, list[np.ndarray]] = {}
    theano = False
    for name in WEIGHTED_LAYERS:
        kernel, bias = stored[name]
        want_kernel, want_bias = (tuple(w.shape) for w in model.get_layer(name).get_weights())
        if kernel.ndim == 5 and kernel.shape != want_kernel:
            theano = True
            _check(path, f"{name} kernel", tuple(np.transpose(kernel, (2, 3, 4, 1, 0)).shape), want_kernel)
            kernel = theano_kernel_to_tf(kernel, flip)
        elif name == "fc6" and theano:
            _check(path, f"{name} kernel", kernel.shape, want_kernel)
            pool5 = model.get_layer("pool5").output.shape[1:]  # (t, h, w, c)
            kernel = theano_dense_rows_to_tf(kernel, (pool5[3], pool5[0], pool5[1], pool5[2]))
        _check(path, f"{name} kernel", tuple(kernel.shape), want_kernel)
        _check(path, f"{name} bias", tuple(bias.shape), want_bias)
        converted[name] = [kernel.astype(np.float32), bias.astype(np.float32)]
    return converted


def convert_sports1m(source: str | Path, dest: str | Path, model: Any = None, flip: bool = True) -> str:
    """Write the ``c3d`` extractor's weights file converted from a public C3D Sports-1M Keras file.

    Parameters
    ----------
    source
        ``c3d-sports1M_weights.h5`` (or a later Keras port of it).
    dest
        The ``.weights.h5`` file to write (atomically).
    model
        The target network (default: :func:`emolib.features.c3d.build_c3d`).
    flip
        Mirror Theano kernels in t, h and w (see :func:`theano_kernel_to_tf`).

    Returns
    -------
    str
        ``sha256:<hex>`` of the written file (what the feature store will record).

    Raises
    ------
    DataError
        For an unreadable source, a wrong layout or shape (naming the layer), or a bad ``dest`` name.
    """
    source, dest = Path(source), Path(dest)
    if not dest.name.endswith(".weights.h5"):
        raise DataError(dest, "the converted file's name must end in .weights.h5")
    if model is None:
        from .c3d import build_c3d

        model = build_c3d()
    for name, weights in convert_layers(read_sports1m(source), model, source, flip).items():
        model.get_layer(name).set_weights(weights)
    with atomic_path(dest) as tmp:
        staged = tmp.with_name(tmp.name + ".weights.h5")  # Keras insists on the suffix
        try:
            model.save_weights(str(staged))
            staged.replace(tmp)
        finally:
            staged.unlink(missing_ok=True)
    return "sha256:" + file_sha256(dest)

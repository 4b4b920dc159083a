"""The C3D Sports-1M weights converter: Theano kernels and flatten order undone, both Keras layouts read,
and a file that does not fit named by its layer."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
from scipy.signal import convolve

from emolib.core.errors import DataError
from emolib.features.c3d import build_c3d
from emolib.features.c3d_weights import (
    SEQUENTIAL_INDEX,
    WEIGHTED_LAYERS,
    convert_sports1m,
    theano_dense_rows_to_tf,
    theano_kernel_to_tf,
)
from emolib.runs.cli import main

RNG = np.random.default_rng(3)
TINY = {"n_classes": 5, "width": 1 / 16}


def test_theano_kernel_conversion_reproduces_theanos_convolution() -> None:
    import keras

    kernel = RNG.standard_normal((2, 3, 3, 3, 3)).astype(np.float32)  # (out, in, t, h, w)
    x = RNG.standard_normal((3, 4, 5, 6)).astype(np.float32)  # (in, t, h, w)
    theano = np.stack([sum(convolve(x[i], kernel[o, i], mode="same") for i in range(3)) for o in range(2)])
    conv = keras.layers.Conv3D(2, 3, padding="same", use_bias=False)
    conv.build((None, 4, 5, 6, 3))
    conv.set_weights([theano_kernel_to_tf(kernel)])
    ours = np.asarray(conv(x.transpose(1, 2, 3, 0)[None]))[0].transpose(3, 0, 1, 2)
    np.testing.assert_allclose(ours, theano, rtol=1e-4, atol=1e-4)
    unflipped = theano_kernel_to_tf(kernel, flip=False)
    assert unflipped.shape == (3, 3, 3, 3, 2) and not np.allclose(unflipped, theano_kernel_to_tf(kernel))


def test_fc6_rows_follow_the_channels_last_flatten() -> None:
    volume = RNG.standard_normal((4, 1, 2, 3))  # (c, t, h, w)
    weights = RNG.standard_normal((24, 5))
    channels_last = volume.transpose(1, 2, 3, 0).ravel() @ theano_dense_rows_to_tf(weights, volume.shape)
    np.testing.assert_allclose(channels_last, volume.ravel() @ weights)


def _theano_arrays(model) -> dict[str, list[np.ndarray]]:
    """The model's weights as the Theano port stores them (the inverse of the conversion)."""
    pool5 = model.get_layer("pool5").output.shape[1:]
    out = {}
    for name in WEIGHTED_LAYERS:
        kernel, bias = model.get_layer(name).get_weights()
        if kernel.ndim == 5:
            kernel = kernel[::-1, ::-1, ::-1].transpose(4, 3, 0, 1, 2)
        elif name == "fc6":
            kernel = kernel.reshape(*pool5, -1).transpose(3, 0, 1, 2, 4).reshape(kernel.shape)
        out[name] = [kernel, bias]
    return out


def write_sequential_file(path: Path, arrays: dict[str, list[np.ndarray]]) -> Path:
    """``c3d-sports1M_weights.h5``'s layout: ``nb_layers``, ``layer_<i>/param_<j>`` for all 20 layers."""
    index = {i: name for name, i in SEQUENTIAL_INDEX.items()}
    with h5py.File(path, "w") as f:
        f.attrs["nb_layers"] = 20
        for i in range(20):
            group = f.create_group(f"layer_{i}")
            params = arrays[index[i]] if i in index else []
            group.attrs["nb_params"] = len(params)
            for j, value in enumerate(params):
                group.create_dataset(f"param_{j}", data=value)
    return path


def test_converts_the_original_sequential_layout(tmp_path: Path) -> None:
    import keras

    keras.utils.set_random_seed(1)
    original = build_c3d(**TINY)
    source = write_sequential_file(tmp_path / "c3d-sports1M_weights.h5", _theano_arrays(original))
    dest = tmp_path / "c3d.weights.h5"
    target = build_c3d(**TINY)
    weights_id = convert_sports1m(source, dest, model=target)
    assert weights_id.startswith("sha256:") and dest.is_file()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary debris
    reloaded = build_c3d(**TINY)
    reloaded.load_weights(dest)
    clip = RNG.uniform(0, 255, (1, 16, 112, 112, 3)).astype(np.float32)
    np.testing.assert_allclose(reloaded.predict_on_batch(clip), original.predict_on_batch(clip), rtol=1e-5)


def test_reads_the_named_keras_layout_with_caffe_names(tmp_path: Path) -> None:
    import keras

    keras.utils.set_random_seed(2)
    original = build_c3d(**TINY)
    source = tmp_path / "sports1M_weights_tf.h5"
    with h5py.File(source, "w") as f:
        names = ["conv1a" if n == "conv1" else n for n in WEIGHTED_LAYERS] + ["pool1"]
        f.attrs["layer_names"] = [n.encode() for n in names]
        for stored in names:
            group = f.create_group(stored)
            params = (
                original.get_layer(stored.replace("conv1a", "conv1")).get_weights()
                if stored != "pool1"
                else []
            )
            group.attrs["weight_names"] = [f"{stored}_{k}".encode() for k in "Wb"[: len(params)]]
            for k, value in zip("Wb", params, strict=False):
                group.create_dataset(f"{stored}_{k}", data=value)
    target = build_c3d(**TINY)
    convert_sports1m(source, tmp_path / "out.weights.h5", model=target)
    for a, b in zip(target.get_weights(), original.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_file_that_does_not_fit_is_named_by_layer(tmp_path: Path, capsys) -> None:
    arrays = _theano_arrays(build_c3d(**TINY))
    source = write_sequential_file(tmp_path / "small.h5", arrays)
    assert main(["weights", str(source), "--out", str(tmp_path / "c3d.weights.h5")]) == 2
    err = capsys.readouterr().err
    assert "small.h5" in err and "conv1 kernel: shape (3, 3, 3, 3, 4)" in err and "(3, 3, 3, 3, 64)" in err
    assert not (tmp_path / "c3d.weights.h5").exists()
    del arrays["fc7"][1]
    with h5py.File(source, "a") as f:
        f["layer_17"].attrs["nb_params"] = 1
    with pytest.raises(DataError, match="layer_17 \\(fc7\\) should hold a kernel and a bias"):
        convert_sports1m(source, tmp_path / "x.weights.h5", model=build_c3d(**TINY))
    with pytest.raises(DataError, match="must end in .weights.h5"):
        convert_sports1m(source, tmp_path / "x.h5")
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(DataError, match="not an HDF5 file"):
        convert_sports1m(tmp_path / "text.h5", tmp_path / "y.weights.h5", model=build_c3d(**TINY))

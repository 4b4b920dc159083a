"""The dtype every layer computes in, under each precision policy, on the Keras backend in use.

Written once for every backend: ``make jax`` and ``make torch`` run this file on JAX and PyTorch. On a
CPU no backend takes its fused (cuDNN) LSTM path, so a dtype the GPU kernel refuses would pass
unseen; these tests check the dtype that reaches that path instead (and, for JAX, run jaxlib's own
check of it), which is how every mixed-precision LSTM step failed on an H200.
"""

from __future__ import annotations

import types
from collections.abc import Iterator

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from emolib.core.precision import RECURRENT_DTYPES, recurrent_policy, use_precision  # noqa: E402
from emolib.features import create  # noqa: E402
from emolib.features.c3d import FIGURE_3_9  # noqa: E402
from emolib.studya.models import Fitting, build_model  # noqa: E402
from emolib.studyb.models import build_autoencoder  # noqa: E402

POLICIES = ["float32", "mixed_float16", "mixed_bfloat16"]
COMPUTE = {"float32": "float32", "mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
BACKEND = keras.backend.backend()


@pytest.fixture()
def global_policy() -> Iterator[None]:
    before = keras.mixed_precision.global_policy()
    yield
    keras.mixed_precision.set_global_policy(before)


def layer_dtypes(model: keras.Model) -> dict[str, str]:
    """Layer name to compute dtype, nested models' layers included, input layers left out."""
    out: dict[str, str] = {}
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            out.update(layer_dtypes(layer))
        elif not isinstance(layer, keras.layers.InputLayer):
            out[layer.name] = layer.compute_dtype
    return out


def recurrent(policy: str, backend: str = BACKEND) -> str:
    compute = COMPUTE[policy]
    return compute if compute in RECURRENT_DTYPES[backend] else "float32"


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("stateful", [True, False])
def test_the_lstm_model(policy: str, stateful: bool) -> None:
    model = build_model(6, "va", units=4, batch_size=2 if stateful else None, chunk=3, stateful=stateful,
                        seed=0, fitting=Fitting(mixed_precision=policy))  # fmt: skip
    c = COMPUTE[policy]
    expected = {
        "normalization": c,
        "dropout_in": c,
        "lstm": recurrent(policy),
        "dropout_out": c,
        "fc": "float32",
    }
    assert layer_dtypes(model) == expected
    assert all(w.dtype == "float32" for w in model.weights)  # variables stay in full precision
    assert recurrent_policy(policy) == (policy if recurrent(policy) == c else "float32")


@pytest.mark.parametrize(
    ("backend", "recurrent_dtypes"),
    [("jax", ["float32"] * 3), ("tensorflow", ["float32", "float16", "float32"]),
     ("torch", ["float32", "float16", "bfloat16"])],
)  # fmt: skip
def test_the_lstm_computes_in_a_dtype_its_backends_cudnn_accepts(
    backend: str, recurrent_dtypes: list[str]
) -> None:
    assert [recurrent(p, backend) for p in POLICIES] == recurrent_dtypes
    assert [
        keras.DTypePolicy(recurrent_policy(p, backend)).compute_dtype for p in POLICIES
    ] == recurrent_dtypes


@pytest.mark.parametrize("policy", POLICIES)
def test_what_reaches_the_fused_lstm(policy: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The inputs handed to ``keras.backend.lstm`` (the cuDNN path on a GPU) have an accepted dtype."""
    from keras.src import backend as keras_backend

    seen: list[str] = []

    def fused(inputs, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202 - Keras's signature
        seen.append(keras.backend.standardize_dtype(inputs.dtype))
        raise NotImplementedError  # what a CPU answers: Keras then runs its step-by-step loop

    monkeypatch.setattr(keras_backend, "lstm", fused)
    model = build_model(
        6,
        "va",
        units=4,
        batch_size=2,
        chunk=3,
        stateful=True,
        seed=0,
        fitting=Fitting(mixed_precision=policy),
    )
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 6)).astype(np.float32)
    y = np.tanh(rng.normal(size=(2, 3, 2))).astype(np.float32)
    loss = float(keras.ops.convert_to_numpy(model.train_on_batch(x, y)))
    assert np.isfinite(loss) and seen and set(seen) == {recurrent(policy)}
    assert set(seen) <= set(RECURRENT_DTYPES[BACKEND])


@pytest.mark.parametrize("policy", POLICIES)
def test_jaxlibs_cudnn_lowering_accepts_the_jax_lstm_dtype(policy: str) -> None:
    """jaxlib's own dtype check of its cuDNN RNN lowering, the one that raised on the H200."""
    gpu_rnn = pytest.importorskip("jaxlib.gpu_rnn")
    import ml_dtypes

    def lower(dtype: str) -> str:
        aval = types.SimpleNamespace(dtype=np.dtype(ml_dtypes.bfloat16 if dtype == "bfloat16" else dtype))
        try:
            gpu_rnn._rnn_fwd_lowering(None, "cuda", types.SimpleNamespace(avals_out=[aval]), None, None, None,
                                      None, None, input_size=1, hidden_size=1, num_layers=1, dropout=False,
                                      bidirectional=False, cudnn_allow_tf32=False)  # fmt: skip
        except Exception as err:  # noqa: BLE001 - past the dtype check, it needs a GPU's MLIR context
            return str(err)
        return ""

    assert "Unknown output type" in lower(COMPUTE[policy]) or policy == "float32"  # the H200's failure
    assert "Unknown output type" not in lower(recurrent(policy, "jax"))


@pytest.mark.parametrize("policy", POLICIES)
def test_the_extractors(policy: str, global_policy: None) -> None:
    use_precision(policy)
    c = COMPUTE[policy]
    c3d = create("c3d", random_weights=True, batch=1)
    dtypes = layer_dtypes(c3d.features)
    assert dtypes.pop("clip_input") == "float32" and dtypes.pop("rows") == "float32"
    assert list(dtypes) == [name for name, *_ in FIGURE_3_9[: 1 + [r[0] for r in FIGURE_3_9].index("fc6")]]
    assert set(dtypes.values()) == {c}
    assert c3d.features.inputs[0].dtype == "uint8" and c3d.features.outputs[0].dtype == "float32"
    vgg = create("vgg19", random_weights=True, batch=1)
    dtypes = layer_dtypes(vgg.features)
    assert dtypes.pop("logmel_patch") == "float32" and dtypes.pop("rows") == "float32"
    assert len(dtypes) == 16 + 5 + 1 and set(dtypes.values()) == {c}  # 16 convolutions, 5 poolings, flatten
    assert vgg.features.inputs[0].dtype == "float32" and vgg.features.outputs[0].dtype == "float32"
    assert all(w.dtype == "float32" for w in [*c3d.model.weights, *vgg.model.weights])


@pytest.mark.parametrize("policy", POLICIES)
def test_the_study_b_autoencoder(policy: str, global_policy: None) -> None:
    use_precision(policy)
    model = build_autoencoder(input_shape=(6, 8, 8, 3))
    dtypes = layer_dtypes(model)
    assert dtypes.pop("reconstruction") == "float32"
    assert set(dtypes.values()) == {COMPUTE[policy]} and len(dtypes) >= 14

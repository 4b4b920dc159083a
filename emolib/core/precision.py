"""Numeric precision of the Keras models: float32 everywhere, or mixed float16/bfloat16 on accelerators.

Mixed precision computes in 16 bits and keeps the variables in float32; on a GPU with tensor cores
(or a TPU, with bfloat16) it roughly halves memory and speeds up convolutions and recurrent layers.
Every model of emolib builds its output layer with ``dtype="float32"`` so that losses and metrics
stay in full precision whatever the policy.

Recurrent layers are the exception to "16 bits everywhere": each backend runs an LSTM fast only through
cuDNN, and each backend's cuDNN path accepts its own dtypes (:data:`RECURRENT_DTYPES`). A recurrent
layer computes in the policy's 16-bit type where its backend's fast kernel takes it, and in float32
otherwise (:func:`recurrent_policy`); its inputs are cast on the way in and its outputs on the way out,
so the rest of the model keeps the policy. Why per backend:

* **JAX**: ``jax.experimental.rnn`` lowers to cuDNN for float32 and float64 only; jaxlib's lowering
  (``jaxlib/gpu_rnn.py``) raises ``ValueError: Unknown output type float16`` (or ``bfloat16``) for
  anything else, which is how every mixed-precision LSTM step failed on an H200. On a CPU that lowering
  is never reached, so only a test that checks the dtype (``tests/test_precision_layers.py``) sees it.
* **TensorFlow**: the cuDNN kernel (``CudnnRNNV3``) exists for half, float and double, not bfloat16;
  a bfloat16 LSTM would fall back to the step-by-step loop, many times slower than float32 cuDNN.
* **PyTorch**: ``torch._VF.lstm`` runs cuDNN in float16 and in bfloat16 (measured on an H200:
  mixed_bfloat16 47 against 41 float32 training batches per second).
"""

from __future__ import annotations

import keras

__all__ = ["POLICIES", "RECURRENT_DTYPES", "policy_name", "recurrent_policy", "use_precision"]

POLICIES = {False: "float32", True: "mixed_float16", "float32": "float32",
            "mixed_float16": "mixed_float16", "mixed_bfloat16": "mixed_bfloat16"}  # fmt: skip
"""Accepted values of a notebook's ``mixed_precision`` parameter and the Keras policy each selects."""


def policy_name(mixed_precision: bool | str | None) -> str:
    """The Keras dtype policy a ``mixed_precision`` value selects (see :data:`POLICIES`).

    Parameters
    ----------
    mixed_precision
        ``False`` or ``"float32"`` (the default everywhere), ``True`` or ``"mixed_float16"``
        (GPUs), ``"mixed_bfloat16"`` (TPUs and recent GPUs, CPUs with AMX); ``None``: the global
        policy in force (:func:`use_precision`).

    Returns
    -------
    str
        The policy's name, e.g. ``"float32"``, ``"mixed_float16"`` or ``"mixed_bfloat16"``.

    Raises
    ------
    ValueError
        For any other value (``1`` and ``0`` included: a notebook parameter must be a bool or a name).
    """
    if mixed_precision is None:
        return keras.mixed_precision.global_policy().name
    key = mixed_precision if isinstance(mixed_precision, (bool, str)) else None
    if key not in POLICIES:
        choices = ", ".join(sorted(map(repr, POLICIES)))
        raise ValueError(f"mixed_precision must be one of {choices}, got {mixed_precision!r}")
    return POLICIES[key]


def use_precision(mixed_precision: bool | str) -> str:
    """Set the global Keras dtype policy for the models built after this call.

    Parameters
    ----------
    mixed_precision
        See :func:`policy_name`.

    Returns
    -------
    str
        The name of the policy now in force.

    Raises
    ------
    ValueError
        For a value :func:`policy_name` does not accept (the policy in force is then unchanged).
    """
    name = policy_name(mixed_precision)
    keras.mixed_precision.set_global_policy(name)
    return name


RECURRENT_DTYPES: dict[str, tuple[str, ...]] = {
    "tensorflow": ("float32", "float16"),
    "torch": ("float32", "float16", "bfloat16"),
    "jax": ("float32",),
}
"""Compute dtypes of each Keras backend's fused (cuDNN) LSTM; see the module docstring for the sources."""


def recurrent_policy(mixed_precision: bool | str | None, backend: str | None = None) -> str:
    """The dtype policy of a recurrent layer in a model built under ``mixed_precision``.

    Parameters
    ----------
    mixed_precision
        The model's precision (see :func:`policy_name`).
    backend
        Keras backend (default: the one in use).

    Returns
    -------
    str
        The model's policy where ``backend``'s fused LSTM computes in its compute dtype
        (:data:`RECURRENT_DTYPES`), else ``"float32"``: under ``mixed_bfloat16`` the LSTM computes in
        bfloat16 on PyTorch and in float32 on TensorFlow and JAX; under ``mixed_float16`` in float16 on
        TensorFlow and PyTorch and in float32 on JAX. A backend without a fused LSTM gets float32.
    """
    name = policy_name(mixed_precision)
    compute = keras.DTypePolicy(name).compute_dtype
    accepted = RECURRENT_DTYPES.get(backend or keras.backend.backend(), ("float32",))
    return name if compute in accepted else "float32"

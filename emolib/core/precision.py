"""Numeric precision of the Keras models: float32 everywhere, or mixed float16/bfloat16 on accelerators.

Mixed precision computes in 16 bits and keeps the variables in float32; on a GPU with tensor cores
(or a TPU, with bfloat16) it roughly halves memory and speeds up convolutions and recurrent layers.
Every model of emolib builds its output layer with ``dtype="float32"`` so that losses and metrics
stay in full precision whatever the policy.
"""

from __future__ import annotations

import keras

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

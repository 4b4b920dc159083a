"""The LSTM models of the thesis's Figures 3.11 and 3.12, in Keras 3 (backend-agnostic).

input → BatchNormalization → Dropout → LSTM(units, all steps) → Dropout → Dense per step, with

* ``task="va"``: 2 ``tanh`` outputs (valence, arousal), mean squared error;
* ``task="fear"``: 1 ``sigmoid`` output, binary cross-entropy (optionally focal). The thesis put a
  ``softmax`` on this single unit; a softmax over one unit is ``exp(z) / exp(z) = 1`` for every
  input, so that model could only ever say "fear" and its gradient was zero. A sigmoid is the
  one-unit form of the two-class softmax.

A *stateful* model has a fixed batch size ``B`` (one row per movie stream) and keeps each row's
LSTM state between calls; :func:`reset_rows` zeroes the state of the rows whose movie changes, so
the state of one movie never leaks into the next. A *stateless* model starts every sequence from
zero.

Keras keeps the state of a stateful recurrent layer in variables it does not track as the model's.
TensorFlow updates them in place, but the JAX backend runs every call as a pure function of the
model's tracked variables and drops the update, so the state would not pass from one call to the next.
:class:`StreamLSTM` holds the state in tracked non-trainable variables instead (like the moving
statistics of batch normalisation), which every backend carries from call to call; the computation
is the LSTM's own, unchanged.

Mixed precision: ``mixed_precision`` builds the layers under a mixed policy
(:func:`emolib.core.precision.policy_name`) with the output layer in float32, so the outputs, the loss
and its gradient scaling stay in full precision. The LSTM computes in the 16-bit type only where the
backend's cuDNN kernel accepts it (:func:`emolib.core.precision.recurrent_policy`: float32 on JAX,
float32 for bfloat16 on TensorFlow).
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
from keras import layers, ops
from numpy.typing import ArrayLike

from emolib.core.precision import policy_name, recurrent_policy

__all__ = [
    "TASKS",
    "Fitting",
    "StreamLSTM",
    "TaskSpec",
    "build_model",
    "lstm_layer",
    "make_optimizer",
    "reset_rows",
]


@dataclass(frozen=True)
class TaskSpec:
    """Output layer and loss of a task."""

    outputs: int
    activation: str
    loss: str
    targets: tuple[str, ...]


TASKS: dict[str, TaskSpec] = {
    "va": TaskSpec(2, "tanh", "mean_squared_error", ("valence", "arousal")),
    "fear": TaskSpec(1, "sigmoid", "binary_crossentropy", ("fear",)),
}
"""The two sub-tasks of MediaEval 2017."""

OPTIMIZERS = ("adam", "rmsprop", "sgd", "adadelta", "adamax", "adagrad", "nadam")
"""Optimizers the thesis tried (Table 4.6) and a few more, by Keras name."""


def make_optimizer(
    name: str, learning_rate: float, clipnorm: float | None = 1.0
) -> keras.optimizers.Optimizer:
    """A fresh Keras optimizer by name (see :data:`OPTIMIZERS`), with gradient clipping by norm."""
    key = name.lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    config: dict[str, object] = {"learning_rate": float(learning_rate)}
    if clipnorm:
        config["clipnorm"] = float(clipnorm)
    return keras.optimizers.get({"class_name": key, "config": config})


@keras.saving.register_keras_serializable(package="emolib")
class StreamLSTM(layers.LSTM):
    """A stateful :class:`keras.layers.LSTM` whose state is carried between calls on every backend.

    The state (h and c, ``(batch_size, units)`` each) lives in tracked non-trainable variables, which
    the JAX trainer returns from each step, unlike the untracked variables of Keras's own stateful
    layers. They are not among :attr:`weights`: a stateful model and a stateless one of any batch size
    exchange weights with ``set_weights(get_weights())``.
    """

    def build(self, sequences_shape: tuple[int | None, ...], initial_state_shape: object = None) -> None:
        super().build(sequences_shape, initial_state_shape)
        if self.stateful:
            self.states = [
                self.add_weight(shape=tuple(v.shape), initializer="zeros", dtype=v.dtype, trainable=False,
                                name=f"stream_state_{i}")
                for i, v in enumerate(self.states)
            ]  # fmt: skip

    def inner_loop(self, sequences, initial_state, mask, training=False):  # noqa: ANN001, ANN201
        """Keras's loop, fed a copy of the carried state.

        The state variables are overwritten at the end of the call, before the backward pass; the
        PyTorch backend's LSTM reads the variables' own storage, so without the copy its autograd
        would find a tensor it needs modified in place.
        """
        if self.stateful:
            initial_state = [ops.copy(s) for s in initial_state]
        return super().inner_loop(sequences, initial_state, mask, training=training)

    @property
    def weights(self) -> list[keras.Variable]:
        """The LSTM's weights without its state."""
        state = {id(v) for v in self.states or ()}
        return [w for w in super().weights if id(w) not in state]


@dataclass(frozen=True)
class Fitting:
    """How a model is compiled and in which precision it computes.

    Attributes
    ----------
    fear_loss
        ``"bce"`` (binary cross-entropy; class weights come as sample weights) or ``"focal"``.
    focal_gamma
        Focusing parameter of the focal loss.
    optimizer, learning_rate
        See :func:`make_optimizer`.
    mixed_precision
        Dtype policy of the layers (see :func:`emolib.core.precision.policy_name`; ``None``: the global
        policy). The output layer computes in float32 whatever the policy, the LSTM in the dtype its
        backend's cuDNN kernel accepts (:func:`emolib.core.precision.recurrent_policy`), and under
        ``mixed_float16`` the optimizer scales the loss (:class:`keras.optimizers.LossScaleOptimizer`).
    """

    fear_loss: str = "bce"
    focal_gamma: float = 2.0
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    mixed_precision: bool | str | None = None


def build_model(
    n_features: int,
    task: str = "va",
    units: int = 512,
    dropout: float = 0.5,
    batch_size: int | None = None,
    chunk: int | None = None,
    stateful: bool = True,
    seed: int | None = None,
    compile: bool = True,
    fitting: Fitting | None = None,
) -> keras.Model:
    """Build and compile the model of Figure 3.11 (``va``) or 3.12 (``fear``).

    Parameters
    ----------
    n_features
        Width of a step's feature vector.
    task
        ``"va"`` or ``"fear"``.
    units
        LSTM cells (the thesis: 256, 512, 1024).
    dropout
        Rate of both dropout layers.
    batch_size, chunk
        Fixed batch size and steps per call of a stateful model (``chunk`` may be ``None``).
    stateful
        Keep each row's state between calls (needs ``batch_size``).
    seed
        Seeds the weight initialisers and dropout.
    compile
        Compile with the optimizer and loss (``False`` for a model that only predicts).
    fitting
        Loss, optimizer and precision (:class:`Fitting`; default: its defaults).

    Returns
    -------
    keras.Model
        With inputs ``(batch, steps, n_features)`` and outputs ``(batch, steps, k)``.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
    if stateful and not batch_size:
        raise ValueError("a stateful model needs a fixed batch_size")
    spec, fit = TASKS[task], fitting or Fitting()
    if seed is not None:
        keras.utils.set_random_seed(int(seed))
    policy = policy_name(fit.mixed_precision)
    shape = (batch_size if stateful else None, chunk, int(n_features))
    inputs = keras.Input(batch_shape=shape, name="features")
    x = layers.BatchNormalization(name="normalization", dtype=policy)(inputs)
    x = layers.Dropout(dropout, name="dropout_in", dtype=policy)(x)
    lstm = StreamLSTM if stateful else layers.LSTM
    x = lstm(units, return_sequences=True, stateful=stateful, name="lstm", dtype=recurrent_policy(policy))(x)
    x = layers.Dropout(dropout, name="dropout_out", dtype=policy)(x)
    outputs = layers.Dense(spec.outputs, activation=spec.activation, name="fc", dtype="float32")(x)
    model = keras.Model(inputs, outputs, name=f"lstm_{task}")
    if task == "fear" and fit.fear_loss == "focal":
        loss: object = keras.losses.BinaryFocalCrossentropy(gamma=fit.focal_gamma)
    elif task == "fear" and fit.fear_loss != "bce":
        raise ValueError(f"fear_loss must be 'bce' or 'focal', got {fit.fear_loss!r}")
    else:
        loss = spec.loss
    if compile:
        opt = make_optimizer(fit.optimizer, fit.learning_rate)
        if policy == "mixed_float16":  # float16 gradients underflow without loss scaling
            opt = keras.optimizers.LossScaleOptimizer(opt)
        model.compile(optimizer=opt, loss=loss, auto_scale_loss=False)  # not from the global policy
    return model


def lstm_layer(model: keras.Model) -> layers.LSTM:
    """The LSTM layer of a model built by :func:`build_model`."""
    return model.get_layer("lstm")


def reset_rows(model: keras.Model, rows: ArrayLike) -> None:
    """Zero the LSTM state (h and c) of the batch rows where ``rows`` is true; keep the others.

    Parameters
    ----------
    model
        A stateful model of :func:`build_model` that has been called at least once (or just built).
    rows
        Boolean ``(batch_size,)``.
    """
    layer = lstm_layer(model)
    if not layer.stateful:
        return
    mask = np.asarray(rows, dtype=bool)
    if not mask.any():
        return
    if layer.states is None:  # never called: the state is created as zeros on the first call
        return
    keep = ops.convert_to_tensor((~mask).astype("float32")[:, None])
    if mask.all():
        layer.reset_state()
        return
    for state in layer.states:
        state.assign(ops.multiply(state.value, ops.cast(keep, state.dtype)))

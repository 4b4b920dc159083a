"""The networks of Study B (Keras 3, backend-agnostic): the 3D convolutional autoencoder of the
paper's Figure 8, the scene-label and compound heads on its frozen encoder (Figure 9), and the
audio network.

Layer names are stable (``enc_conv1``, ``enc_bn1``, ``enc_relu1``, ``enc_pool1``, ``enc_conv2``, ...)
because the activation maps of notebook 06 and the tests refer to them.

Optimiser. The paper used Keras 2's ``Adadelta`` with its defaults of the time (learning rate 1.0,
rho 0.95). Keras 3 changed the default learning rate to 0.001, which barely moves the weights in
the paper's epoch counts, so :func:`adadelta` restores the historical setting.

Parameter count. With batch normalisation the autoencoder has 227,331 parameters, exactly the
paper's figure: 2,624 + 55,360 (encoder convolutions) + 110,656 + 55,328 + 2,595 (decoder
convolutions) + 768 for four batch-normalisation layers (32 + 64 + 64 + 32 channels x 4: gamma,
beta, moving mean, moving variance). The paper calls them all "trainable weights"; in Keras 384 of
them (the moving statistics) are not trained by gradient descent.

Weight decay. The paper's heads and audio network have no regularisation. On a small sample (a few
dozen distinct sequences) they memorise noise within a few epochs, so every dense hidden layer can
take an L2 penalty (``l2``, 0 by default: the paper's networks unchanged).

Two heads (``head``). ``"paper"``: the paper's Figure 9, Flatten of the 64,512-value code, a wide
dense layer with batch normalisation, then the output. ``"pooled"`` (beyond the paper, which names
its small datasets as its main weakness): the code is averaged and max-pooled over time and space
(64 + 64 values: how much, and how strongly somewhere, each of the 64 code filters responds) and
averaged over time in each cell of a coarse :data:`LAYOUT_GRID` of the frame (3 bands x 2 halves x
64 = 384 values: *where* each filter responds, e.g. two faces side by side, a horizon, a dark lower
band), standardised with the training sequences' statistics (every scale floored, so that a filter
silent in training cannot explode elsewhere: :func:`pooled_statistics`), then a dropout and one
output layer with weight decay: a regularised linear read-out of 512 values, 126 times fewer weights
per output than the flat code. Its weights start at zero and its output bias can start at the
baseline (``output_bias``: the logit of each label's training prevalence, or each compound's
training mean), so before training it *is* the baseline predictor, and training moves it away
only as far as the data support. The compound version is a ridge regression (squared error,
weight decay at ridge scale, Adam); the label version a logistic regression (binary cross-entropy,
Adadelta, as the paper's heads).

Precision. Every output layer is built with ``dtype="float32"``, so that losses and scores stay in
full precision under a mixed-precision policy (:func:`emolib.core.precision.use_precision`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np
from keras import layers
from numpy.typing import ArrayLike, NDArray

from emolib.studyb import HEADS

__all__ = [
    "CODE_SHAPE",
    "HEADS",
    "LAYOUT_GRID",
    "PAPER_AUTOENCODER_PARAMS",
    "POOLED_VOC_L2",
    "POOLED_VOC_LEARNING_RATE",
    "SEQUENCE_SHAPE",
    "adadelta",
    "build_audio_mlp",
    "build_autoencoder",
    "build_label_head",
    "build_voc_head",
    "encoder_layer_names",
    "extract_encoder",
    "freeze",
    "pool_code",
    "pooled_statistics",
    "prevalence_logits",
]

SEQUENCE_SHAPE: tuple[int, int, int, int] = (30, 36, 64, 3)
"""One 30 s sequence at 1 fps, 64x36 RGB: (frames, height, width, channels)."""
CODE_SHAPE: tuple[int, int, int, int] = (7, 9, 16, 64)
"""The encoded representation: 7 x 9 x 16 x 64 = 64,512 values."""
PAPER_AUTOENCODER_PARAMS = 227_331
"""Weights of the autoencoder with batch normalisation, as the paper counts them (section III-B)."""
LAYOUT_GRID: tuple[int, int] = (3, 2)
"""Rows and columns of the regions over which the ``pooled`` head averages each code filter.

On the tiny and full synthetic samples (l20, a logistic read-out per label), adding this layout to
the global mean and maximum raised the mean test AUC of the scene labels from about 0.70 to 0.77-0.79
(3 x 4 cells did no better than 3 x 2, 2 x 2 less well); in the trained Keras head, 0.70 to 0.73."""
POOLED_VOC_LEARNING_RATE = 0.001
"""Adam's step size for the ``pooled`` compound head (a ridge regression trained by gradient)."""
POOLED_VOC_L2 = 10.0
"""Weight decay of the ``pooled`` compound head's read-out, at the scale of ridge regression.

Keras adds ``l2 * ||w||^2`` to the *mean* squared error, so ``l2`` is ridge's penalty divided by the
number of training rows. On the tiny sample the ridge penalty that predicted the validation rows
best was about 3,000 for 290 rows, i.e. ``l2`` about 10; the label heads' 0.1 left the read-out
free to fit the compounds' noise."""
AUDIO_HIDDEN: tuple[int, int] = (280, 300)
"""Hidden layer sizes of the audio network."""


def adadelta(
    learning_rate: float = 1.0, rho: float = 0.95, epsilon: float = 1e-7
) -> keras.optimizers.Adadelta:
    """Adadelta with the Keras 2 defaults the paper trained with (see the module docstring)."""
    return keras.optimizers.Adadelta(learning_rate=learning_rate, rho=rho, epsilon=epsilon)


def _conv_block(
    x: keras.KerasTensor, filters: int, stem: str, index: int, batch_norm: bool
) -> keras.KerasTensor:
    """Conv3D(3x3x3, same) [+ BatchNorm] + ReLU, with stable names."""
    x = layers.Conv3D(filters, 3, padding="same", name=f"{stem}_conv{index}")(x)
    if batch_norm:
        x = layers.BatchNormalization(name=f"{stem}_bn{index}")(x)
    return layers.Activation("relu", name=f"{stem}_relu{index}")(x)


def _pad_time(x: keras.KerasTensor, before: int, after: int) -> keras.KerasTensor:
    """Add ``before`` and ``after`` blank (zero) frames on the time axis: ZeroPadding3D, built by hand.

    TensorFlow 2.21's oneDNN graph rewrite fuses a ``ZeroPadding3D`` into the following ``Conv3D``
    and then computes a wrong output shape in inference graphs (28x34x62 instead of 30x36x64), so
    ``evaluate``/``predict`` fail. The same zero frames are made here from a one-frame crop scaled
    by 0 and concatenated: identical values, no weights, standard layers only (safe-mode loadable).
    """
    frames = x.shape[1]
    one = layers.Cropping3D(((0, frames - 1), (0, 0), (0, 0)), name="dec_pad_frame")(x)
    blank = layers.Rescaling(0.0, name="dec_pad_blank")(one)
    parts = [blank] * before + [x] + [blank] * after
    return layers.Concatenate(axis=1, name="dec_pad_time")(parts)


def build_autoencoder(
    batch_norm: bool = True,
    input_shape: tuple[int, int, int, int] = SEQUENCE_SHAPE,
    compile_model: bool = True,
) -> keras.Model:
    """The 3D convolutional autoencoder of the paper's Figure 8.

    Encoder: Conv3D(32) [+ BN] + ReLU, MaxPool3D(2), Conv3D(64) [+ BN] + ReLU, MaxPool3D(2) (layer
    ``code``). Decoder: Conv3D(64) [+ BN] + ReLU, UpSampling3D(2), Conv3D(32) [+ BN] + ReLU,
    UpSampling3D(2), zero padding of the time axis (pooling floors 30 -> 15 -> 7, so 28 frames come
    back and one blank frame is added at each end), Conv3D(3, sigmoid). Every kernel is 3x3x3
    with zero padding.

    Parameters
    ----------
    batch_norm
        Put a batch-normalisation layer after every convolution but the last (the paper's setting).
    input_shape
        (frames, height, width, channels). The time padding is computed so that the output has the
        input's shape; height and width must be multiples of 4.
    compile_model
        Compile with binary cross-entropy and :func:`adadelta`.

    Returns
    -------
    keras.Model
        Named ``autoencoder_bn`` or ``autoencoder_nobn``; input and output of shape ``input_shape``.
    """
    frames, height, width, _ = input_shape
    if height % 4 or width % 4:
        raise ValueError(f"height and width must be multiples of 4, got {input_shape}")
    inputs = keras.Input(shape=input_shape, name="frames")
    x = _conv_block(inputs, 32, "enc", 1, batch_norm)
    x = layers.MaxPooling3D(2, name="enc_pool1")(x)
    x = _conv_block(x, 64, "enc", 2, batch_norm)
    code = layers.MaxPooling3D(2, name="code")(x)
    x = _conv_block(code, 64, "dec", 1, batch_norm)
    x = layers.UpSampling3D(2, name="dec_up1")(x)
    x = _conv_block(x, 32, "dec", 2, batch_norm)
    x = layers.UpSampling3D(2, name="dec_up2")(x)
    missing = frames - (frames // 2 // 2) * 4
    if missing:
        x = _pad_time(x, missing // 2, missing - missing // 2)
    outputs = layers.Conv3D(
        input_shape[-1], 3, padding="same", activation="sigmoid", dtype="float32", name="reconstruction"
    )(x)
    model = keras.Model(inputs, outputs, name="autoencoder_bn" if batch_norm else "autoencoder_nobn")
    if compile_model:
        model.compile(optimizer=adadelta(), loss="binary_crossentropy")
    return model


def encoder_layer_names(model: keras.Model) -> list[str]:
    """Names of the encoder's layers in ``model``, input excluded, up to and including ``code``."""
    names = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        names.append(layer.name)
        if layer.name == "code":
            return names
    raise ValueError(f"model {model.name!r} has no layer named 'code'")


def extract_encoder(autoencoder: keras.Model) -> keras.Model:
    """The encoder of a trained autoencoder as its own model (layers and weights shared)."""
    # one input tensor, not a list of one: the encoder is called with one array of sequences
    return keras.Model(autoencoder.inputs[0], autoencoder.get_layer("code").output, name="encoder")


def freeze(model: keras.Model) -> keras.Model:
    """Freeze every layer of ``model`` (batch normalisation then runs in inference mode)."""
    model.trainable = False
    for layer in model.layers:
        layer.trainable = False
    return model


def _frozen_code(encoder: keras.Model) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """A new input passed through ``encoder``'s layers one by one, all frozen.

    The head is built *flat* (the encoder's layers called on a new input rather than the encoder
    nested as one layer) so that saliency methods can reach every intermediate output.
    """
    freeze(encoder)
    inputs = keras.Input(shape=encoder.input_shape[1:], name="frames")
    x = inputs
    for name in encoder_layer_names(encoder):
        x = encoder.get_layer(name)(x)
    return inputs, x


def _l2(l2: float) -> keras.regularizers.Regularizer | None:
    """An L2 weight penalty of factor ``l2``, or none for 0."""
    if l2 < 0:
        raise ValueError(f"l2 must be non-negative, got {l2}")
    return keras.regularizers.L2(l2) if l2 > 0 else None


def _layout_pool(code_shape: tuple[int, ...]) -> tuple[int, int, int]:
    """Pool size over (time, height, width) that leaves the :data:`LAYOUT_GRID` cells of a code."""
    t, h, w = (int(d) for d in code_shape[:3])
    rows, cols = LAYOUT_GRID
    if h % rows or w % cols:
        raise ValueError(f"a code of {h} x {w} cells cannot be cut into a {rows} x {cols} layout grid")
    return t, h // rows, w // cols


def pool_code(codes: ArrayLike) -> NDArray[np.float32]:
    """What the pooled head reads: global and per-region summaries of every code filter.

    Parameters
    ----------
    codes
        ``(n, 7, 9, 16, 64)`` codes (any ``(n, t, h, w, filters)`` whose height and width the
        :data:`LAYOUT_GRID` divides).

    Returns
    -------
    numpy.ndarray
        float32 ``(n, (2 + rows * cols) * filters)``, in the order of the head's layers: the mean of
        each filter over time and space, its maximum, then its mean over time in each cell of the
        layout grid (cells row by row, filters within a cell).
    """
    c = np.asarray(codes, dtype=np.float32)
    n, f = c.shape[0], c.shape[-1]
    _, ph, pw = _layout_pool(c.shape[1:])
    rows, cols = LAYOUT_GRID
    cells = c.mean(axis=1).reshape(n, rows, ph, cols, pw, f).mean(axis=(2, 4)).reshape(n, rows * cols * f)
    return np.concatenate([c.mean(axis=(1, 2, 3)), c.max(axis=(1, 2, 3)), cells], axis=1)


def pooled_statistics(
    train_codes: ArrayLike, floor: float = 0.1
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Mean and variance that standardise the pooled features, with a floor on every scale.

    A code filter that is (nearly) silent on every training sequence has a (nearly) zero standard
    deviation; dividing by it turns the filter's first response on another sequence into a
    standardised value of thousands, and a read-out trained on the training sequences then predicts
    nonsense there. Every standard deviation is therefore at least ``floor`` times the median
    standard deviation of the features that vary.

    Parameters
    ----------
    train_codes
        Codes of the training sequences, ``(n, t, h, w, filters)``.
    floor
        Smallest standard deviation, as a fraction of the median one.

    Returns
    -------
    tuple of numpy.ndarray
        float32 mean and variance of every pooled feature, in the order of :func:`pool_code`.
    """
    if floor < 0:
        raise ValueError(f"floor must be non-negative, got {floor}")
    pooled = pool_code(train_codes).astype(np.float64)
    mean, sd = pooled.mean(axis=0), pooled.std(axis=0)
    varying = sd[sd > 0]
    smallest = floor * float(np.median(varying)) if varying.size else 1.0
    sd = np.maximum(sd, smallest)
    return mean.astype(np.float32), (sd**2).astype(np.float32)


def prevalence_logits(y_train: ArrayLike, floor: float = 0.01) -> NDArray[np.float64]:
    """Logit of each label's training prevalence (clipped to ``[floor, 1 - floor]``): a sigmoid bias."""
    p = np.clip(np.asarray(y_train, dtype=np.float64).mean(axis=0), floor, 1.0 - floor)
    return np.log(p / (1.0 - p))


def _output_layer(
    n_outputs: int, activation: str | None, l2: float, bias: ArrayLike | None, zero_kernel: bool = False
) -> layers.Dense:
    """The output layer of a head, in float32, its bias optionally set to a baseline."""
    init = "zeros" if bias is None else keras.initializers.Constant(np.asarray(bias, dtype=np.float32))
    return layers.Dense(
        n_outputs,
        activation=activation,
        kernel_initializer="zeros" if zero_kernel else "glorot_uniform",
        kernel_regularizer=_l2(l2),
        bias_initializer=init,
        dtype="float32",
        name="output",
    )


def _paper_top(
    code_shape: tuple[int, ...], units: int, bn_momentum: float, l2: float
) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """Flatten, Dense(``units``, ReLU) + BatchNorm: the paper's hidden part (Figure 9)."""
    top_in = keras.Input(shape=code_shape, name="code_in")
    x = layers.Flatten(name="flatten")(top_in)
    x = layers.Dense(units, activation="relu", kernel_regularizer=_l2(l2), name="hidden")(x)
    return top_in, layers.BatchNormalization(momentum=bn_momentum, name="hidden_bn")(x)


def _pooled_top(
    code_shape: tuple[int, ...], train_codes: ArrayLike | None, dropout: float
) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """Global mean and max and layout-grid pooling of the code, standardised (``train_codes``), dropout."""
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    top_in = keras.Input(shape=code_shape, name="code_in")
    mean = layers.GlobalAveragePooling3D(name="pool_mean")(top_in)
    peak = layers.GlobalMaxPooling3D(name="pool_max")(top_in)
    cells = layers.AveragePooling3D(pool_size=_layout_pool(code_shape), name="pool_layout")(top_in)
    cells = layers.Flatten(name="layout")(cells)
    x = layers.Concatenate(name="pooled")([mean, peak, cells])
    standardise = layers.Normalization(name="standardise")
    n = (2 + LAYOUT_GRID[0] * LAYOUT_GRID[1]) * code_shape[-1]
    # no statistics given: the identity (mean 0, variance 1)
    mean, variance = (np.zeros(n, np.float32), np.ones(n, np.float32))
    if train_codes is not None:
        mean, variance = pooled_statistics(train_codes)
    standardise.build((None, n))
    standardise.adapt_mean.assign(mean)
    standardise.adapt_variance.assign(variance)
    standardise.finalize_state()
    x = standardise(x)
    return top_in, layers.Dropout(dropout, name="dropout")(x)


@dataclass(frozen=True)
class _Top:
    """The trainable part of a head on the frozen encoder (see :func:`build_label_head`)."""

    head: str
    units: int
    bn_momentum: float
    l2: float
    dropout: float
    train_codes: ArrayLike | None
    output_bias: ArrayLike | None


def _head(
    encoder: keras.Model, n_outputs: int, activation: str | None, name: str, top_spec: _Top
) -> keras.Model:
    """Frozen encoder layers, then the trainable ``top`` (a nested model from the code to the output).

    Because the encoder is frozen (and its batch normalisation runs in inference mode), training
    ``model.get_layer("top")`` on pre-computed codes is the same as training the whole head on
    frames, at a fraction of the cost: see :func:`emolib.studyb.experiments.run_experiment`.
    """
    t = top_spec
    if t.head not in HEADS:
        raise ValueError(f"unknown head {t.head!r}; expected one of {HEADS}")
    inputs, code = _frozen_code(encoder)
    code_shape = tuple(code.shape[1:])
    if t.head == "paper":
        top_in, x = _paper_top(code_shape, t.units, t.bn_momentum, t.l2)
        outputs = _output_layer(n_outputs, activation, 0.0, t.output_bias)(x)
    else:
        top_in, x = _pooled_top(code_shape, t.train_codes, t.dropout)
        # a linear read-out: zero weights are a valid start (no hidden units to tell apart), and the
        # untrained head is then exactly the constant its output bias says
        outputs = _output_layer(n_outputs, activation, t.l2, t.output_bias, zero_kernel=True)(x)
    top = keras.Model(top_in, outputs, name="top")
    return keras.Model(inputs, top(code), name=name)


def _compile(
    model: keras.Model, loss: str, optimizer: Callable[[], keras.optimizers.Optimizer] = adadelta
) -> keras.Model:
    """Compile a head and its trainable ``top`` with ``loss`` and a fresh ``optimizer()`` each."""
    model.compile(optimizer=optimizer(), loss=loss)
    model.get_layer("top").compile(optimizer=optimizer(), loss=loss)
    return model


def _pooled_voc_optimizer() -> keras.optimizers.Optimizer:
    """Adam at :data:`POOLED_VOC_LEARNING_RATE`: the ``pooled`` compound head's optimizer."""
    return keras.optimizers.Adam(POOLED_VOC_LEARNING_RATE)


def build_label_head(
    encoder: keras.Model,
    n_labels: int,
    units: int = 1024,
    bn_momentum: float = 0.99,
    l2: float = 0.0,
    head: str = "paper",
    dropout: float = 0.0,
    train_codes: ArrayLike | None = None,
    output_bias: ArrayLike | None = None,
) -> keras.Model:
    """Scene-label classifier on the frozen encoder, sigmoid outputs, binary cross-entropy, Adadelta.

    Parameters
    ----------
    encoder
        The pre-trained encoder; its layers are frozen in place.
    n_labels
        Number of labels.
    units
        ``paper`` head: width of the hidden layer (the paper: 1024).
    bn_momentum
        ``paper`` head: momentum of its batch normalisation. Keras's default 0.99 needs a few
        hundred updates before the moving statistics used at inference settle; short runs use less.
    l2
        Weight decay: of the hidden layer (``paper``), of the output layer (``pooled``); 0: none.
    head
        ``"paper"`` (Figure 9-a: Flatten, Dense(``units``, ReLU) + BatchNorm, Dense(sigmoid)) or
        ``"pooled"`` (see the module docstring).
    dropout
        ``pooled`` head: dropout rate on the pooled features.
    train_codes
        ``pooled`` head: codes of the training sequences, to standardise the pooled features.
    output_bias
        Initial output bias (e.g. :func:`prevalence_logits` of the training labels); ``None``: 0.

    Returns
    -------
    keras.Model
        ``label_head``: frames to label scores; the trainable part is the nested model ``top``.
    """
    top = _Top(head, units, bn_momentum, l2, dropout, train_codes, output_bias)
    model = _head(encoder, n_labels, "sigmoid", "label_head", top)
    return _compile(model, "binary_crossentropy")


def build_voc_head(
    encoder: keras.Model,
    n_outputs: int = 6,
    units: int = 512,
    bn_momentum: float = 0.99,
    l2: float = 0.0,
    head: str = "paper",
    dropout: float = 0.0,
    train_codes: ArrayLike | None = None,
    output_bias: ArrayLike | None = None,
) -> keras.Model:
    """Compound regressor on the frozen encoder: linear outputs.

    ``head="paper"`` is Figure 9-b: Flatten, Dense(``units``, ReLU) + BatchNorm, Dense(6), trained
    as the paper did (mean absolute error, Adadelta). ``head="pooled"`` is a ridge regression on the
    standardised pooled code trained by gradient: squared error, Adam
    (:data:`POOLED_VOC_LEARNING_RATE`), and ``l2`` on the read-out at ridge scale (see
    :data:`POOLED_VOC_L2`); with only a few hundred noisy rows, a read-out trained on absolute
    errors moved by a few noisy signs at a time and its validation score never settled. The other
    parameters are those of :func:`build_label_head`; ``output_bias`` would be the training mean.
    """
    top = _Top(head, units, bn_momentum, l2, dropout, train_codes, output_bias)
    model = _head(encoder, n_outputs, None, "voc_head", top)
    if head == "pooled":
        return _compile(model, "mean_squared_error", _pooled_voc_optimizer)
    return _compile(model, "mean_absolute_error")


def build_audio_mlp(
    n_outputs: int,
    task: str = "labels",
    n_features: int = 193,
    normaliser: keras.layers.Normalization | None = None,
    l2: float = 0.0,
    loss: keras.losses.Loss | None = None,
) -> keras.Model:
    """The audio network: 193 -> 280 -> 300 (tanh) -> ``n_outputs`` (sigmoid for labels, linear for VOCs).

    Parameters
    ----------
    n_outputs
        Number of labels, or 6 compounds.
    task
        ``"labels"`` (sigmoid, binary cross-entropy) or ``"vocs"`` (linear, mean absolute error).
    n_features
        Input width.
    normaliser
        An adapted :class:`keras.layers.Normalization` (fit on the *training* features only) put in
        front, so the saved model standardises its own input. The librosa features span orders of
        magnitude (mel powers vs. tonnetz), which saturates tanh units without it; the paper does
        not say how it scaled them.
    l2
        Weight decay of the two hidden layers (0: the paper's network).
    loss
        In place of the paper's loss (binary cross-entropy or mean absolute error), e.g. a
        :class:`~emolib.studyb.losses.LabelBalancedCrossentropy`.

    Returns
    -------
    keras.Model
        Compiled with :func:`adadelta`.
    """
    if task not in ("labels", "vocs"):
        raise ValueError(f"task must be 'labels' or 'vocs', got {task!r}")
    inputs = keras.Input(shape=(n_features,), name="audio")
    x = normaliser(inputs) if normaliser is not None else inputs
    for i, units in enumerate(AUDIO_HIDDEN, start=1):
        x = layers.Dense(units, activation="tanh", kernel_regularizer=_l2(l2), name=f"hidden{i}")(x)
    if task == "labels":
        outputs = layers.Dense(n_outputs, activation="sigmoid", dtype="float32", name="output")(x)
        paper_loss = "binary_crossentropy"
    else:
        outputs = layers.Dense(n_outputs, dtype="float32", name="output")(x)
        paper_loss = "mean_absolute_error"
    model = keras.Model(inputs, outputs, name=f"audio_{task}")
    model.compile(optimizer=adadelta(), loss=paper_loss if loss is None else loss)
    return model

"""Visual extractor ``c3d``: the C3D network of the thesis's Figure 3.9, features from fc6 (4096-d).

The architecture is the Sports-1M C3D of Tran et al. as ported to Keras by Montes et al. and listed
in Figure 3.9 of the thesis: eight 3 × 3 × 3 convolutions (conv1 … conv5b), five max-poolings, a
zero padding before pool5, fc6 and fc7 of 4096 units and fc8 with the 487 Sports-1M classes,
79 991 015 parameters. The figure is channels-first Theano (``(None, 64, 16, 112, 112)``); here it is
channels-last Keras 3, input ``(16, 112, 112, 3)``, with the same layers, names, output sizes and
parameter counts (:data:`FIGURE_3_9`).

Input preparation (recorded as parameters): frames as float32 in [0, 255], in ``channel_order``
(``"rgb"`` or ``"bgr"``; the Caffe-trained Sports-1M weights expect BGR), minus ``mean`` (one value
per channel, in that order). Users of a converted Sports-1M file should set the mean their weights
were trained with. Clips are 112 × 112 resized frames (the thesis's preprocessing), not the 128 × 171
resize-and-crop of the original C3D release. The clips travel to the device as decoded, ``uint8``,
and that preparation runs there, as the first layer of the extractor's model
(:class:`emolib.features.on_device.ClipInput`); on a GPU a batch is 128 clips.
"""

from __future__ import annotations

from typing import Any, ClassVar

from emolib.media.alignment import STEP_FRAMES

from ._keras import KerasExtractor

INPUT_SHAPE = (STEP_FRAMES, 112, 112, 3)
"""Channels-last input of one clip: frames, height, width, channels."""
N_CLASSES = 487
"""Sports-1M classes (fc8)."""

FIGURE_3_9: tuple[tuple[str, str, tuple[int, ...], int], ...] = (
    ("conv1", "Conv3D", (16, 112, 112, 64), 5248),
    ("pool1", "MaxPooling3D", (16, 56, 56, 64), 0),
    ("conv2", "Conv3D", (16, 56, 56, 128), 221312),
    ("pool2", "MaxPooling3D", (8, 28, 28, 128), 0),
    ("conv3a", "Conv3D", (8, 28, 28, 256), 884992),
    ("conv3b", "Conv3D", (8, 28, 28, 256), 1769728),
    ("pool3", "MaxPooling3D", (4, 14, 14, 256), 0),
    ("conv4a", "Conv3D", (4, 14, 14, 512), 3539456),
    ("conv4b", "Conv3D", (4, 14, 14, 512), 7078400),
    ("pool4", "MaxPooling3D", (2, 7, 7, 512), 0),
    ("conv5a", "Conv3D", (2, 7, 7, 512), 7078400),
    ("conv5b", "Conv3D", (2, 7, 7, 512), 7078400),
    ("zeropadding3d", "ZeroPadding3D", (2, 9, 9, 512), 0),
    ("pool5", "MaxPooling3D", (1, 4, 4, 512), 0),
    ("flatten", "Flatten", (8192,), 0),
    ("fc6", "Dense", (4096,), 33558528),
    ("dropout", "Dropout", (4096,), 0),
    ("fc7", "Dense", (4096,), 16781312),
    ("dropout_1", "Dropout", (4096,), 0),
    ("fc8", "Dense", (487,), 1995239),
)
"""Figure 3.9 in channels-last order: (layer name, type, output shape without batch, parameters).

The figure names both dropout layers ``dropout``; Keras needs unique names, so the second is
``dropout_1``. The conv1 count (5248 = 3·3·3·3·64 + 64) is cut off in the text of the figure and
follows from the total it prints, 79 991 015."""
TOTAL_PARAMS = 79_991_015
"""Parameter count printed under Figure 3.9."""


def build_c3d(n_classes: int = N_CLASSES, width: float = 1.0) -> Any:
    """The C3D model of Figure 3.9, channels-last, with randomly initialised weights.

    Parameters
    ----------
    n_classes
        Units of fc8.
    width
        Multiplies every layer's filters and units (1: the figure's network; small values make
        the tiny networks of the weight-conversion tests).

    Returns
    -------
    keras.Model
        Input ``(None, 16, 112, 112, 3)``, output ``(None, n_classes)`` softmax.
    """
    import keras
    from keras import layers

    def conv(filters: int, name: str) -> Any:
        return layers.Conv3D(max(1, round(filters * width)), 3, padding="same", activation="relu", name=name)

    def dense(units: int, name: str, activation: str = "relu") -> Any:
        return layers.Dense(max(1, round(units * width)), activation=activation, name=name)

    def pool(name: str, temporal: int = 2) -> Any:
        size = (temporal, 2, 2)
        return layers.MaxPooling3D(pool_size=size, strides=size, padding="valid", name=name)

    stack = [
        conv(64, "conv1"),
        pool("pool1", temporal=1),
        conv(128, "conv2"),
        pool("pool2"),
        conv(256, "conv3a"),
        conv(256, "conv3b"),
        pool("pool3"),
        conv(512, "conv4a"),
        conv(512, "conv4b"),
        pool("pool4"),
        conv(512, "conv5a"),
        conv(512, "conv5b"),
        layers.ZeroPadding3D(padding=(0, 1, 1), name="zeropadding3d"),
        pool("pool5"),
        layers.Flatten(name="flatten"),
        dense(4096, "fc6"),
        layers.Dropout(0.5, name="dropout"),
        dense(4096, "fc7"),
        layers.Dropout(0.5, name="dropout_1"),
        layers.Dense(n_classes, activation="softmax", name="fc8"),
    ]
    inputs = keras.Input(INPUT_SHAPE, name="clip")
    x = inputs
    for layer in stack:
        x = layer(x)
    return keras.Model(inputs, x, name="c3d")


class C3D(KerasExtractor):
    """4096-d fc6 activations (after ReLU) of C3D for every 16-frame clip.

    Parameters
    ----------
    weights
        Local weights file of the full model (fc8 included), e.g. Sports-1M weights converted to
        channels-last Keras; see :meth:`KerasExtractor.load_weights`.
    random_weights
        Run untrained (seeded by ``seed``); the store then records ``weights="random"``.
    **params
        ``batch`` (clips per inference batch), ``seed``, ``channel_order`` (``"rgb"``/``"bgr"``),
        ``mean`` (three values subtracted per channel, in ``channel_order``).
    """

    name = "c3d"
    version = "1"
    modality = "visual"
    feature_layer = "fc6"
    batch_hint = 32
    step_shape = INPUT_SHAPE
    step_dtype = "uint8"
    gpu_batch = 128
    defaults: ClassVar[dict[str, Any]] = {
        "batch": 8,
        "seed": 0,
        "channel_order": "rgb",
        "mean": [0.0, 0.0, 0.0],
    }

    def __init__(self, weights: Any = None, random_weights: bool = False, **params: Any) -> None:
        order = params.get("channel_order", self.defaults["channel_order"])
        if order not in ("rgb", "bgr"):
            raise ValueError(f"c3d: channel_order must be 'rgb' or 'bgr', got {order!r}")
        super().__init__(weights=weights, random_weights=random_weights, **params)

    def build(self) -> Any:
        return build_c3d()

    def prepare_on_device(self, steps: Any) -> Any:
        from .on_device import ClipInput

        return ClipInput(self.params["channel_order"], self.params["mean"], name="clip_input")(steps)

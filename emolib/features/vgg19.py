"""Audio extractor ``vgg19``: Keras VGG19 over the 98 × 64 log-mel patch of every step (3072-d).

The thesis feeds the log-mel patches to VGG19 (its Figure 3.10) and concatenates the acoustic
features with the 4096-d C3D features into the 7168-d LSTM input of its Figures 3.11 and 3.12, so
its acoustic features were 7168 − 4096 = 3072-d: exactly the flattened ``block5_pool`` output of
VGG19 on a 98 × 64 input (3 × 2 × 512). That is what this extractor returns.

Channels: the single-channel patch is repeated into the three input channels, so the convolution
kernels keep their ImageNet shapes and a local Keras ``vgg19_..._notop.h5`` file (or any VGG19
convolutional weights file) loads unchanged. ``weights="imagenet"`` (``--weights vgg19=imagenet``)
takes that file through Keras's own download and cache (``~/.keras/models``, or ``$KERAS_HOME/models``),
exactly as ``keras.applications.VGG19(weights="imagenet", include_top=False)`` does; the store then
records ``weights_file="imagenet"`` and the file's SHA-256. The patch is fed as it is (log-mel values, about
−4.6 to +5), scaled by ``scale``; no ImageNet mean is subtracted, since the patch is not a photo.

The windows travel to the device as decoded (23520 float32 samples) and the patch is made there, as
the first layer of the extractor's model (:class:`emolib.features.on_device.LogMelPatch`, the patch
of :func:`emolib.features.logmel.logmel_patches` up to float32 rounding); on a GPU a batch is 256 windows.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from emolib.media.alignment import STEP_SAMPLES

from ._keras import KerasExtractor
from .logmel import PARAMS as LOGMEL_PARAMS
from .logmel import PATCH_SHAPE

INPUT_SHAPE = (*PATCH_SHAPE, 3)
"""Network input: (98, 64, 3), the patch repeated into three channels."""


IMAGENET = "imagenet"
"""The ``weights`` value that asks for Keras's ImageNet weights."""
IMAGENET_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
"""Keras's file of the ImageNet VGG19 convolutional weights (no classifier)."""
IMAGENET_URL = "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/" + IMAGENET_FILE
IMAGENET_MD5 = "253f8cb515780f3b799900260a226db6"
"""The hash ``keras.applications.VGG19`` checks the file against."""


class WeightsUnavailable(ValueError):
    """Pretrained weights could not be downloaded; the message says which file and where to put it."""


def keras_models_dir() -> Path:
    """Where Keras caches application weights: ``$KERAS_HOME/models`` or ``~/.keras/models``."""
    return Path(os.environ.get("KERAS_HOME", Path("~/.keras").expanduser())) / "models"


def imagenet_weights() -> Path:
    """The local ImageNet ``notop`` file, downloaded into the Keras cache if it is not there yet.

    Raises
    ------
    WeightsUnavailable
        If the file is not cached and cannot be downloaded (no network).
    """
    import keras

    try:
        path = keras.utils.get_file(
            IMAGENET_FILE, IMAGENET_URL, cache_subdir="models", file_hash=IMAGENET_MD5
        )
    except Exception as err:  # noqa: BLE001 - Keras wraps URL, HTTP and OS errors in several types
        raise WeightsUnavailable(
            f"vgg19: cannot download the ImageNet weights {IMAGENET_FILE} ({type(err).__name__}: no "
            f"network?); download {IMAGENET_URL} on a machine with internet and put it in "
            f"{keras_models_dir()}/ (Keras finds it there), or pass --weights vgg19=/path/to/{IMAGENET_FILE}"
        ) from None
    return Path(path)


def build_vgg19() -> Any:
    """VGG19 without its classifier on a (98, 64, 3) input, followed by a flatten to 3072 values."""
    import keras
    from keras import layers

    base = keras.applications.VGG19(include_top=False, weights=None, input_shape=INPUT_SHAPE)
    flat = layers.Flatten(name="flatten")(base.output)
    return keras.Model(base.input, flat, name="vgg19_logmel")


class VGG19Audio(KerasExtractor):
    """3072-d flattened ``block5_pool`` activations of VGG19 on the log-mel patch of every step.

    Parameters
    ----------
    weights
        Local weights file of VGG19's convolutional part (e.g. the Keras ImageNet ``notop`` file,
        or weights saved from this extractor's ``model``), or ``"imagenet"`` for Keras's download.
    random_weights
        Run untrained (seeded by ``seed``); the store then records ``weights="random"``.
    **params
        ``batch`` (patches per inference batch), ``seed``, ``scale`` (multiplies the patch).
    """

    name = "vgg19"
    version = "1"
    modality = "audio"
    feature_layer = "flatten"
    batch_hint = 64
    step_shape = (STEP_SAMPLES,)
    gpu_batch = 256
    defaults: ClassVar[dict[str, Any]] = {"batch": 32, "seed": 0, "scale": 1.0, "logmel": LOGMEL_PARAMS}

    def __init__(self, weights: Any = None, random_weights: bool = False, **params: Any) -> None:
        imagenet = weights == IMAGENET and not random_weights
        super().__init__(
            weights=imagenet_weights() if imagenet else weights, random_weights=random_weights, **params
        )
        if imagenet:
            self.weights_file = IMAGENET  # re-resolved from the Keras cache by Dask workers

    def build(self) -> Any:
        return build_vgg19()

    def load_weights(self, path: Any) -> None:
        """Load a full-model file, or else a file of the convolutional base only (ImageNet ``notop``)."""
        try:
            self.model.load_weights(str(path))
        except ValueError:
            self.model.get_layer("block5_pool")  # the base's layers are the model's own layers
            import keras

            base = keras.Model(self.model.input, self.model.get_layer("block5_pool").output)
            base.load_weights(str(path))

    def prepare_on_device(self, steps: Any) -> Any:
        from .on_device import LogMelPatch

        return LogMelPatch(float(self.params["scale"]), name="logmel_patch")(steps)

"""Shared plumbing of the ``keras-hub`` extractors: presets (name or local folder), provenance, random init.

A keras-hub extractor is given its weights as a *preset*: either a keras-hub preset name
(``siglip_base_patch16_224``, ``whisper_base_en``; downloaded from Kaggle on first use and cached
by ``kagglehub`` under ``~/.cache/kagglehub``) or the path of a local preset folder (the same files:
``config.json``, ``model.weights.h5``, ...; for servers without internet). A name that cannot be
fetched (no network) or a folder that is missing or incomplete raises one :class:`PresetUnavailable`
that says what to download and where to put it; no library stack trace reaches the user.

Provenance: the extractor's ``weights_file`` is the preset as given (a name is re-resolved from the
cache by Dask workers) and its ``weights_id`` is the SHA-256 of the preset's ``model.weights.h5``,
so the feature store records both. With ``random_weights=True`` the backbone is built untrained from
the ``config`` parameter (a dict of the backbone's constructor arguments; small ones make fast tests).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from emolib.core.backends import gpu_available

from ._keras import predict_batched
from .base import Extractor, file_sha256

WEIGHTS_FILE = "model.weights.h5"
"""The weights file of a keras-hub preset folder (hashed for provenance)."""
CONFIG_FILE = "config.json"
"""The backbone configuration of a keras-hub preset folder."""


class PresetUnavailable(ValueError):
    """A keras-hub preset could not be found locally nor downloaded; the message says what to do."""


def _is_remote(preset: str) -> bool:
    return "://" in preset  # kaggle://, hf://, gs://: downloaded by keras-hub


def _looks_like_path(preset: str) -> bool:
    if _is_remote(preset):
        return False
    return preset.startswith((".", "~")) or "/" in preset or Path(preset).exists()


def kaggle_handle(preset: str) -> str | None:
    """The ``kaggle://org/model/keras/variant[/version]`` handle of a preset name or handle, if any."""
    from keras_hub.src.utils.preset_utils import BUILTIN_PRESETS

    if preset.startswith("kaggle://"):
        return preset
    info = BUILTIN_PRESETS.get(preset)
    return None if info is None else str(info["kaggle_handle"])


def download_hint(name: str, preset: str) -> str:
    """Where to get preset ``preset`` by hand and how to point extractor ``name`` at it."""
    handle = kaggle_handle(preset)
    where = (
        f"download it on a machine with internet from https://www.kaggle.com/models/"
        f'{handle.removeprefix("kaggle://")} (or run `python -c "import keras_hub; '
        f"keras_hub.models.Backbone.from_preset('{preset}')\"` there, which caches it under "
        f"~/.cache/kagglehub/models/{handle.removeprefix('kaggle://')}), "
        if handle
        else "get the preset folder (config.json, model.weights.h5, ...), "
    )
    parts = [p for p in preset.split("://")[-1].split("/") if p and not p.isdigit()]  # drop a version
    return f"{where}copy that folder to this machine and pass its path: --weights {name}=/path/to/{parts[-1]}"


def resolve_preset(name: str, preset: str) -> Path:
    """The local folder of ``preset`` (a keras-hub name, downloaded or cached, or a folder).

    Raises
    ------
    PresetUnavailable
        For a missing or incomplete folder, an unknown name, or a name that cannot be downloaded.
    """
    if _looks_like_path(preset):
        folder = Path(preset).expanduser()
        if not folder.is_dir():
            raise PresetUnavailable(
                f"{name}: local preset folder {folder} not found; {download_hint(name, folder.name)}"
            )
        for required in (CONFIG_FILE, WEIGHTS_FILE):
            if not (folder / required).is_file():
                raise PresetUnavailable(
                    f"{name}: preset folder {folder} has no {required}; {download_hint(name, folder.name)}"
                )
        return folder.resolve()
    if kaggle_handle(preset) is None and not _is_remote(preset):
        raise PresetUnavailable(
            f"{name}: {preset!r} is neither a keras-hub preset name nor an existing preset folder"
        )
    from keras_hub.src.utils.preset_utils import get_file

    try:
        config = Path(get_file(preset, CONFIG_FILE))
        get_file(preset, WEIGHTS_FILE)
    except Exception as err:  # noqa: BLE001 - kagglehub/requests raise many types when offline
        raise PresetUnavailable(
            f"{name}: cannot download keras-hub preset {preset!r} ({type(err).__name__}: no network?); "
            f"{download_hint(name, preset)}"
        ) from None
    return config.parent


class HubExtractor(Extractor):
    """An extractor over the encoder of a keras-hub backbone, mean-pooled to one row per step.

    Parameters
    ----------
    weights
        A keras-hub preset name or a local preset folder.
    random_weights
        Build the backbone untrained from the ``config`` parameter (seeded by ``seed``).
    **params
        ``batch`` (encoder inputs per inference batch), ``seed``, ``config`` (backbone arguments for
        random weights) and the subclass's own.
    """

    defaults: ClassVar[dict[str, Any]] = {"batch": 16, "seed": 0, "config": {}}
    volatile_params: ClassVar[tuple[str, ...]] = ("batch",)
    random_config: ClassVar[dict[str, Any]]
    """Backbone arguments used for random weights when ``config`` is empty (the base preset's shape)."""

    def __init__(
        self, weights: str | Path | None = None, random_weights: bool = False, **params: Any
    ) -> None:
        super().__init__(**params)
        if weights is not None and random_weights:
            raise ValueError(f"{self.name}: give a preset or ask for random weights, not both")
        if weights is None and not random_weights:
            raise PresetUnavailable(
                f"{self.name} needs a keras-hub preset (--weights {self.name}=PRESET, e.g. "
                f"{self.example_preset}, or a local preset folder); to run it untrained pass "
                f"--random-weights {self.name}"
            )
        import keras

        keras.utils.set_random_seed(int(self.params["seed"]))
        if random_weights:
            self.weights_id = "random"
            self.backbone = self.random_backbone({**self.random_config, **self.params["config"]})
        else:
            folder = resolve_preset(self.name, str(weights))
            import keras_hub

            self.weights_file = str(folder) if _looks_like_path(str(weights)) else str(weights)
            self.weights_id = "sha256:" + file_sha256(folder / WEIGHTS_FILE)
            try:
                self.backbone = keras_hub.models.Backbone.from_preset(str(folder))
            except Exception as err:  # noqa: BLE001 - a damaged folder fails in many places of keras-hub
                raise PresetUnavailable(
                    f"{self.name}: cannot load the preset in {folder} ({type(err).__name__}: {err}); "
                    f"{download_hint(self.name, str(weights))}"
                ) from None
        self.encoder = self.encoder_of(self.backbone)
        self._dim = self.width()

    example_preset: ClassVar[str]
    """A preset name shown in messages."""

    def random_backbone(self, config: dict[str, Any]) -> Any:
        """An untrained backbone of ``config`` (subclasses)."""
        raise NotImplementedError

    def encoder_of(self, backbone: Any) -> Any:
        """The Keras model whose output is pooled (subclasses)."""
        raise NotImplementedError

    def width(self) -> int:
        """Length of the pooled row (subclasses)."""
        raise NotImplementedError

    @property
    def dim(self) -> int:
        return self._dim

    def recorded_params(self) -> dict[str, Any]:
        params = super().recorded_params()
        if self.weights_id != "random":  # seed and config describe only random weights
            params.pop("seed", None)
            params.pop("config", None)
        return params

    def encode(self, x: np.ndarray, size: int) -> np.ndarray:
        """The encoder's output for a stack of inputs, in fixed-size batches, ``size`` values per input."""
        return predict_batched(self.encoder, x, int(self.params["batch"]), size)

    def device(self) -> str:
        return "gpu" if gpu_available() else "cpu"

"""What every feature extractor is: a named, versioned, parametrised map from a batch of steps to rows.

An extractor sees the steps of one movie in order, in batches: 16-frame clips for a ``visual``
extractor, 23520-sample windows for an ``audio`` one (:mod:`emolib.features.steps`), and returns one
float32 row per step. Its :meth:`Extractor.identity` (name, version, parameters and weights) is what
the feature store records and compares to decide whether stored features are still valid.

Extractors with a network follow one weights rule: they load a local weights file given by the
user, or refuse to run, unless the caller asks for random weights explicitly
(``random_weights=True``), and then the identity says ``"random"`` so no one mistakes those
features for pretrained ones.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np

from emolib.core.errors import DataError

Modality = Literal["visual", "audio"]
_HASH_CHUNK = 1 << 23


class WeightsRequired(ValueError):
    """A network extractor was asked to run without a weights file and without ``random_weights``."""


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in 8 MiB chunks (constant memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: equal parameters give equal strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


class Extractor(ABC):
    """Base class of the extractors.

    Subclasses set the class attributes, declare their parameters with defaults in
    :attr:`defaults`, and implement :meth:`transform` (and :meth:`reset` if they keep state across
    the batches of a movie).

    Parameters
    ----------
    **params
        Overrides of :attr:`defaults`; unknown names raise ``ValueError``.

    Attributes
    ----------
    name : str
        Registry name (``"c3d"``, ``"colour-motion"``, ...).
    version : str
        Bumped whenever the features a given input produces change; stored features of another
        version are recomputed.
    modality : {"visual", "audio"}
        Which stream feeds it.
    dim : int
        Length of a feature row.
    weights_id : str
        ``"none"`` (weight-free), ``"random"`` or ``"sha256:<hex>"`` of the weights file.
    params : dict
        The effective parameters (defaults updated with the overrides).
    """

    name: ClassVar[str]
    version: ClassVar[str]
    modality: ClassVar[Modality]
    defaults: ClassVar[Mapping[str, Any]] = {}
    batch_hint: ClassVar[int] = 32
    """A good number of steps per batch for this extractor on a GPU."""
    volatile_params: ClassVar[tuple[str, ...]] = ()
    """Parameters that do not change the features (batch sizes); left out of :meth:`identity`."""

    def __init__(self, **params: Any) -> None:
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            known = ", ".join(sorted(self.defaults)) or "none"
            raise ValueError(f"{self.name}: unknown parameter(s) {', '.join(unknown)} (known: {known})")
        self.params: dict[str, Any] = {**self.defaults, **params}
        self.weights_id = "none"
        self.weights_file: str | None = None

    @property
    @abstractmethod
    def dim(self) -> int:
        """Length of a feature row."""

    def feature_names(self) -> list[str]:
        """A name per feature column (``<name>_<i>`` unless the extractor knows better)."""
        return [f"{self.name}_{i}" for i in range(self.dim)]

    def reset(self) -> None:  # noqa: B027 - optional hook, a no-op for stateless extractors
        """Forget any state carried from one batch to the next; called before every movie."""

    def upload(self, batch: np.ndarray) -> Any:
        """The batch copied to the accelerator for :meth:`transform`, or ``None`` (numpy extractors).

        The runner calls it in the decoding thread, ahead of :meth:`transform`, which then gets the
        copy instead of ``batch``.
        """
        return None

    @abstractmethod
    def transform(self, batch: np.ndarray) -> np.ndarray:
        """Features of a batch of consecutive steps.

        Parameters
        ----------
        batch
            ``(n, 16, 112, 112, 3)`` uint8 clips (visual) or ``(n, 23520)`` float32 windows (audio).

        Returns
        -------
        numpy.ndarray
            float32, ``(n, dim)``.
        """

    def recorded_params(self) -> dict[str, Any]:
        """The parameters that determine the features: :attr:`params` less :attr:`volatile_params`."""
        return {k: v for k, v in self.params.items() if k not in self.volatile_params}

    def identity(self) -> dict[str, str]:
        """What the feature store compares: name, version, parameters (canonical JSON), weights."""
        return {
            "extractor": self.name,
            "extractor_version": self.version,
            "params": canonical_json(self.recorded_params()),
            "weights": self.weights_id,
        }

    def device(self) -> str:
        """Where the computation runs (``"cpu"`` for numpy extractors)."""
        return "cpu"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name} v{self.version}, {self.params}, weights={self.weights_id})"


def resolve_weights(name: str, weights: str | Path | None, random_weights: bool) -> tuple[Path | None, str]:
    """Apply the weights rule of the network extractors.

    Parameters
    ----------
    name
        Extractor name, for the messages.
    weights
        A local weights file, or ``None``.
    random_weights
        The caller's explicit request to run with randomly initialised weights.

    Returns
    -------
    tuple
        ``(path or None, weights_id)`` where ``weights_id`` is ``"sha256:<hex>"`` or ``"random"``.

    Raises
    ------
    WeightsRequired
        If neither a file nor ``random_weights`` is given.
    DataError
        If the file does not exist, or both a file and ``random_weights`` are given.
    """
    if weights is not None and random_weights:
        raise DataError(weights, f"{name}: give a weights file or ask for random weights, not both")
    if weights is None:
        if not random_weights:
            raise WeightsRequired(
                f"{name} needs a local weights file (--weights {name}=PATH); no pretrained weights are "
                f"downloaded. To run it with random weights anyway (the features then describe an "
                f"untrained network, and the store records weights='random'), pass --random-weights {name}."
            )
        return None, "random"
    path = Path(weights).expanduser()
    if not path.is_file():
        raise DataError(path, f"{name}: weights file not found")
    return path, "sha256:" + file_sha256(path)

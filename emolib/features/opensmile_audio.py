"""openSMILE's emobase2010 (IS10 paralinguistic, 1582 values) and eGeMAPS (88 values) from any movie's sound.

Needs the ``opensmile`` package, an **optional extra** (``pip install -e '.[opensmile]'``): its licence
(audEERING's research licence) allows research and other non-commercial use only, and it brings about
170 MB of dependencies (pyarrow). Everything else in emolib works without it; the synthetic cinema then
writes its emobase2010 files with the numpy stand-in (:mod:`emolib.features.emobase_numpy`).

Two things are offered:

* :func:`emobase2010_windows`: the values of windows ``[start, start + length)`` of a signal, by
  openSMILE where it is installed (``FeatureSet.IS10``: its names and order are the organisers' files'),
  else by the stand-in; what the synthetic cinema writes beside its movies;
* the extractors ``opensmile-emobase2010`` and ``opensmile-egemaps`` (:class:`OpenSmileAudio`) of the
  feature store, on the 0.533 s step grid like every extractor: row ``i`` holds the functionals of the
  ``context_seconds`` of sound **ending with step i** (default 5 s, the organisers' 2018 window; at the
  start of a movie what there is), so that each row only depends on the past, as a stateful model reads
  it. ``context_seconds=0`` takes the step's own 0.533 s window. The sound is resampled to 16 kHz first
  (:data:`SMILE_RATE`). openSMILE is called once per step: about 0.06-0.15 s of CPU each with the 5 s
  context, i.e. 10-25 minutes for a 1.5 h movie (the organisers' files, imported, cost nothing).

openSMILE's native library aborts the process when it is first loaded after TensorFlow (a clash of the two
libraries; loaded first, it works). So when TensorFlow is already imported and openSMILE is not yet
loaded here, every openSMILE call runs in one helper process (spawned, without TensorFlow) instead
(:func:`_run`); the values are the same.
"""

from __future__ import annotations

import importlib.util
import math
import multiprocessing
import re
import sys
import tempfile
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from scipy.signal import resample_poly

from emolib.datasets.emobase2010 import NAMES as EMOBASE_NAMES
from emolib.media.alignment import AUDIO_RATE

from .base import Extractor
from .emobase_numpy import emobase2010_numpy

__all__ = ["EGEMAPS_DIM", "OpenSmileAudio", "emobase2010_windows", "opensmile_available", "opensmile_version"]

EGEMAPS_DIM = 88
"""Values of eGeMAPS v02 functionals."""
SMILE_RATE = 16000
"""Sound is resampled to 16 kHz before openSMILE reads it: the emobase2010 and eGeMAPS contours look at
0-8 kHz only, and it is about three times faster than 44.1 kHz."""
_SETS = {"emobase2010": "IS10", "egemaps": "eGeMAPSv02"}
_MISSING = (
    "{name} needs the optional 'opensmile' package (audEERING research licence: non-commercial use only): "
    "pip install -e '.[opensmile]'"
)
_FULL = re.compile(r"frameMode\s*=\s*full\s*\n\s*frameSize\s*=\s*0\s*\n\s*frameStep\s*=\s*0")


def _at_smile_rate(signal: NDArray[np.floating], rate: int) -> tuple[NDArray[np.float32], int]:
    """The signal at :data:`SMILE_RATE` (float32, contiguous), and that rate."""
    x = np.asarray(signal, dtype=np.float32)
    if rate != SMILE_RATE:
        g = math.gcd(int(rate), SMILE_RATE)
        x = resample_poly(x, SMILE_RATE // g, int(rate) // g).astype(np.float32)
    return np.ascontiguousarray(x), SMILE_RATE


def opensmile_available() -> bool:
    """Whether the ``opensmile`` package can be imported."""
    try:
        return importlib.util.find_spec("opensmile") is not None
    except (ImportError, ValueError):  # blocked (sys.modules["opensmile"] = None) or broken
        return False


def opensmile_version() -> str | None:
    """The installed ``opensmile`` package's version, or ``None``."""
    if not opensmile_available():
        return None
    from importlib.metadata import version

    return version("opensmile")


_SMILES: dict[str, Any] = {}
_HELPER: list[ProcessPoolExecutor] = []
_WHERE: list[str] = []
"""``"here"`` or ``"helper"``, decided at the first openSMILE call of the process."""


def _smile(feature_set: str) -> Any:
    """A (cached) openSMILE extractor of a feature set, in this process."""
    if feature_set not in _SMILES:
        import opensmile

        _SMILES[feature_set] = opensmile.Smile(
            feature_set=getattr(opensmile.FeatureSet, _SETS[feature_set]),
            feature_level=opensmile.FeatureLevel.Functionals,
        )
    return _SMILES[feature_set]


def _run(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` here, or in the helper process when openSMILE must not be loaded beside TensorFlow.

    The choice is made once per process: here if TensorFlow is not loaded at the first call (openSMILE's
    library is then loaded first, and TensorFlow may follow), else always in the helper.
    """
    if not _WHERE:
        _WHERE.append("helper" if "tensorflow" in sys.modules else "here")
    if _WHERE[0] == "here":
        return fn(*args)
    if not _HELPER:
        _HELPER.append(ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")))
    return _HELPER[0].submit(fn, *args).result()


def feature_names(feature_set: str) -> list[str]:
    """openSMILE's value names of a feature set (``"emobase2010"`` or ``"egemaps"``)."""
    return list(_run(_names_job, feature_set))


def _names_job(feature_set: str) -> list[str]:
    return list(_smile(feature_set).feature_names)


def _steps_job(feature_set: str, sounds: list[NDArray[np.float32]]) -> NDArray[np.float64]:
    """openSMILE's functionals of each sound (16 kHz)."""
    smile = _smile(feature_set)
    return np.stack([smile.process_signal(x, SMILE_RATE).to_numpy()[0] for x in sounds])


def _regular_windows(signal: NDArray[np.float32], rate: int, step: float, length: float) -> Any:
    """openSMILE's IS10 functionals of every window ``[k step, k step + length)``, in one pass."""
    import opensmile

    config = Path(opensmile.__file__).parent / "core" / "config" / "is09-13" / "IS10_paraling_compat.conf"
    text, n = _FULL.subn(
        f"frameMode = fixed\nframeSize = {length:g}\nframeStep = {step:g}", config.read_text()
    )
    if n == 0:
        return None
    with tempfile.TemporaryDirectory(prefix="emolib-opensmile-") as tmp:
        path = Path(tmp) / "IS10_windows.conf"
        path.write_text(text)
        smile = opensmile.Smile(feature_set=str(path), feature_level=opensmile.FeatureLevel.Functionals)
        with warnings.catch_warnings():  # the last, partial window: recomputed by the caller
            warnings.filterwarnings("ignore", message="Segment too short")
            return smile.process_signal(signal, rate)


CHUNK_SECONDS = 30.0
"""Regular windows are computed by openSMILE over stretches of at most this much sound at a time (one
pass over a whole movie holds about 6 MB of memory per second of sound)."""


def _by_opensmile(
    signal: NDArray[np.float32], rate: int, starts: NDArray[np.float64], length: float
) -> NDArray[np.float64]:
    """IS10 functionals of the windows ``[start, start + length)``: regular windows (``k * step``) a stretch
    at a time, any other window one openSMILE call each (moved back to end with the signal)."""
    out = np.empty((len(starts), len(EMOBASE_NAMES)))
    done = np.zeros(len(starts), dtype=bool)
    step = float(starts[1] - starts[0]) if len(starts) > 1 else length
    if len(starts) > 1 and starts[0] == 0 and np.allclose(starts, step * np.arange(len(starts))):
        per = max(1, int((CHUNK_SECONDS - length) // step) + 1)
        for first in range(0, len(starts), per):
            group = np.arange(first, min(first + per, len(starts)))
            offset = float(starts[first])
            stop = int(round((starts[group[-1]] + length + 0.5) * rate))  # a margin: the last window whole
            table = _regular_windows(signal[int(round(offset * rate)) : stop], rate, step, length)
            if table is None:
                break
            begin = table.index.get_level_values("start").total_seconds().to_numpy() + offset
            for k in group:
                hit = np.flatnonzero(np.abs(begin - starts[k]) < 1e-3)
                row = table.iloc[int(hit[0])].to_numpy() if hit.size else None
                if row is not None and np.isfinite(row).all():  # openSMILE fills a window cut short with NaN
                    out[k], done[k] = row, True
    if not done.all():
        smile = _smile("emobase2010")
        end = len(signal) / rate
        for k in np.flatnonzero(~done):
            a = min(float(starts[k]), max(end - length, 0.0))
            out[k] = smile.process_signal(signal, rate, start=a, end=min(a + length, end)).to_numpy()[0]
    return out


def emobase2010_windows(
    signal: NDArray[np.floating], rate: int, starts: NDArray[np.float64], length: float, backend: str = "auto"
) -> tuple[NDArray[np.float64], str]:
    """emobase2010 values of the windows ``[start, start + length)`` of a mono signal.

    Parameters
    ----------
    signal
        Mono samples.
    rate
        Sample rate.
    starts
        Window starts in seconds. A window running past the end of the signal is moved back to end
        with it (openSMILE) or cut there (stand-in).
    length
        Window length in seconds.
    backend
        ``"opensmile"``, ``"numpy"`` (the stand-in) or ``"auto"`` (openSMILE where installed).

    Returns
    -------
    values, backend
        float64 ``(len(starts), 1582)`` in the organisers' order, and the backend used
        (``"opensmile <version>"`` or ``"numpy stand-in"``).

    Raises
    ------
    ValueError
        For an unknown backend, or ``"opensmile"`` when it is not installed.
    """
    if backend not in ("auto", "opensmile", "numpy"):
        raise ValueError(f"backend must be auto, opensmile or numpy, got {backend!r}")
    use = opensmile_available() if backend == "auto" else backend == "opensmile"
    starts = np.asarray(starts, dtype=np.float64)
    if not use:
        return emobase2010_numpy(signal, rate, starts, length), "numpy stand-in"
    if not opensmile_available():
        raise ValueError(_MISSING.format(name="backend 'opensmile'"))
    x, rate = _at_smile_rate(signal, rate)
    return _run(_by_opensmile, x, rate, starts, length), f"opensmile {opensmile_version()}"


class OpenSmileAudio(Extractor):
    """openSMILE functionals of the sound up to each step (see the module docstring).

    Parameters
    ----------
    **params
        ``feature_set``: ``"emobase2010"`` (1582 values, the organisers' layout) or ``"egemaps"`` (88);
        ``context_seconds``: the length of sound ending with each step that the functionals describe
        (default 5.0; 0: the step's own window).

    Raises
    ------
    ValueError
        If the ``opensmile`` package is not installed, or a parameter is unknown or out of range.
    """

    name = "opensmile-emobase2010"
    version = "1"
    modality = "audio"
    batch_hint = 64
    defaults: ClassVar[dict[str, Any]] = {"feature_set": "emobase2010", "context_seconds": 5.0}

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        if self.params["feature_set"] not in _SETS:
            raise ValueError(f"{self.name}: feature_set must be one of {', '.join(_SETS)}")
        if float(self.params["context_seconds"]) < 0:
            raise ValueError(f"{self.name}: context_seconds must be non-negative")
        if not opensmile_available():
            raise ValueError(_MISSING.format(name=self.name))
        self._names = feature_names(str(self.params["feature_set"]))
        self._tail = np.zeros(0, dtype=np.float32)

    @property
    def dim(self) -> int:
        return len(EMOBASE_NAMES) if self.params["feature_set"] == "emobase2010" else EGEMAPS_DIM

    def feature_names(self) -> list[str]:
        return list(self._names)

    def reset(self) -> None:
        self._tail = np.zeros(0, dtype=np.float32)

    def transform(self, batch: np.ndarray) -> np.ndarray:
        keep = int(round(float(self.params["context_seconds"]) * SMILE_RATE))
        sounds = []
        for step in np.asarray(batch, dtype=np.float32):
            window, _ = _at_smile_rate(step, AUDIO_RATE)
            sound = np.concatenate([self._tail, window]) if keep > window.size else window
            sounds.append(sound[-max(keep, window.size) :])
            self._tail = sounds[-1][-keep:] if keep else np.zeros(0, dtype=np.float32)
        if not sounds:
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = _run(_steps_job, str(self.params["feature_set"]), sounds)
        return np.asarray(rows, dtype=np.float32).reshape(len(sounds), self.dim)


class OpenSmileEGeMAPS(OpenSmileAudio):
    """:class:`OpenSmileAudio` with the eGeMAPS v02 set (88 values)."""

    name = "opensmile-egemaps"
    defaults: ClassVar[dict[str, Any]] = {"feature_set": "egemaps", "context_seconds": 5.0}

"""The layout of openSMILE's emobase2010 descriptor (the IS10 paralinguistic set) as the organisers ship it.

1582 values: 21 functionals of 34 low-level descriptor contours and their 34 deltas (1428), 19 functionals
of 4 pitch-related contours and their deltas (152), and the number of pitch onsets and the duration of
the input (2). Their names and order (:data:`NAMES`) are openSMILE's (``IS10_paraling`` configuration):
a test checks them against the ``opensmile`` package's ``FeatureSet.IS10`` where it is installed. The
organisers' files are Weka ARFF text (in ``.csv`` files) with a string ``name`` attribute first and a
``class`` attribute last around the 1582 numbers (:func:`format_arff` writes one).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["FUNCTIONALS", "LLD", "NAMES", "N_VALUES", "PITCH_FUNCTIONALS", "PITCH_LLD", "TURN", "format_arff"]

LLD: tuple[str, ...] = (
    "pcm_loudness_sma",
    *(f"mfcc_sma[{i}]" for i in range(15)),
    *(f"logMelFreqBand_sma[{i}]" for i in range(8)),
    *(f"lspFreq_sma[{i}]" for i in range(8)),
    "F0finEnv_sma",
    "voicingFinalUnclipped_sma",
)
"""The 34 low-level descriptor contours (smoothed by a 3-frame moving average, ``_sma``)."""
PITCH_LLD: tuple[str, ...] = ("F0final_sma", "jitterLocal_sma", "jitterDDP_sma", "shimmerLocal_sma")
"""The 4 pitch-related contours."""
FUNCTIONALS: tuple[str, ...] = (
    "maxPos", "minPos", "amean", "linregc1", "linregc2", "linregerrA", "linregerrQ", "stddev", "skewness",
    "kurtosis", "quartile1", "quartile2", "quartile3", "iqr1-2", "iqr2-3", "iqr1-3", "percentile1.0",
    "percentile99.0", "pctlrange0-1", "upleveltime75", "upleveltime90",
)  # fmt: skip
"""The 21 functionals applied to every low-level contour and delta."""
PITCH_FUNCTIONALS: tuple[str, ...] = tuple(
    f for f in FUNCTIONALS if f not in ("percentile1.0", "pctlrange0-1")
)
"""The 19 functionals applied to the pitch-related contours and deltas."""
TURN: tuple[str, ...] = ("F0final__Turn_numOnsets", "F0final__Turn_duration")
"""Number of pitch onsets (pseudo-syllables) and duration of the input in seconds."""


def delta_name(contour: str) -> str:
    """openSMILE's name of a contour's delta: ``mfcc_sma[3]`` -> ``mfcc_sma_de[3]``, ``F0final_sma`` ->
    ``F0final_sma_de``."""
    base, bracket, index = contour.partition("[")
    return f"{base}_de{bracket}{index}"


NAMES: tuple[str, ...] = (
    *(f"{c}_{f}" for c in (*LLD, *map(delta_name, LLD)) for f in FUNCTIONALS),
    *(f"{c}_{f}" for c in (*PITCH_LLD, *map(delta_name, PITCH_LLD)) for f in PITCH_FUNCTIONALS),
    *TURN,
)
"""The 1582 value names, in file order."""
N_VALUES = len(NAMES)
"""1582."""


def format_arff(values: Sequence[float] | np.ndarray, name: str = "unknown") -> str:
    """One organisers'-style emobase2010 file: ARFF header, ``@data`` and one row.

    Parameters
    ----------
    values
        The 1582 values in :data:`NAMES` order.
    name
        The value of the leading string attribute (openSMILE writes ``'unknown'``).

    Returns
    -------
    str
        ``@relation openSMILE_features``, ``@attribute name string``, the 1582 ``numeric`` attributes,
        ``@attribute class numeric``, ``@data`` and the row ``'<name>',v1,...,v1582,?`` (values with 6
        significant digits).

    Raises
    ------
    ValueError
        If there are not 1582 values.
    """
    row = np.asarray(values, dtype=np.float64).ravel()
    if row.size != N_VALUES:
        raise ValueError(f"emobase2010 has {N_VALUES} values, got {row.size}")
    lines = ["@relation openSMILE_features", "", "@attribute name string"]
    lines += [f"@attribute {n} numeric" for n in NAMES]
    lines += ["@attribute class numeric", "", "@data", ""]
    lines.append(f"'{name}'," + ",".join(f"{v:.6g}" for v in row) + ",?")
    return "\n".join(lines) + "\n"

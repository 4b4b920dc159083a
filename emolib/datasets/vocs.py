"""Volatile organic compounds (VOCs) of the Smell of Fear study: reading, scaling, filling gaps.

One ARFF file per screening holds hundreds of attributes (CO2 and masses named by m/z); six are
used. Following the study, each compound of each screening is min-max scaled to [0, 1]. The study
then set every missing value to 0.5 and called that a hack, suggesting the mean over the other
screenings of the same film instead; :func:`fill_missing` does the latter, time point by time
point, and falls back to 0.5 only when no other screening has a value there.

Beyond the study, :func:`detrend_screening` can first remove each compound's slow trend within a
screening (a least-squares polynomial in time). What accumulates in the room over a screening (CO2
building up, personal-care siloxanes evaporating away) is not a response to the film, yet after
plain min-max scaling it dominates the scaled series of a short screening and turns "late in the
film" into the target. :func:`normalise_screenings` applies it when asked (``detrend=1``: a line)
and keeps the study's plain min-max scaling by default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from emolib.core.errors import DataError
from emolib.core.files import PathLike
from emolib.datasets.arff import ArffAttribute, read_arff, read_arff_header

__all__ = [
    "MASS_TOLERANCE",
    "NEUTRAL_VALUE",
    "VOC_COMPOUNDS",
    "VOC_NAMES",
    "Compound",
    "detrend_screening",
    "fill_missing",
    "match_compounds",
    "minmax_per_screening",
    "normalise_screenings",
    "read_voc_screening",
    "trend_share",
]


@dataclass(frozen=True)
class Compound:
    """A compound measured in the cinema air.

    Attributes
    ----------
    name
        Column name used in the tables of this package.
    mass
        The m/z that names its attribute in the ARFF files, or ``None`` for CO2 (named ``CO2``).
    """

    name: str
    mass: float | None


VOC_COMPOUNDS: tuple[Compound, ...] = (
    Compound("CO2", None),
    Compound("methanol", 33.0335),
    Compound("ethanol", 46.0653),
    Compound("acetone", 58.0756),
    Compound("isoprene", 70.0766),
    Compound("siloxane", 374.0818),
)
"""The six compounds the study uses, in the column order of every VOC table."""
VOC_NAMES: tuple[str, ...] = tuple(c.name for c in VOC_COMPOUNDS)
"""Column names of a VOC table: CO2, methanol, ethanol, acetone, isoprene, siloxane."""
MASS_TOLERANCE = 0.001
"""Largest distance between the number in an attribute name and a compound's m/z for a match."""
NEUTRAL_VALUE = 0.5
"""Scaled value used when nothing better is known: no screening measured it, or it never varied."""

_CO2 = re.compile(r"(?<![a-z0-9])co2(?![0-9])", re.IGNORECASE)
_DECIMAL = re.compile(r"(?<![\d.])\d+\.\d+(?![\d.])")


# --------------------------------------------------------------------------------------------------
# Attribute names to compounds
# --------------------------------------------------------------------------------------------------


def _mass_distance(name: str, mass: float) -> float:
    """Distance from ``mass`` to the nearest decimal number written in ``name`` (inf if none)."""
    numbers = [float(x) for x in _DECIMAL.findall(name)]
    return min((abs(x - mass) for x in numbers), default=float("inf"))


def _candidates(attributes: Sequence[ArffAttribute], compound: Compound) -> list[tuple[float, ArffAttribute]]:
    """(distance, attribute) pairs that could name ``compound``, nearest first."""
    if compound.mass is None:
        named = [a for a in attributes if _CO2.search(a.name)]
        found = [(0.0 if a.name.strip().lower() == "co2" else 1.0, a) for a in named]
    else:
        found = [(_mass_distance(a.name, compound.mass), a) for a in attributes]
        found = [(d, a) for d, a in found if d <= MASS_TOLERANCE]
    return sorted(found, key=lambda pair: pair[0])


def match_compounds(path: PathLike, attributes: Sequence[ArffAttribute]) -> dict[str, ArffAttribute]:
    """Find the attribute of each of the six compounds among an ARFF file's attributes.

    CO2 matches an attribute whose name contains ``co2`` as a word, in any case (an attribute
    named exactly ``CO2`` wins over e.g. ``CO2_ppm``). A mass compound matches an attribute whose
    name contains a decimal number within :data:`MASS_TOLERANCE` of its m/z (``m33.0335``,
    ``m/z 33.0335``, ``33.0335``); the nearest wins.

    Parameters
    ----------
    path
        The file the attributes come from (for error messages).
    attributes
        Its attribute declarations (see :func:`emolib.datasets.arff.read_arff_header`).

    Returns
    -------
    dict of str to ArffAttribute
        Compound name (as in :data:`VOC_NAMES`) to its attribute.

    Raises
    ------
    DataError
        If a compound has no attribute, if two attributes match it equally well, or if its
        attribute is not numeric.
    """
    out: dict[str, ArffAttribute] = {}
    for compound in VOC_COMPOUNDS:
        what = compound.name if compound.mass is None else f"{compound.name} (m/z {compound.mass})"
        found = _candidates(attributes, compound)
        if not found:
            raise DataError(path, f"no attribute for {what}")
        if len(found) > 1 and found[0][0] == found[1][0]:
            names = ", ".join(repr(a.name) for _, a in found)
            raise DataError(path, f"ambiguous attributes for {what}: {names}")
        attr = found[0][1]
        if attr.kind != "numeric":
            message = f"attribute {attr.name!r} for {what} is {attr.kind}, not numeric"
            raise DataError(path, message, attr.line)
        out[compound.name] = attr
    return out


def read_voc_screening(path: PathLike) -> pd.DataFrame:
    """Read the six compounds of one screening from its ARFF file.

    Parameters
    ----------
    path
        ``vocs/<k>_<Film>.arff``: one data row per 30 s sequence.

    Returns
    -------
    pandas.DataFrame
        One row per sequence (index ``sequence`` from 0), columns :data:`VOC_NAMES`, float64
        raw concentrations with NaN where the file has ``?``.

    Raises
    ------
    DataError
        If the ARFF file is malformed (see :func:`emolib.datasets.arff.read_arff`), a compound cannot be
        matched (see :func:`match_compounds`), or the file has no data row.
    """
    p = Path(path)
    mapping = match_compounds(p, read_arff_header(p).attributes)
    _, data = read_arff(p, columns=[mapping[name].name for name in VOC_NAMES])
    if data.empty:
        raise DataError(p, "no data rows after @data")
    data.columns = list(VOC_NAMES)
    data.index.name = "sequence"
    return data


# --------------------------------------------------------------------------------------------------
# Scaling and filling
# --------------------------------------------------------------------------------------------------


def minmax_per_screening(screening: pd.DataFrame) -> pd.DataFrame:
    """Scale each column of one screening to [0, 1]: ``(x - min) / (max - min)``, ignoring NaN.

    A column whose present values are all equal carries no information about relative level, so
    its present values become :data:`NEUTRAL_VALUE` (0.5). A column with no value stays all NaN
    (for :func:`fill_missing`). NaN stays NaN everywhere.

    Parameters
    ----------
    screening
        Raw concentrations, one column per compound.

    Returns
    -------
    pandas.DataFrame
        A new table with the same index and columns.

    Raises
    ------
    ValueError
        If a value is infinite.
    """
    values = screening.to_numpy(dtype=np.float64, copy=True)
    if np.isinf(values).any():
        raise ValueError("minmax_per_screening: infinite values cannot be scaled")
    present = ~np.isnan(values)
    lo = np.where(present, values, np.inf).min(axis=0)
    hi = np.where(present, values, -np.inf).max(axis=0)
    span = hi - lo
    varies = present.any(axis=0) & (span > 0)
    scaled = np.full_like(values, NEUTRAL_VALUE)
    scaled[:, varies] = (values[:, varies] - lo[varies]) / span[varies]
    scaled[~present] = np.nan
    return pd.DataFrame(np.clip(scaled, 0.0, 1.0), index=screening.index, columns=screening.columns)


def fill_missing(screenings: Sequence[pd.DataFrame]) -> list[pd.DataFrame]:
    """Fill the gaps of a film's screenings from the film's other screenings.

    A missing value (NaN) at sequence ``t`` of compound ``c`` becomes the mean of the values of
    ``c`` at sequence ``t`` in the other screenings that have one there (screenings may differ
    in length); when none has, it becomes :data:`NEUTRAL_VALUE` (0.5, the study's choice). Present
    values are never changed. Use it on scaled screenings (see :func:`minmax_per_screening`):
    raw concentrations depend on audience size.

    Parameters
    ----------
    screenings
        The screenings of one film, all with the same columns.

    Returns
    -------
    list of pandas.DataFrame
        New tables, same shapes, index and columns as the inputs, without NaN.

    Raises
    ------
    ValueError
        If the screenings do not all have the same columns.
    """
    if not screenings:
        return []
    columns = screenings[0].columns
    for s in screenings[1:]:
        if not s.columns.equals(columns):
            message = f"fill_missing: screenings have different columns: {list(columns)} vs {list(s.columns)}"
            raise ValueError(message)
    longest = max(len(s) for s in screenings)
    stack = np.full((len(screenings), longest, len(columns)), np.nan)
    for k, s in enumerate(screenings):
        stack[k, : len(s)] = s.to_numpy(dtype=np.float64)
    counts = (~np.isnan(stack)).sum(axis=0)
    sums = np.nansum(stack, axis=0)
    # At a missing position the screening itself contributes nothing, so the mean of all present
    # values there is exactly the mean over the *other* screenings.
    with np.errstate(invalid="ignore", divide="ignore"):
        others = np.where(counts > 0, sums / counts, NEUTRAL_VALUE)
    out = []
    for k, s in enumerate(screenings):
        own = stack[k, : len(s)]
        filled = np.where(np.isnan(own), others[: len(s)], own)
        out.append(pd.DataFrame(filled, index=s.index, columns=columns))
    return out


def detrend_screening(screening: pd.DataFrame, degree: int = 1) -> pd.DataFrame:
    """Subtract each column's slow trend: its least-squares polynomial of ``degree`` in time.

    Time is the row position (30 s sequences). The fit uses the present values only; NaN stays
    NaN. A column with at most ``degree`` present values is fitted with a polynomial of lower
    degree (one value: its constant), so that every column keeps only its deviations from the
    trend. Only the screening's own measurements are used, like the study's min-max scaling.

    Parameters
    ----------
    screening
        Raw concentrations of one screening, one column per compound.
    degree
        Degree of the trend: 0 removes the mean, 1 a line (the option used for Study B), 2 a
        parabola (which, on a short screening, also absorbs slow responses to the film).

    Returns
    -------
    pandas.DataFrame
        A new table with the same index and columns: the residuals around the trend.

    Raises
    ------
    ValueError
        If ``degree`` is negative or a value is infinite.
    """
    if degree < 0:
        raise ValueError(f"detrend_screening: degree must be non-negative, got {degree}")
    values = screening.to_numpy(dtype=np.float64, copy=True)
    if np.isinf(values).any():
        raise ValueError("detrend_screening: infinite values cannot be detrended")
    rows = len(values)
    t = np.arange(rows, dtype=np.float64) / max(rows - 1, 1)  # on [0, 1]: a well-conditioned fit
    for j in range(values.shape[1]):
        present = ~np.isnan(values[:, j])
        count = int(present.sum())
        if count == 0:
            continue
        coef = np.polynomial.polynomial.polyfit(t[present], values[present, j], min(degree, count - 1))
        values[present, j] -= np.polynomial.polynomial.polyval(t[present], coef)
    return pd.DataFrame(values, index=screening.index, columns=screening.columns)


def normalise_screenings(
    screenings: Sequence[pd.DataFrame], detrend: int | None = None
) -> list[pd.DataFrame]:
    """Scale a film's screenings to [0, 1] and fill their gaps (the study's way), optionally detrended.

    Parameters
    ----------
    screenings
        Raw screenings of one film (see :func:`read_voc_screening`).
    detrend
        ``None`` (the study): :func:`minmax_per_screening` then :func:`fill_missing`. An integer:
        first remove each compound's polynomial trend of that degree per screening with
        :func:`detrend_screening`, then scale and fill the residuals.

    Returns
    -------
    list of pandas.DataFrame
        One table per screening, values in [0, 1], no NaN.
    """
    if detrend is not None:
        screenings = [detrend_screening(s, detrend) for s in screenings]
    return fill_missing([minmax_per_screening(s) for s in screenings])


def trend_share(screenings: Mapping[str, Sequence[pd.DataFrame]], degree: int = 1) -> pd.DataFrame:
    """The share of each compound's variance within a screening that a trend in time accounts for.

    Parameters
    ----------
    screenings
        Film to its screenings' raw concentrations (one column per compound of :data:`VOC_NAMES`).
    degree
        Degree of the trend (:func:`detrend_screening`).

    Returns
    -------
    pandas.DataFrame
        One row per screening, one column per compound: ``1 - var(residuals) / var(values)``; a
        compound with at most two values or no variance in a screening is left out of its row.
    """
    rows = [
        {
            c: 1 - detrend_screening(raw[[c]].dropna(), degree)[c].var() / raw[c].dropna().var()
            for c in VOC_NAMES
            if raw[c].notna().sum() > 2 and raw[c].dropna().var() > 0
        }
        for film in screenings
        for raw in screenings[film]
    ]
    return pd.DataFrame(rows, columns=list(VOC_NAMES))

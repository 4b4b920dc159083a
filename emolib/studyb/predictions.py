"""What a Study B experiment predicted on its test rows, kept on disk for intervals over units.

Every experiment of notebook 05 scores its model and its baselines on the same test rows. The scores
in ``metrics.json`` are single numbers; a reviewer also asks how far they would move on another
sample of films or screenings. That needs the rows themselves, with the **independent unit** of each
(the film for scene labels, whose sequences are neighbouring 30 s of one story; the screening for
breath compounds, whose measurements are a time series of one audience). :class:`TestPredictions`
holds them; :func:`save_test_predictions` writes one ``<experiment>_test.npz`` beside the
experiment's checkpoint (atomically) and :func:`load_test_predictions` reads it back, so notebook 07
can compute the intervals of notebook 05's runs without training anything again.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from emolib.core.atomic import write_bytes
from emolib.core.errors import DataError

__all__ = [
    "MEMBER_PREFIX",
    "PREDICTIONS_SUFFIX",
    "TestPredictions",
    "concatenate_predictions",
    "load_test_predictions",
    "save_test_predictions",
]

PREDICTIONS_SUFFIX = "_test.npz"
"""File name of an experiment's test predictions: ``<experiment name>_test.npz``."""
MEMBER_PREFIX = "seed "
"""Predictor name of one network of a seed ensemble scored alone: ``"seed 1"``."""


@dataclass(frozen=True)
class TestPredictions:
    """What an experiment predicted on its test rows, for intervals over its independent units.

    Attributes
    ----------
    units
        The independent unit of every test row: the film (scene labels) or ``film/screening``
        (compounds). A bootstrap resamples these, never single rows.
    y
        Targets ``(rows, outputs)``: 0/1 scene labels, or scaled compound concentrations.
    scores
        Predictor name (``model@val``, ``logistic``, ``training mean``, ...) to its predictions
        ``(rows, outputs)``: label probabilities or compound concentrations.
    decisions
        Scene labels only: predictor name to its 0/1 decisions at its thresholds (chosen on
        validation rows). Empty for compounds.
    names
        The label or compound of every output column.
    models
        The model that predicted every row (e.g. ``fold3`` when the folds of a one-movie-out sweep
        are pooled), or ``None``: one model predicted every row. Ranking metrics compare scores of one
        model only (:mod:`emolib.evaluation.ranking`): each fold's model has a scale of its own.
    """

    __test__ = False  # a name pytest would otherwise collect

    units: NDArray
    y: NDArray
    scores: dict[str, NDArray[np.float64]]
    decisions: dict[str, NDArray[np.int8]] = field(default_factory=dict)
    names: tuple[str, ...] = ()
    models: NDArray | None = None

    @property
    def target(self) -> str:
        """``"labels"`` when there are decisions to score, else ``"vocs"``."""
        return "labels" if self.decisions else "vocs"

    @property
    def n_models(self) -> int:
        """How many models predicted these rows."""
        return 1 if self.models is None else len(np.unique(self.models))


def concatenate_predictions(
    parts: Sequence[TestPredictions], models: Sequence[str] | None = None
) -> TestPredictions:
    """The test rows of several folds as one set, e.g. every film of a one-movie-out sweep held out once.

    Parameters
    ----------
    parts
        The folds' predictions, each from its own model.
    models
        A name for the model of each part (e.g. ``fold0``, ``fold1``); default: the parts' own ``models``
        when every part has them, else ``part0``, ``part1``, ...

    Raises
    ------
    ValueError
        Without parts, or when they differ in outputs, predictors or target.
    """
    if not parts:
        raise ValueError("no predictions to concatenate")
    first = parts[0]
    for part in parts[1:]:
        same = part.names == first.names and set(part.scores) == set(first.scores)
        if not same or set(part.decisions) != set(first.decisions):
            raise ValueError(
                "predictions of different outputs or predictors cannot be concatenated: "
                f"{first.names} {sorted(first.scores)} vs {part.names} {sorted(part.scores)}"
            )
    if models is not None and len(models) != len(parts):
        raise ValueError(f"{len(models)} model names for {len(parts)} parts")
    if models is not None:
        model_of = [np.full(len(p.units), str(m)) for p, m in zip(parts, models, strict=True)]
    elif all(p.models is not None for p in parts):
        model_of = [np.asarray(p.models, dtype=str) for p in parts]
    else:
        model_of = [np.full(len(p.units), f"part{k}") for k, p in enumerate(parts)]
    return TestPredictions(
        units=np.concatenate([p.units for p in parts]),
        y=np.concatenate([p.y for p in parts]),
        scores={k: np.concatenate([p.scores[k] for p in parts]) for k in first.scores},
        decisions={k: np.concatenate([p.decisions[k] for p in parts]) for k in first.decisions},
        names=first.names,
        models=np.concatenate(model_of),
    )


def save_test_predictions(predictions: TestPredictions, path: str | os.PathLike[str]) -> Path:
    """Write ``predictions`` to ``path`` (an ``.npz``), atomically.

    Predictor names may contain spaces and ``@``; they are stored in a list and the arrays by position.
    """
    order = list(predictions.scores)
    arrays: dict[str, NDArray] = {
        "units": np.asarray(predictions.units, dtype=str),
        "y": np.asarray(predictions.y),
        "predictors": np.asarray(order, dtype=str),
        "names": np.asarray(predictions.names, dtype=str),
        "has_decisions": np.asarray(bool(predictions.decisions)),
    }
    if predictions.models is not None:
        arrays["models"] = np.asarray(predictions.models, dtype=str)
    for i, name in enumerate(order):
        arrays[f"score_{i}"] = np.asarray(predictions.scores[name], dtype=np.float64)
        if predictions.decisions:
            arrays[f"decision_{i}"] = np.asarray(predictions.decisions[name], dtype=np.int8)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return write_bytes(path, buffer.getvalue())


def load_test_predictions(path: str | os.PathLike[str]) -> TestPredictions:
    """Read what :func:`save_test_predictions` wrote.

    Raises
    ------
    emolib.core.errors.DataError
        Naming the file, when it is not such an archive (truncated, or another file).
    """
    source = Path(path)
    try:
        with np.load(source, allow_pickle=False) as f:
            order = [str(p) for p in f["predictors"]]
            scores = {name: f[f"score_{i}"] for i, name in enumerate(order)}
            labelled = bool(f["has_decisions"])
            decisions = {name: f[f"decision_{i}"] for i, name in enumerate(order)} if labelled else {}
            return TestPredictions(
                units=f["units"].astype(str),
                y=f["y"],
                scores=scores,
                decisions=decisions,
                names=tuple(str(n) for n in f["names"]),
                models=f["models"].astype(str) if "models" in f.files else None,
            )
    except (KeyError, ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(source, f"not a file of test predictions written by emolib ({exc})") from exc

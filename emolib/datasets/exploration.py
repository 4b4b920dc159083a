"""Tables and summaries behind the dataset-exploration chapter (notebook 01), for whichever data is
pointed at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from emolib.datasets.descriptors import DescriptorSource, locate, survey
from emolib.datasets.mediaeval import MediaEvalSet
from emolib.datasets.smelloffear import LABEL_NAMES, SmellOfFearSet
from emolib.media import probe
from emolib.media.alignment import SEQUENCE_SECONDS, SHIFT_SECONDS, WINDOW_SECONDS


def movie_table(devset: MediaEvalSet) -> pd.DataFrame:
    """One row per MediaEval movie: frame rate and duration from the file, annotation coverage.

    Movies whose file is not under the data folder keep ``fps`` and ``duration`` as ``NaN``; their
    ``annotated`` span (end of the last window) is known from the annotations alone.

    Parameters
    ----------
    devset
        A set from :func:`emolib.datasets.mediaeval.load_devset` (10 s windows) or
        :func:`~emolib.datasets.mediaeval.load_mediaeval2018` (one row per second).

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``fps``, ``duration`` (s), ``width``, ``height``, ``audio_rate``,
        ``audio_channels``, ``n_windows`` (annotation rows), ``annotated`` (s).
    """
    rows = []
    for movie in devset.movies.itertuples(index=False):
        row = {"name": movie.name, "n_windows": int(movie.n_windows)}
        if devset.grid == "second":
            row["annotated"] = float(devset.movie_annotations(movie.name)["time"].iloc[-1]) + 1.0
        else:
            row["annotated"] = (movie.n_windows - 1) * SHIFT_SECONDS + WINDOW_SECONDS
        if movie.movie is not None:
            info = probe(movie.movie)
            row.update(
                fps=info.fps,
                duration=info.duration,
                width=info.width,
                height=info.height,
                audio_rate=info.audio_rate,
                audio_channels=info.audio_channels,
            )
        rows.append(row)
    columns = ["name", "fps", "duration", "width", "height", "audio_rate", "audio_channels"]
    return pd.DataFrame(rows).reindex(columns=columns + ["n_windows", "annotated"])


def label_frequencies(dataset: SmellOfFearSet, min_positive: int = 20) -> pd.DataFrame:
    """Positive sequences per scene label over all films, and whether the kept-label rule keeps it.

    Returns
    -------
    pandas.DataFrame
        One row per label of :data:`emolib.datasets.smelloffear.LABEL_NAMES`, in order: ``index``,
        ``label``, ``positives``, ``share`` (of all sequences), ``kept``.
    """
    stacked = pd.concat(list(dataset.labels.values()), ignore_index=True)
    positives = stacked[list(LABEL_NAMES)].sum().to_numpy()
    kept = set(dataset.kept_labels(min_positive))
    return pd.DataFrame(
        {
            "index": np.arange(len(LABEL_NAMES)),
            "label": LABEL_NAMES,
            "positives": positives,
            "share": positives / max(len(stacked), 1),
            "kept": [name in kept for name in LABEL_NAMES],
        }
    )


def voc_curves(dataset: SmellOfFearSet, film: str) -> pd.DataFrame:
    """The film's screenings as one long table, raw and scaled (per screening, gaps filled).

    Returns
    -------
    pandas.DataFrame
        Columns ``screening``, ``sequence``, ``minute`` (start of the 30 s sequence),
        ``compound``, ``raw`` (``NaN`` where missing) and ``scaled`` (in [0, 1], filled).
    """
    screenings = dataset.films.set_index("film").loc[film, "screenings"]
    raw = dataset.vocs[film]
    scaled = dataset.scaled_vocs(film)

    def long(table: pd.DataFrame, name: str) -> pd.DataFrame:
        indexed = table.rename_axis("sequence").reset_index()
        return indexed.melt("sequence", var_name="compound", value_name=name)

    parts = [
        long(r, "raw").assign(scaled=long(s, "scaled")["scaled"].to_numpy(), screening=int(number))
        for number, r, s in zip(screenings, raw, scaled, strict=True)
    ]
    out = pd.concat(parts, ignore_index=True)
    out["minute"] = out["sequence"] * SEQUENCE_SECONDS / 60.0
    return out[["screening", "sequence", "minute", "compound", "raw", "scaled"]]


def descriptor_table(root: str | Path, sources: list[DescriptorSource] | None = None) -> pd.DataFrame:
    """Which of the organisers' descriptor folders a data folder holds, from their listings.

    Parameters
    ----------
    root
        The data folder (searched with :func:`emolib.datasets.descriptors.locate`).
    sources
        The folders, if already located.

    Returns
    -------
    pandas.DataFrame
        One row per edition and descriptor, in that order: ``edition``, ``descriptor``, ``modality``,
        ``dims`` (the widths found, e.g. ``"4096"``), ``movies``, ``rows`` (seconds, or 10 s segments for
        the 2017 audio), ``covered`` (seconds the rows span, summed over movies), ``missing`` (rows
        without a file) and ``empty`` (empty files); empty when there is none.
    """
    found = locate(root) if sources is None else sources
    rows = []
    for source in found:
        s = survey(source)
        step, duration = source.grid
        rows.append(
            {
                "edition": source.edition,
                "descriptor": source.descriptor,
                "modality": source.modality,
                "dim": s.dim,
                "movie": source.movie,
                "rows": s.n_rows,
                "covered": (s.n_rows - 1) * step + duration,
                "missing": s.missing,
                "empty": s.empty,
            }
        )
    columns = ["edition", "descriptor", "modality", "dims", "movies", "rows", "covered", "missing", "empty"]
    if not rows:
        return pd.DataFrame(columns=columns)
    table = pd.DataFrame(rows)
    grouped = table.groupby(["edition", "descriptor", "modality"], sort=False)
    out = grouped.agg(
        dims=("dim", lambda d: ", ".join(str(x) for x in sorted(set(d)))),
        movies=("movie", "nunique"),
        rows=("rows", "sum"),
        covered=("covered", "sum"),
        missing=("missing", "sum"),
        empty=("empty", "sum"),
    ).reset_index()
    return out.sort_values(["edition", "descriptor"], kind="stable").reset_index(drop=True)[columns]


def defects_table(defects: list[str] | tuple[str, ...]) -> pd.DataFrame:
    """The warnings about a release's defects as a table: ``file`` (its name) and ``defect``."""
    rows = []
    for text in defects:
        where, _, what = text.partition(": ")
        rows.append({"file": Path(where.split(":")[0]).name, "defect": what})
    return pd.DataFrame(rows, columns=["file", "defect"])


def mediaeval_summary(devset: MediaEvalSet, movies: pd.DataFrame) -> dict[str, Any]:
    """What the chapter's ``summary.json`` records of a MediaEval set.

    Parameters
    ----------
    devset
        A 2017 set (10 s windows) or a 2018 one (one row per second).
    movies
        Its :func:`movie_table`.

    Returns
    -------
    dict
        ``movies``, then for 2017 ``windows``, ``fear_share`` and ``hours`` (the movies' durations summed),
        for 2018 ``seconds``, ``fear_share`` and ``defects`` (the loader's warnings); ``fear_share`` is the
        share of annotation rows labelled fear, ``None`` when no movie has fear ground truth.
    """
    ann = devset.annotations
    fear = float(ann["fear"].mean()) if "fear" in ann else None
    if devset.grid == "second":
        defects = len(devset.defects)
        return {"movies": len(movies), "seconds": len(ann), "fear_share": fear, "defects": defects}
    hours = float(movies["duration"].sum() / 3600)
    return {"movies": len(movies), "windows": len(ann), "fear_share": fear, "hours": hours}


def smelloffear_summary(dataset: SmellOfFearSet, kept: list[str]) -> dict[str, Any]:
    """What the chapter's ``summary.json`` records of a Smell of Fear set.

    Parameters
    ----------
    dataset
        The set.
    kept
        The labels the kept-label rule keeps (:func:`label_frequencies`).

    Returns
    -------
    dict
        ``films`` (labelled), ``sequences`` and ``screenings`` (over all films) and ``kept_labels``.
    """
    return {
        "films": len(dataset.films),
        "sequences": int(dataset.films["n_sequences"].sum()),
        "screenings": int(dataset.films["screenings"].map(len).sum()),
        "kept_labels": kept,
    }


def descriptor_summary(descriptors: pd.DataFrame) -> dict[str, dict[str, int]]:
    """The movies and rows of each descriptor folder, keyed ``"<edition> <descriptor>"``.

    Parameters
    ----------
    descriptors
        A :func:`descriptor_table`.
    """
    return {
        f"{row.edition} {row.descriptor}": {"movies": int(row.movies), "rows": int(row.rows)}
        for row in descriptors.itertuples()
    }

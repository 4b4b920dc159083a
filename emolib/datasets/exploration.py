"""Tables behind the dataset-exploration chapter (notebook 01), for whichever data is pointed at."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
        A development set from :func:`emolib.datasets.mediaeval.load_devset`.

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``fps``, ``duration`` (s), ``width``, ``height``, ``audio_rate``,
        ``audio_channels``, ``n_windows``, ``annotated`` (s).
    """
    rows = []
    for movie in devset.movies.itertuples(index=False):
        row = {"name": movie.name, "n_windows": int(movie.n_windows)}
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

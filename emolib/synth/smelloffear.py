"""Writer of the synthetic Smell of Fear set.

Layout under ``<out>/smelloffear/`` (the real release's, see ``data/README.md``)::

    movies/<Film>.mp4                 labelled and unlabelled films alike
    labels/<Film>.csv                 42 rows x one column per whole 30 s sequence, 0/1, no header
    labels/<Film>_transposed.csv      the same, sequences x 42
    vocs/<k>_<Film>.arff              one per screening k = 1, 2, ...
    audio/<Film>.npy                  float64 (N, 193), librosa193 of every 30 s of the soundtrack
    _latent/<Film>.csv                (synthetic only: the latent curves)

Only labelled films have labels, VOCs and audio features; unlabelled films (for autoencoder
pre-training) have a movie and a latent file. As in the real release, the row counts of the
audio table and of the screenings may differ from the number of labelled sequences by one: the
audio table of film ``j`` has :data:`AUDIO_ROW_OFFSETS` ``[j % 3]`` rows more than the labels (the
extra row describes the partial last sequence), and every screening has -1, 0 or +1 rows more.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from emolib.core.atomic import atomic_path, write_text
from emolib.datasets.layouts import SMELLOFFEAR_SUBDIR
from emolib.media.alignment import n_sequences
from emolib.synth.breath import simulate_screening, write_screening
from emolib.synth.groundtruth import write_latent
from emolib.synth.labels import scene_labels
from emolib.synth.movie import render_movie
from emolib.synth.profiles import MovieSpec
from emolib.synth.seeding import stream

AUDIO_ROW_OFFSETS = (0, 1, -1)
"""Audio rows minus label columns, for film index 0, 1, 2, 3, ... (cycled)."""


def format_matrix(matrix: np.ndarray) -> str:
    """Comma-separated 0/1 rows, no header."""
    return "\n".join(",".join(str(int(x)) for x in row) for row in matrix) + "\n"


def build_film(spec: MovieSpec, seed: int, out: Path) -> dict:
    """Render one film and, if labelled, its labels, screenings and audio table; return its manifest entry."""
    root = out / SMELLOFFEAR_SUBDIR
    movie = root / "movies" / f"{spec.name}.mp4"
    rendered = render_movie(spec, seed, movie, features=spec.labelled)
    files = [movie, write_latent(root / "_latent" / f"{spec.name}.csv", rendered)]
    entry: dict = {}
    if spec.labelled:
        if rendered.features is None:
            raise ValueError(f"{spec.name}: a labelled film was rendered without its audio features")
        n_seq = n_sequences(spec.duration)
        labels = scene_labels(rendered.latent, n_seq, stream(seed, spec.layout, spec.index, "labels"))
        files.append(write_text(root / "labels" / f"{spec.name}.csv", format_matrix(labels)))
        files.append(write_text(root / "labels" / f"{spec.name}_transposed.csv", format_matrix(labels.T)))
        n_audio = n_seq + AUDIO_ROW_OFFSETS[spec.index % len(AUDIO_ROW_OFFSETS)]
        audio = np.ascontiguousarray(rendered.features[:n_audio], dtype=np.float64)
        with atomic_path(root / "audio" / f"{spec.name}.npy") as tmp:
            with open(tmp, "wb") as fh:
                np.save(fh, audio)
        files.append(root / "audio" / f"{spec.name}.npy")
        screenings = []
        for k in range(1, spec.screenings + 1):
            rng = stream(seed, spec.layout, spec.index, "vocs", k)
            rows = n_seq + int(rng.integers(-1, 2))
            screening = simulate_screening(rendered.latent, rows, k, rng)
            files.append(write_screening(root / "vocs" / f"{k}_{spec.name}.arff", spec.name, screening))
            measured = screening.values[:, 1:]
            screenings.append({
                "number": k,
                "audience": screening.audience,
                "lag_sequences": round(screening.lag, 4),
                "rows": rows,
                "missing_fraction": round(float(np.isnan(measured).mean()), 4),
                "missing_compounds": list(screening.missing_compounds),
            })  # fmt: skip
        entry = {
            "n_sequences": n_seq,
            "audio_rows": int(audio.shape[0]),
            "label_counts": labels.sum(axis=1).astype(int).tolist(),
            "screenings": screenings,
        }
    entry["files"] = [str(Path(p).relative_to(out)) for p in files]
    return entry

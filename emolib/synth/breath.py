"""Breath compounds of a synthetic cinema audience, one Weka ARFF file per screening.

What the study's instruments saw, in miniature: every 30 s the cinema air is measured (CO2 in
ppm, and about two hundred masses, in ppb, named by m/z). Each screening has its own audience
size, which scales everything the audience breathes out, and its own response lag of one to two
sequences behind the scenes. The six compounds the study uses follow the latent curves:

* **CO2** accumulates as the audience sits (a saturating rise with a drifting baseline) and
  rises a little with arousal and fear (faster breathing);
* **isoprene** (m70.0766) follows fear, arousal and shocks (muscle tension): the strongest marker;
* **acetone** (m58.0756) and **methanol** (m33.0335) follow arousal, weakly and slowly;
* **ethanol** (m46.0653) is mostly the bar (a random walk) with a touch of laughter in comedies;
* **siloxane** (m374.0818) is personal-care products evaporating: a decay unrelated to the film.

The other masses are instrument background, some weakly coupled to the same curves. Missing
values (``?``) come as scattered cells, as runs of rows where the instrument was calibrating,
and, rarely, as a compound missing for a whole screening.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from emolib.core.atomic import write_text
from emolib.media.alignment import SEQUENCE_SECONDS, sequence_starts
from emolib.synth.latent import SCENES, Latent

USED_MASSES: dict[str, float] = {
    "methanol": 33.0335,
    "ethanol": 46.0653,
    "acetone": 58.0756,
    "isoprene": 70.0766,
    "siloxane": 374.0818,
}
"""m/z of the five mass-named compounds the study uses (CO2 is named ``CO2``)."""
N_BACKGROUND = 195
"""Number of other masses in every file (the header is the same for every screening)."""
CELL_MISSING = 0.01
"""Probability that one measurement is missing."""
COLUMN_MISSING = 0.03
"""Probability that one of the six used compounds is missing for a whole screening."""
RUN_EVERY = 60.0
"""Mean rows between two calibration runs (2 to 4 rows where every measurement is missing)."""
_COMEDY = SCENES.index("comedy")


def _masses() -> tuple[float, ...]:
    rng = np.random.default_rng(20131201)  # fixed: the instrument, not the sample, decides the header
    used = np.array(list(USED_MASSES.values()))
    found: list[float] = []
    while len(found) < N_BACKGROUND:
        m = round(float(rng.uniform(15.0, 420.0)), 4)
        if np.min(np.abs(used - m)) > 0.01 and all(abs(m - f) > 0.001 for f in found):
            found.append(m)
    return tuple(sorted([*found, *used.tolist()]))


MASSES: tuple[float, ...] = _masses()
"""Every mass in the files, ascending."""
ATTRIBUTES: tuple[str, ...] = ("time", "CO2", *(f"m{m:.4f}" for m in MASSES))
"""Attribute names of every ARFF file, in order."""


@dataclass(frozen=True)
class Screening:
    """One screening's measurements.

    Attributes
    ----------
    number
        Screening number ``k`` (from 1).
    audience
        People in the room.
    lag
        Response lag in 30 s sequences.
    values
        Measurements, shape ``(rows, len(ATTRIBUTES))``, NaN where missing (never in ``time``).
    missing_compounds
        Used compounds missing for the whole screening.
    """

    number: int
    audience: int
    lag: float
    values: NDArray[np.float64]
    missing_compounds: tuple[str, ...]


def stimuli(latent: Latent, rows: int) -> dict[str, NDArray[np.float64]]:
    """What the audience responds to, per 30 s row: arousal and valence in [0, 1], fear, shocks, laughter."""
    starts = sequence_starts(rows)
    arousal = (latent.interval_means(starts, SEQUENCE_SECONDS, "arousal") + 1.0) / 2.0
    valence = (latent.interval_means(starts, SEQUENCE_SECONDS, "valence") + 1.0) / 2.0
    fear = latent.interval_means(starts, SEQUENCE_SECONDS, "fear")
    shocks = np.minimum(latent.shock_counts(starts, SEQUENCE_SECONDS), 3) / 3.0
    laugh = latent.scene_fractions(starts, SEQUENCE_SECONDS)[:, _COMEDY] * valence
    return {"arousal": arousal, "valence": valence, "fear": fear, "shocks": shocks, "laugh": laugh}


def lagged(x: NDArray[np.float64], lag: float, spread: float = 0.5) -> NDArray[np.float64]:
    """Causal response to ``x``: a Gaussian kernel centred ``lag`` rows in the past."""
    taps = np.arange(int(np.ceil(lag + 3 * spread)) + 1)
    kernel = np.exp(-0.5 * ((taps - lag) / spread) ** 2)
    kernel /= kernel.sum()
    padded = np.concatenate([np.full(taps.size - 1, x[0]), x])
    return np.convolve(padded, kernel, mode="valid")


def simulate_screening(latent: Latent, rows: int, number: int, rng: np.random.Generator) -> Screening:
    """Measurements of one screening.

    Parameters
    ----------
    latent
        The film's latent curves.
    rows
        Number of 30 s rows.
    number
        Screening number ``k``.
    rng
        A random stream of this screening.
    """
    s = stimuli(latent, rows)
    audience = int(rng.integers(25, 260))
    lag = float(rng.uniform(1.0, 2.0))
    scale = audience / 100.0
    i = np.arange(rows, dtype=np.float64)
    drive = {key: lagged(val, lag) for key, val in s.items()}
    slow = {key: lagged(val, lag + 1.0, spread=1.0) for key, val in s.items()}

    def noisy(x: NDArray[np.float64], rel: float) -> NDArray[np.float64]:
        return np.abs(x * (1.0 + rel * rng.standard_normal(rows)))

    co2 = (
        420.0
        + 260.0 * scale * (1.0 - np.exp(-i / 15.0))
        + np.cumsum(rng.normal(0.0, 1.5, rows))
        + 60.0 * scale * (drive["arousal"] + drive["fear"])
        + rng.normal(0.0, 2.0, rows)
    )
    used = {
        "methanol": noisy(scale * (6.0 + 3.0 * slow["arousal"]), 0.03),
        "ethanol": noisy(scale * (15.0 + np.cumsum(rng.normal(0.0, 0.3, rows)) + 8.0 * drive["laugh"]), 0.04),
        "acetone": noisy(scale * (4.0 + 3.0 * slow["arousal"]), 0.03),
        "isoprene": noisy(
            scale * (1.5 + 2.5 * drive["fear"] + 1.0 * drive["arousal"] + 1.0 * drive["shocks"]), 0.04
        ),
        "siloxane": noisy(0.3 + 3.0 * scale * np.exp(-i / 40.0), 0.06),
    }
    values = np.empty((rows, len(ATTRIBUTES)))
    values[:, 0] = sequence_starts(rows)
    values[:, 1] = co2
    base = np.exp(rng.normal(-0.7, 1.2, len(MASSES)))
    coupling = np.where(rng.random(len(MASSES)) < 0.3, rng.uniform(0.1, 0.8, len(MASSES)), 0.0)
    mix = drive["arousal"][:, None] * rng.random(len(MASSES)) + drive["fear"][:, None] * rng.random(
        len(MASSES)
    )
    values[:, 2:] = np.abs(
        scale * base * (1.0 + coupling * mix) * (1.0 + 0.08 * rng.standard_normal((rows, len(MASSES))))
    )
    for name, series in used.items():
        values[:, 2 + MASSES.index(USED_MASSES[name])] = series

    # missing values: scattered cells, calibration runs, rarely a whole compound
    measured = values[:, 1:]
    measured[rng.random(measured.shape) < CELL_MISSING] = np.nan
    for _ in range(int(rng.poisson(rows / RUN_EVERY))):
        length = int(rng.integers(2, 5))
        start = int(rng.integers(0, max(1, rows - length)))
        measured[start : start + length] = np.nan
    columns = {"CO2": 1, **{name: 2 + MASSES.index(m) for name, m in USED_MASSES.items()}}
    gone = tuple(name for name in columns if rng.random() < COLUMN_MISSING)
    for name in gone:
        values[:, columns[name]] = np.nan
    return Screening(number=number, audience=audience, lag=lag, values=values, missing_compounds=gone)


def _fmt(x: float, digits: int) -> str:
    return "?" if np.isnan(x) else f"{x:.{digits}g}"


def format_arff(film: str, screening: Screening) -> str:
    """The text of a screening's ARFF file: comments, ``@relation``, the long header, ``@data`` rows."""
    lines = [
        "% Synthetic cinema air measurements (emolib synthetic cinema; not real data)",
        f"% film {film}, screening {screening.number}: one row per 30 s from the start of the film",
        "% time in seconds, CO2 in ppm, masses (m/z) in ppb",
        f"@relation {film}_{screening.number}",
        "",
    ]
    lines += [f"@attribute {name} numeric" for name in ATTRIBUTES]
    lines += ["", "@data"]
    for row in screening.values:
        cells = [f"{row[0]:.0f}", _fmt(row[1], 6), *(_fmt(x, 5) for x in row[2:])]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def write_screening(path: Path, film: str, screening: Screening) -> Path:
    """Write a screening's ARFF file atomically."""
    return write_text(path, format_arff(film, screening))

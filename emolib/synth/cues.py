"""Cue presence and nuisance: how much of the latent truth each modality shows, and when.

The latent curves (:mod:`emolib.synth.latent`) are the truth that the annotations average. As in
real films, no single channel shows that truth all the time; this module plans, once per movie,
when each cue is present and what hides it:

* **music** plays in stretches and is absent in others, where the soundtrack is room tone or a
  dialogue-like babble. Only while it plays does the sound carry valence (the share of major bars)
  and arousal (tempo, loudness); each stretch of music has its own mix level and its own tempo
  multiplier (nuisances);
* **looks** of the picture: in *graded* stretches the colour grade follows valence (warm and
  bright to cold and dim), shifted by the stretch's own grading offset; in *stylised* stretches it
  is a look unrelated to emotion (green, teal, magenta or grey). Every stretch also has its own
  editing pace and camera energy (nuisances of the cut rate and the motion), and in *held*
  stretches the camera barely moves and shots are long, whatever the arousal;
* **night**: some scenes are dark (and vignetted) like a fear episode, with no fear in them;
* **stingers**: small sudden sounds, most of them in the seconds before a fear episode begins,
  a few anywhere.

Stretches are independent of the scenes and of each other, so each modality alone is ambiguous
part of the time and the other one, or what came before, resolves it. Everything is drawn from
the movie's ``cues`` random stream, so the latent curves (and the labels and breath compounds
derived from them) do not change when cues are redesigned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from emolib.synth.latent import SCENES, Latent

MUSIC_STRETCH = 30.0
"""Mean length in seconds of a stretch of music or of its absence."""
MUSIC_ON = 0.55
"""Probability that a stretch has music."""
MUSIC_FADE = 1.5
"""Seconds over which music fades in or out (and changes mix level)."""
MIX_DB = 4.0
"""Standard deviation in dB of a music stretch's mix level."""
TEMPO_SPREAD = 0.1
"""Standard deviation of the log of a music stretch's own tempo multiplier (each piece its own tempo)."""
LOOK_STRETCH = 25.0
"""Mean length in seconds of a stretch of one picture look."""
GRADED = 0.55
"""Probability that a look's colour grade follows valence."""
GRADE_OFFSET = 0.2
"""Standard deviation of a graded look's own offset, in valence units."""
HELD = 0.25
"""Probability that a look is held (almost still camera, long shots)."""
STYLE_SPREAD = 0.25
"""Standard deviation of the log of a look's editing pace and camera energy multipliers."""
NIGHT = 0.2
"""Probability that a scene other than a dream or suspense is set at night."""
STINGER_LEAD = 12.0
"""Stingers before a fear episode fall within this many seconds before its onset (and 2 s after)."""
STRAY_STINGER_EVERY = 150.0
"""Mean seconds between stingers that announce nothing."""
STYLISED_COLOURS = np.array(
    [[0.30, 0.62, 0.30], [0.18, 0.58, 0.56], [0.66, 0.30, 0.62], [0.52, 0.52, 0.52]], dtype=np.float32
)
"""Colour grades of stylised looks (green, teal, magenta, grey), before their brightness."""
_NO_NIGHT = (SCENES.index("dream"), SCENES.index("suspense"))


@dataclass(frozen=True)
class Cues:
    """When each cue of one movie is present, and its nuisances.

    Attributes
    ----------
    music_starts
        Start of each stretch of the soundtrack in seconds (the first is 0).
    music_on
        Whether each stretch has music.
    mix
        Linear mix level of each stretch's music (1 on average; 0 without music).
    tempo
        Tempo multiplier of each stretch's music (around 1).
    babble
        Whether a stretch without music is dialogue-like babble (otherwise room tone).
    ambience
        Linear level of the room tone or babble of each stretch without music (0 with music).
    look_starts
        Start of each stretch of one picture look in seconds (the first is 0).
    graded
        Whether each look's colour grade follows valence.
    grade_offset
        Valence offset of each graded look's colour grade.
    grade_colour
        Colour of each stylised look, RGB in [0, 1], shape ``(n_looks, 3)``.
    held
        Whether each look is held (almost still camera, long shots).
    pace
        Multiplier of each look's mean shot length (held looks included).
    energy
        Multiplier of each look's motion speed (held looks included).
    night
        Whether each scene of the latent chain is set at night.
    scene_starts
        Start of each scene (the latent's), to look ``night`` up.
    stingers
        Times in seconds of the stingers, sorted.
    """

    music_starts: NDArray[np.float64]
    music_on: NDArray[np.bool_]
    mix: NDArray[np.float64]
    tempo: NDArray[np.float64]
    babble: NDArray[np.bool_]
    ambience: NDArray[np.float64]
    look_starts: NDArray[np.float64]
    graded: NDArray[np.bool_]
    grade_offset: NDArray[np.float64]
    grade_colour: NDArray[np.float32]
    held: NDArray[np.bool_]
    pace: NDArray[np.float64]
    energy: NDArray[np.float64]
    night: NDArray[np.bool_]
    scene_starts: NDArray[np.float64]
    stingers: NDArray[np.float64]

    def music_at(self, times: ArrayLike) -> NDArray[np.bool_]:
        """Whether the stretch in force at ``times`` has music."""
        return self.music_on[_index(self.music_starts, times)]

    def tempo_at(self, times: ArrayLike) -> NDArray[np.float64]:
        """Tempo multiplier of the music stretch in force at ``times``."""
        return self.tempo[_index(self.music_starts, times)]

    def look_at(self, times: ArrayLike) -> NDArray[np.int64]:
        """Index of the look whose stretch is in force at ``times`` (shots take the one at their start)."""
        return _index(self.look_starts, times)

    def night_at(self, times: ArrayLike) -> NDArray[np.bool_]:
        """Whether the scene in force at ``times`` is set at night."""
        return self.night[_index(self.scene_starts, times)]

    def music_level(self, times: ArrayLike) -> NDArray[np.float64]:
        """Mix level of the music at ``times``, with :data:`MUSIC_FADE` s ramps between stretches."""
        return _ramped(self.music_starts, self.mix, times)

    def ambience_level(self, times: ArrayLike, babble: bool) -> NDArray[np.float64]:
        """Level of the room tone (``babble=False``) or of the babble at ``times``, ramped likewise."""
        return _ramped(self.music_starts, np.where(self.babble == babble, self.ambience, 0.0), times)


def _index(starts: NDArray[np.float64], times: ArrayLike) -> NDArray[np.int64]:
    idx = np.searchsorted(starts, np.asarray(times, dtype=np.float64), side="right") - 1
    return np.clip(idx, 0, starts.size - 1)


def _ramped(
    starts: NDArray[np.float64], values: NDArray[np.float64], times: ArrayLike
) -> NDArray[np.float64]:
    """Piecewise-constant ``values`` on stretches starting at ``starts``, ramped linearly at boundaries."""
    half = MUSIC_FADE / 2
    knots_t = np.concatenate([[starts[0]], np.stack([starts[1:] - half, starts[1:] + half], 1).ravel()])
    knots_v = np.concatenate([[values[0]], np.stack([values[:-1], values[1:]], 1).ravel()])
    return np.interp(np.asarray(times, dtype=np.float64), knots_t, knots_v)


def _stretches(rng: np.random.Generator, duration: float, mean: float) -> NDArray[np.float64]:
    """Starts of gamma-distributed stretches (at least 4 s) covering ``[0, duration]``."""
    starts = [0.0]
    while True:
        nxt = starts[-1] + max(4.0, float(rng.gamma(2.5, mean / 2.5)))
        if nxt >= duration - 2.0:
            return np.array(starts)
        starts.append(nxt)


def fear_onsets(latent: Latent, level: float = 0.1) -> NDArray[np.float64]:
    """Times at which the fear curve rises through ``level``: the onsets of the fear episodes."""
    above = latent.fear >= level
    rising = np.flatnonzero(above[1:] & ~above[:-1]) + 1
    return rising / latent.rate


def plan_cues(latent: Latent, rng: np.random.Generator) -> Cues:
    """Plan the presence and nuisances of every cue of a movie.

    Parameters
    ----------
    latent
        The movie's latent curves.
    rng
        The movie's ``cues`` random stream.
    """
    duration = latent.duration
    music_starts = _stretches(rng, duration, MUSIC_STRETCH)
    n = music_starts.size
    music_on = rng.random(n) < MUSIC_ON
    mix = np.where(music_on, 10.0 ** (rng.normal(0.0, MIX_DB, n) / 20.0), 0.0)
    babble = rng.random(n) < 0.5
    ambience = np.where(music_on, 0.0, 10.0 ** (rng.uniform(-40.0, -28.0, n) / 20.0))

    look_starts = _stretches(rng, duration, LOOK_STRETCH)
    m = look_starts.size
    graded = rng.random(m) < GRADED
    brightness = rng.uniform(0.55, 1.0, m).astype(np.float32)
    colours = STYLISED_COLOURS[rng.integers(0, len(STYLISED_COLOURS), m)] * brightness[:, None]
    held = rng.random(m) < HELD
    pace = np.exp(rng.normal(0.0, STYLE_SPREAD, m)) * np.where(held, 2.5, 1.0)
    energy = np.exp(rng.normal(0.0, STYLE_SPREAD, m)) * np.where(held, 0.12, 1.0)

    night = (rng.random(latent.scene_codes.size) < NIGHT) & ~np.isin(latent.scene_codes, _NO_NIGHT)
    stingers = []
    for onset in fear_onsets(latent):
        stingers.extend(rng.uniform(onset - STINGER_LEAD, onset + 2.0, size=1 + rng.poisson(1.0)))
    stingers.extend(rng.uniform(0.0, duration, size=rng.poisson(duration / STRAY_STINGER_EVERY)))
    return Cues(
        music_starts=music_starts,
        music_on=music_on,
        mix=mix,
        tempo=np.exp(rng.normal(0.0, TEMPO_SPREAD, n)),
        babble=babble,
        ambience=ambience,
        look_starts=look_starts,
        graded=graded,
        grade_offset=np.where(graded, rng.normal(0.0, GRADE_OFFSET, m), 0.0),
        grade_colour=colours.astype(np.float32),
        held=held,
        pace=pace,
        energy=energy,
        night=night,
        scene_starts=latent.scene_starts,
        stingers=np.sort(np.array([s for s in stingers if 0.5 < s < duration - 0.5])),
    )

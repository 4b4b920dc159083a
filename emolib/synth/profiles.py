"""Profiles of the synthetic cinema and the plan of movies each one expands to.

A :class:`Profile` says how many movies each layout gets and how long they are; :func:`plan`
turns a profile and a seed into concrete :class:`MovieSpec` objects (name, duration, frame rate,
frame size, audio format). Formats are dealt out in turn rather than drawn, so that even the
smallest profile shows every frame rate, several aspect ratios, both audio rates and both channel
layouts. Durations are drawn, and nudged off the 5 s annotation grid, as real movies are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction

from emolib.datasets.descriptors import VISUAL_DESCRIPTORS
from emolib.datasets.layouts import MEDIAEVAL2018_SUBDIR, MEDIAEVAL_TEST_SUBDIR
from emolib.synth.seeding import stream

FRAME_RATES: tuple[Fraction, ...] = (
    Fraction(24000, 1001),
    Fraction(24),
    Fraction(25),
    Fraction(30000, 1001),
    Fraction(30),
)
"""Frame rates dealt out to movies: 23.976, 24, 25, 29.97 and 30 fps."""
FRAME_SIZES: tuple[tuple[int, int], ...] = (
    (192, 108),  # 16:9
    (176, 96),  # 1.85:1 (1.83)
    (192, 80),  # 2.39:1 (2.4)
    (144, 108),  # 4:3
    (160, 90),  # 16:9
    (224, 94),  # 2.39:1 (2.38)
)
"""Frame sizes (width, height), all even, dealt out to movies."""
AUDIO_FORMATS: tuple[tuple[int, int], ...] = ((44100, 2), (48000, 1), (48000, 2), (44100, 1))
"""Audio (sample rate, channels) dealt out to movies."""

MEDIAEVAL_NAMES: tuple[str, ...] = (
    "Amber_Harbour", "Blue_Lanterns", "Copper_Sky", "Dust_and_Echoes", "Empty_Stations",
    "Fable_of_Rain", "Glass_Orchard", "Hollow_Bells", "Iron_Meadow", "Juniper_Road",
    "Kite_Season", "Last_Ferry", "Moth_Light", "Night_Garden", "Open_Water",
    "Paper_Tigers", "Quiet_Harvest", "Red_Signal", "Salt_Lake_Lullaby", "Tin_Soldiers",
    "Under_the_Pier", "Velvet_Static", "Winter_Circus", "Xylophone_Street", "Yellow_Balloon",
    "Zero_Gravity", "Attic_Letters", "Borrowed_Time", "Cold_Frontier", "Dancing_Shadows",
)  # fmt: skip
"""Invented titles of the synthetic MediaEval movies (never the real ones, so the sets can't be mixed up)."""
SOF_LABELLED_NAMES: tuple[str, ...] = ("Clover", "Hearth", "Marrow", "Mirth", "Pallor", "Tempest")
"""Invented abbreviations of the labelled Smell of Fear films."""
SOF_UNLABELLED_NAMES: tuple[str, ...] = (
    "Sable", "Marrow_bis", "Halcyon", "Pallor_bis", "Tempest_bis", "Furnace",
)  # fmt: skip
"""Invented names of the unlabelled films (autoencoder pre-training), after the study's ``_bis`` habit."""
TEST_LAYOUT = MEDIAEVAL_TEST_SUBDIR
"""Layout name of the synthetic MediaEval 2017 test set (its own random streams and folder)."""
TEST_NAME_FORMAT = "MEDIAEVAL17_{:02d}"
"""Anonymised names of the test movies, as in the real 2017 test set: ``MEDIAEVAL17_00``, ..."""
ME18_LAYOUT = MEDIAEVAL2018_SUBDIR
"""Layout name of the synthetic MediaEval 2018 set (development parts 1-3 and the test part)."""
ME18_NAME_FORMAT = "MEDIAEVAL18_{:02d}"
"""Names of the 2018 movies: ``MEDIAEVAL18_00``, ... numbered across the parts, development first."""
VISUAL_2017: tuple[str, ...] = ("cl", "eh", "tamura", "fc6")
"""The visual descriptor folders written beside the small profiles' 2017 movies (``full`` writes all 11):
the reader takes any subset, and these keep ``tiny`` small on disk (``fc6`` is what notebook 04 uses)."""

MIN_GRID_OFFSET = 0.5
"""Smallest distance in seconds between a duration and a multiple of 5 s."""
MIN_SEQUENCE_TAIL = 3.0
"""Smallest partial 30 s sequence at the end of a Smell of Fear film, in seconds."""


@dataclass(frozen=True)
class Profile:
    """How big a synthetic cinema is.

    Attributes
    ----------
    name
        Profile name.
    mediaeval_movies
        Number of MediaEval 2017 movies.
    mediaeval_seconds
        Range of their durations in seconds.
    screenings
        Number of screenings of each labelled Smell of Fear film (one entry per film).
    sof_seconds
        Range of the labelled films' durations in seconds.
    unlabelled_films
        Number of unlabelled Smell of Fear films.
    unlabelled_seconds
        Range of their durations in seconds.
    test_movies
        Number of MediaEval 2017 test-set movies (anonymised ``MEDIAEVAL17_XX``).
    test_seconds
        Range of their durations in seconds.
    me18_parts
        Movies of the MediaEval 2018 development parts 1, 2 and 3.
    me18_test
        Movies of the 2018 test part.
    me18_seconds
        Range of the 2018 movies' durations in seconds.
    visual_2017
        Visual descriptor folders written beside the 2017 movies (the 2018 ones get all 11).
    """

    name: str
    mediaeval_movies: int
    mediaeval_seconds: tuple[float, float]
    screenings: tuple[int, ...]
    sof_seconds: tuple[float, float]
    unlabelled_films: int
    unlabelled_seconds: tuple[float, float]
    test_movies: int = 0
    test_seconds: tuple[float, float] = (60.0, 90.0)
    me18_parts: tuple[int, int, int] = (0, 0, 0)
    me18_test: int = 0
    me18_seconds: tuple[float, float] = (45.0, 65.0)
    visual_2017: tuple[str, ...] = VISUAL_2017


PROFILES: dict[str, Profile] = {
    "micro": Profile("micro", 5, (30.0, 45.0), (2, 2), (720.0, 780.0), 1, (10.0, 16.0), 2, (20.0, 30.0),
                     (1, 1, 1), 1, (20.0, 28.0)),
    "tiny": Profile("tiny", 8, (110.0, 140.0), (3, 2, 4, 3, 3, 2), (900.0, 1000.0), 2, (40.0, 80.0),
                    3, (60.0, 90.0), (2, 2, 1), 2, (45.0, 65.0)),
    "full": Profile("full", 30, (180.0, 600.0), (10, 7, 2, 14, 4, 9), (600.0, 1200.0), 6, (300.0, 900.0),
                    14, (180.0, 600.0), (14, 30, 10), 12, (180.0, 600.0), VISUAL_DESCRIPTORS),
}  # fmt: skip
"""The profiles: ``micro`` (tests, and every notebook on another Keras backend: half a minute to
generate; five movies for the four folds of notebook 04, two 12-minute Smell of Fear films for the
twenty positive sequences a label needs to be kept), ``tiny`` (CI default) and ``full`` (whose 14 test
movies are as many as the real 2017 test set's, and whose 2018 parts have the real release's 14, 30, 10
and 12 movies)."""


@dataclass(frozen=True)
class MovieSpec:
    """Everything fixed about one synthetic movie before any pixel is drawn.

    Attributes
    ----------
    layout
        ``"mediaeval2017"``, ``"smelloffear"`` or ``"mediaeval2017test"`` (:data:`TEST_LAYOUT`).
    index
        Index within the layout (labelled films first, then unlabelled ones).
    name
        File stem of the movie.
    fps
        Exact frame rate.
    width, height
        Frame size in pixels (even).
    audio_rate
        Audio sample rate in Hz.
    channels
        Audio channels (1 or 2).
    n_frames
        Number of video frames.
    screenings
        Smell of Fear screenings (0 for MediaEval movies and unlabelled films).
    labelled
        Whether the film has labels, VOCs and audio features (MediaEval movies: ``True``).
    part
        2018 movies: ``DevSet-Part1``, ``DevSet-Part2``, ``DevSet-Part3`` or ``TestSet``.
    """

    layout: str
    index: int
    name: str
    fps: Fraction
    width: int
    height: int
    audio_rate: int
    channels: int
    n_frames: int
    screenings: int = 0
    labelled: bool = True
    part: str = ""
    """2018 movies: the release set they belong to (``DevSet-Part1`` ... ``TestSet``); else empty."""

    @property
    def duration(self) -> float:
        """Duration in seconds: ``n_frames / fps``."""
        return float(self.n_frames / self.fps)

    @property
    def n_samples(self) -> int:
        """Number of audio samples per channel: the video duration at ``audio_rate``, rounded."""
        return int(round(self.n_frames * self.audio_rate / self.fps))

    @property
    def fps_text(self) -> str:
        """Frame rate as ffmpeg writes it (``"24000/1001"``, ``"25"``)."""
        return str(self.fps)


def acceptable_duration(duration: float, sequence_tail: bool) -> bool:
    """Whether a duration is off the 5 s grid (and, for Smell of Fear, leaves a partial sequence).

    Parameters
    ----------
    duration
        Seconds.
    sequence_tail
        Also require at least :data:`MIN_SEQUENCE_TAIL` seconds after the last whole 30 s sequence.
    """
    off = duration % 5.0
    if not MIN_GRID_OFFSET <= off <= 5.0 - MIN_GRID_OFFSET:
        return False
    return not sequence_tail or duration % 30.0 >= MIN_SEQUENCE_TAIL


def _spec(
    seed: int, layout: str, index: int, name: str, slot: int, bounds: tuple[float, float], screenings: int,
    labelled: bool,
) -> MovieSpec:  # fmt: skip
    """Deal the formats of ``slot`` and draw a duration (a whole number of frames) off the grids."""
    fps = FRAME_RATES[slot % len(FRAME_RATES)]
    width, height = FRAME_SIZES[slot % len(FRAME_SIZES)]
    rate, channels = AUDIO_FORMATS[slot % len(AUDIO_FORMATS)]
    duration = float(stream(seed, layout, index, "plan").uniform(*bounds))
    n_frames = int(math.floor(duration * fps))
    while not acceptable_duration(float(n_frames / fps), sequence_tail=labelled and layout == "smelloffear"):
        n_frames += int(fps)
    return MovieSpec(layout, index, name, fps, width, height, rate, channels, n_frames, screenings, labelled)


def me18_parts(prof: Profile) -> list[str]:
    """The release set of every 2018 movie of a profile, in number order."""
    sets = [f"DevSet-Part{p + 1}" for p, n in enumerate(prof.me18_parts) for _ in range(n)]
    return sets + ["TestSet"] * prof.me18_test


def plan(profile: str | Profile, seed: int) -> list[MovieSpec]:
    """The movies of a profile: MediaEval movies, labelled and unlabelled Smell of Fear films, test movies,
    then the 2018 movies.

    The test movies and the 2018 movies come last and draw from their own layouts' streams, so adding
    them left every earlier movie as it was.

    Parameters
    ----------
    profile
        A name in :data:`PROFILES` or a :class:`Profile`.
    seed
        Seed of the sample.

    Returns
    -------
    list of MovieSpec
        In a fixed order; the same arguments always give the same list.
    """
    prof = get_profile(profile)
    specs: list[MovieSpec] = []
    for i in range(prof.mediaeval_movies):
        specs.append(_spec(seed, "mediaeval2017", i, MEDIAEVAL_NAMES[i], i, prof.mediaeval_seconds, 0, True))
    n_lab = len(prof.screenings)
    for j in range(n_lab + prof.unlabelled_films):
        labelled = j < n_lab
        bounds = prof.sof_seconds if labelled else prof.unlabelled_seconds
        name = SOF_LABELLED_NAMES[j] if labelled else SOF_UNLABELLED_NAMES[j - n_lab]
        screenings = prof.screenings[j] if labelled else 0
        specs.append(_spec(seed, "smelloffear", j, name, j + 2, bounds, screenings, labelled))
    for k in range(prof.test_movies):
        specs.append(
            _spec(seed, TEST_LAYOUT, k, TEST_NAME_FORMAT.format(k), k + 1, prof.test_seconds, 0, True)
        )
    for j, part in enumerate(me18_parts(prof)):
        spec = _spec(seed, ME18_LAYOUT, j, ME18_NAME_FORMAT.format(j), j + 3, prof.me18_seconds, 0, True)
        specs.append(replace(spec, part=part))
    return specs


def get_profile(profile: str | Profile) -> Profile:
    """Look a profile up by name (a :class:`Profile` is returned as is).

    Raises
    ------
    ValueError
        If the name is unknown or the profile asks for more movies than there are names.
    """
    if isinstance(profile, Profile):
        prof = profile
    elif profile in PROFILES:
        prof = PROFILES[profile]
    else:
        raise ValueError(f"unknown profile {profile!r}; choose one of {sorted(PROFILES)}")
    if (
        prof.mediaeval_movies > len(MEDIAEVAL_NAMES)
        or len(prof.screenings) > len(SOF_LABELLED_NAMES)
        or prof.unlabelled_films > len(SOF_UNLABELLED_NAMES)
        or not 0 <= prof.test_movies <= 100
        or sum(prof.me18_parts) + prof.me18_test > 100
    ):
        raise ValueError(f"profile {prof.name!r} asks for more movies than there are names")
    return prof

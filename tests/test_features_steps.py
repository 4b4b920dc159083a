"""The step grid: one step count per movie, video clips and audio windows that line up exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from features_fixtures import make_movie
from media_fixtures import ClipSpec, decode_index, make_indexed_clip, truncated_copy

from emolib.features import iter_clips, iter_windows, logmel_patches, step_grid
from emolib.features.logmel import FMAX, FMIN, N_FRAMES, PATCH_SHAPE
from emolib.media import read_audio
from emolib.media.alignment import STEP_FRAMES, STEP_SAMPLES, TARGET_FPS, n_steps

# frame rates of real MediaEval movies; none of these durations is a whole number of 16/30 s steps
SPECS = [
    ClipSpec("film", "24000/1001", 131, tones=(440.0,), audio_rate=48000),
    ClipSpec("pal", "25", 109, tones=(1000.0,), audio_rate=44100),
    ClipSpec("ntsc", "30000/1001", 143, tones=(660.0, 880.0), audio_rate=48000),
]


@pytest.fixture(scope="module")
def movies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("steps")
    return {s.name: make_indexed_clip(folder / f"{s.name}.mp4", s) for s in SPECS}


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_video_and_audio_steps_line_up(spec: ClipSpec, movies: dict[str, Path]) -> None:
    assert (spec.duration / (16 / 30)) % 1 > 0.05  # the duration is off the step grid
    grid = step_grid(movies[spec.name])
    assert grid.n_steps == n_steps(spec.duration) == grid.n_frames // STEP_FRAMES > 0
    clips = iter_clips(movies[spec.name], grid, batch=3)
    video = [b for b in clips]
    windows = iter_windows(movies[spec.name], grid, batch=3)
    audio = [b for b in windows]
    assert [b.start for b in video] == [b.start for b in audio] == list(range(0, grid.n_steps, 3))
    v = np.concatenate([b.data for b in video])
    a = np.concatenate([b.data for b in audio])
    assert v.shape == (grid.n_steps, 16, 112, 112, 3) and v.dtype == np.uint8
    assert a.shape == (grid.n_steps, STEP_SAMPLES) and a.dtype == np.float32
    assert clips.shortfall == windows.shortfall == 0 and windows.padded_samples == 0
    # clip k starts at 30 fps frame 16 k, i.e. source frame floor(16 k * fps / 30)
    for k in range(grid.n_steps):
        assert decode_index(v[k, 0]) == int(np.floor(16 * k * spec.fps / TARGET_FPS + 1e-9))
    # window k is exactly samples [23520 k, 23520 (k + 1)) of the decoded soundtrack
    whole = read_audio(movies[spec.name])
    np.testing.assert_array_equal(a.ravel(), whole[: grid.n_samples])


def test_truncated_file_yields_the_decodable_steps(tmp_path: Path) -> None:
    full = make_movie(tmp_path / "full.mp4", rate="25", seconds=6.0, faststart=True)
    cut = truncated_copy(full, tmp_path / "cut.mp4", 0.5)
    grid = step_grid(cut)
    clips = iter_clips(cut, grid, batch=4)
    got = sum(len(b) for b in clips)
    assert 0 < got < grid.n_steps and clips.shortfall == grid.n_steps - got
    assert "video ends after" in clips.note


def test_logmel_patch_shape_and_pitch() -> None:
    t = np.arange(2 * STEP_SAMPLES) / 44100
    windows = np.stack([np.sin(2 * np.pi * f * t[:STEP_SAMPLES]) for f in (300.0, 3000.0)]).astype(np.float32)
    patches = logmel_patches(windows)
    assert patches.shape == (2, *PATCH_SHAPE) == (2, 98, 64) and N_FRAMES == 98
    assert logmel_patches(windows[0]).shape == PATCH_SHAPE
    low, high = (p.mean(axis=0).argmax() for p in patches)
    assert low < high  # a higher tone peaks in a higher mel band
    import librosa

    centres = librosa.mel_frequencies(64 + 2, fmin=FMIN, fmax=FMAX)[1:-1]
    assert abs(centres[high] - 3000) / 3000 < 0.1

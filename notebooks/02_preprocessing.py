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

# %% tags=["remove-cell"]
import json
from pathlib import Path

from IPython.display import display

from emolib.core.atomic import write_text
from emolib.core.figures import figure_saver, glue_values
from emolib.features import preview, step_grid
from emolib.runs.kernels import filter_library_warnings

filter_library_warnings()  # only warnings a reader can act on reach the page
out = Path(output_dir)
out.mkdir(parents=True, exist_ok=True)
show = figure_saver(out)  # PNG into output_dir, glued for the book's numbered captions
glue_values(preview.chapter_values())

# %% tags=["hide-input"]
sources = preview.shown_movies(data_dir, movie)  # one movie of data_dir, and Big Buck Bunny if installed
list(sources)

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
table = preview.grid_table(grids)
display(table.round(3))

# %% tags=["remove-cell"]
summary = {"data_dir": str(Path(data_dir).resolve()), "profile": profile, "seed": seed}
summary["movies"] = table.set_index("movie").to_dict(orient="index")

# %% [markdown]
# ## Frames before and after resampling
#
# Output frame $k$ (at $k/30$ s) shows the latest source frame that is not after it, source frame
# $\lfloor k \cdot \mathit{fps} / 30 \rfloor$. From 24 or 25 fps some source frames are therefore
# shown twice; the frames are also squeezed to 112 × 112, whatever the aspect ratio.

# %% tags=["hide-input"]
for i, (name, path) in enumerate(sources.items()):
    show(f"fig_resampling_{i}", preview.plot_resampling(name, path, grids[name]))

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
for i, (name, path) in enumerate(sources.items()):
    show(f"fig_step_{i}", preview.plot_step(name, path, step))

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
for i, (name, path) in enumerate(sources.items()):
    show(f"fig_timeline_{i}", preview.plot_timeline(name, path, grids[name], n_shown_steps))

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

# %% tags=["remove-cell"]
write_text(out / "summary.json", json.dumps(summary, indent=2, default=str))

# %% tags=["hide-input"]
table[["movie", "fps", "steps"]]

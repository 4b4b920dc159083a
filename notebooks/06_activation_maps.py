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
# # Activation maps
#
# What the encoder of {doc}`05_autoencoder` responds to: the outputs of each encoding layer for
# one sequence, as heat maps over its frames (the paper's Figure 14, after
# {cite:t}`zeiler2013visualizing`), the filters that never fire, and, beyond the paper, a Grad-CAM view
# over space and time of what drives one scene-label decision. Seeing where and when the codes respond
# tells whether the network learned the film's content or an artefact of the data.

# %% tags=["parameters", "hide-input"]
data_dir = "../data/sample"  # the synthetic sample root, or a Smell of Fear folder with movies
profile = "tiny"  # sample profile (recorded)
seed = 0  # random seed
output_dir = "../outputs/06_activation_maps"  # figures and activations.json go here
encoder_path = None  # encoder notebook 05 saved (None: <output_dir>/../05_autoencoder/encoder.keras)
head_path = None  # label head notebook 05 saved (None: <output_dir>/../05_autoencoder/video_labels.keras)
film = None  # film whose sequence is shown (None: the first)
sequence = None  # sequence shown (None: the middle one)
label = "suspense"  # label explained by Grad-CAM (the first kept label if absent)
epochs = 2  # epochs of the fallback autoencoder and head when no checkpoint exists
fallback_head = "pooled"  # head of the fallback ("pooled" or "paper", as in notebook 05)
frames_cache = None  # folder of cached frames (None: notebook 05's)

# %% tags=["remove-input"]
from emolib.runs.chapter import run_box

run_box(
    "06_activation_maps",
    writes={
        "activations.json": "per layer, the filters' responses and the silent ones",
        "fig_*.png": "the chapter's figures",
    },
    examples={"label": "suspense"},
)

# %% tags=["hide-input"]
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from myst_nb import glue

from emolib.core.figures import figure_saver
from emolib.datasets.layouts import locate
from emolib.runs.kernels import filter_library_warnings
from emolib.studyb.dataset import load_studyb, plan_experiments
from emolib.studyb.experiments import run_experiment, train_autoencoder
from emolib.studyb.frames import to_unit_float
from emolib.studyb.models import extract_encoder
from emolib.studyb.saliency import dead_filter_lists, grad_cam, layer_activations
from emolib.studyb.specs import ExperimentSpec
from emolib.studyb.training import load_model, write_json

filter_library_warnings()  # only warnings a reader can act on reach the page
keras.utils.set_random_seed(seed)
out = Path(output_dir)
out.mkdir(parents=True, exist_ok=True)
root = locate(data_dir).smelloffear or Path(data_dir)
run05 = out.parent / "05_autoencoder"
encoder_path = Path(encoder_path or run05 / "encoder.keras")
head_path = Path(head_path or run05 / "video_labels.keras")
cache = frames_cache or encoder_path.parent / "frames"
data = load_studyb(root, "video", frames_cache=cache)
if data.frames is None:
    raise SystemExit("activation maps need movies: this folder has none")
trained_here = not encoder_path.is_file()
if trained_here:
    encoder = extract_encoder(train_autoencoder(data, True, epochs, out, seed=seed)["model"])
else:
    encoder = load_model(encoder_path)
film = film or data.sequences["film"].iloc[0]
rows = data.sequences.index[data.sequences["film"] == film]
row = int(rows[len(rows) // 2] if sequence is None else rows[int(sequence)])
x = to_unit_float(data.frames[row : row + 1])
glue("film", film, display=False)
glue("sequence", int(data.sequences.loc[row, "sequence"]), display=False)
glue("source", "trained here briefly" if trained_here else "notebook 05's checkpoint", display=False)

show = figure_saver(out)  # PNG into output_dir, glued for the book's numbered captions


# %% [markdown]
# The encoder is the checkpoint notebook 05 wrote (`encoder_path`). If it is absent (the notebook
# run alone), a quick one is trained here for `epochs` epochs, which shows the method but not a
# well-trained network.

# %% [markdown]
# ## What each layer sees
#
# Sequence {glue:text}`sequence` of *{glue:text}`film`* ({glue:text}`source`). Each row shows one
# filter's output on six frames of the 30; pooled layers have half (then a quarter) of the frames.

# %% tags=["hide-input"]
names = ["enc_relu1", "enc_pool1", "enc_relu2", "code"]
acts = layer_activations(encoder, x, names)
n_show, frame_idx = 4, np.linspace(0, 29, 6).astype(int)
fig, axes = plt.subplots(
    1 + len(names) * n_show, len(frame_idx), figsize=(9, 1.05 * (1 + len(names) * n_show))
)
for j, f in enumerate(frame_idx):
    axes[0, j].imshow(x[0, f])
    axes[0, j].set_title(f"frame {f}", fontsize=7)
for i, name in enumerate(names):
    a = acts[name][0]
    strongest = np.argsort(a.reshape(-1, a.shape[-1]).max(axis=0))[::-1][:n_show]
    for k, filt in enumerate(strongest):
        r = 1 + i * n_show + k
        for j, f in enumerate(frame_idx):
            axes[r, j].imshow(a[min(f * a.shape[0] // 30, a.shape[0] - 1), :, :, filt], cmap="jet")
        axes[r, 0].set_ylabel(f"{name}\n#{filt}", fontsize=6)
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
show("fig_activations", fig)

dead = dead_filter_lists(encoder, to_unit_float(data.frames), names)  # one pass over every sequence
table = pd.DataFrame(
    {"filters": [acts[n].shape[-1] for n in names], "dead": [len(dead[n]) for n in names]}, index=names
)
glue("dead_total", int(table["dead"].sum()), display=False)
display(table)

# %% [markdown]
# ```{glue:figure} fig_activations
# :name: fig-activations
# :alt: Outputs of the encoding layers for one sequence, the four most active filters of each layer
# Outputs of the encoding layers for one sequence, the four most active filters of each layer, from
# dark blue (no activation) to red (cf. the paper's Figure 14).
# ```
#
# Over every labelled sequence, {glue:text}`dead_total` filters never produce a non-zero output:
# "useless" filters in the paper's words.
#
# ## What drives a label decision
#
# Grad-CAM weighs each filter of the second convolution by how much the label's score rises with
# it, averaged over time and space, and keeps the positive evidence. The map is over frames *and*
# pixels, so it says when in the 30 s and where in the picture the head found its label.

# %% tags=["hide-input"]
if head_path.is_file() and not trained_here:
    head = load_model(head_path)
else:
    labels_run = next(
        e for e in plan_experiments(data.available, "video", heads=[fallback_head]) if e.target == "labels"
    )
    run_experiment(ExperimentSpec(labels_run, 10 * epochs, units=64, seed=seed), data, out, encoder)
    head = load_model(out / f"{labels_run.name}.keras")
target = label if label in data.kept else data.kept[0]
maps, score = grad_cam(head, x, data.kept.index(target))
fig, axes = plt.subplots(2, len(frame_idx), figsize=(9, 2.6))
for j, f in enumerate(frame_idx):
    axes[0, j].imshow(x[0, f])
    axes[1, j].imshow(x[0, f])
    axes[1, j].imshow(maps[0, f], cmap="jet", alpha=0.5, vmin=0, vmax=1)
    axes[0, j].set_title(f"frame {f}", fontsize=7)
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
show("fig_gradcam", fig)
fig, ax = plt.subplots(figsize=(7, 2))
ax.plot(np.arange(30), maps[0].mean(axis=(1, 2)))
ax.set(xlabel="second of the sequence", ylabel="mean Grad-CAM")
show("fig_gradcam_time", fig)
glue("label", target, display=False)
glue("score", f"{float(score[0]):.2f}", display=False)
write_json(
    out / "activations.json",
    {
        "film": film,
        "row": row,
        "dead_filters": dead,
        "label": target,
        "score": float(score[0]),
        "encoder": str(encoder_path),
        "trained_here": trained_here,
    },
)

# %% [markdown]
# ```{glue:figure} fig_gradcam
# :name: fig-gradcam
# :alt: Grad-CAM of the label over six frames of the sequence: red where the evidence for the label lies
# Grad-CAM of the label *{glue:text}`label`* (score {glue:text}`score`) over six frames of the
# sequence: red where the evidence for the label lies.
# ```
#
# ```{glue:figure} fig_gradcam_time
# :name: fig-gradcam-time
# :alt: The same map averaged over each frame: when in the 30 s the evidence lies
# The same map averaged over each frame: when in the 30 s the evidence lies.
# ```

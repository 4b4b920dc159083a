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

# %% tags=["remove-cell"]
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

from emolib.core.figures import figure_saver, glue_values
from emolib.datasets.layouts import locate
from emolib.runs.kernels import filter_library_warnings
from emolib.studyb.dataset import load_studyb
from emolib.studyb.explain import encoder_to_explain, head_to_explain, shown_sequence
from emolib.studyb.frames import to_unit_float
from emolib.studyb.saliency import (
    dead_filter_lists,
    grad_cam,
    layer_activations,
    plot_activations,
    plot_grad_cam,
)
from emolib.studyb.training import write_json

filter_library_warnings()  # only warnings a reader can act on reach the page
keras.utils.set_random_seed(seed)
out = Path(output_dir)
out.mkdir(parents=True, exist_ok=True)
show = figure_saver(out)  # PNG into output_dir, glued for the book's numbered captions
root = locate(data_dir).smelloffear or Path(data_dir)
run05 = out.parent / "05_autoencoder"
encoder_path = Path(encoder_path or run05 / "encoder.keras")
head_path = Path(head_path or run05 / "video_labels.keras")

# %% tags=["hide-input"]
data = load_studyb(root, "video", frames_cache=frames_cache or encoder_path.parent / "frames")
if data.frames is None:
    raise SystemExit("activation maps need movies: this folder has none")
encoder, trained_here = encoder_to_explain(encoder_path, data, epochs, out, seed=seed)
film, row = shown_sequence(data.sequences, film, sequence)
x = to_unit_float(data.frames[row : row + 1])  # the sequence shown, (1, 30, 36, 64, 3) in [0, 1]

# %% tags=["remove-cell"]
glue_values(
    {
        "film": film,
        "sequence": int(data.sequences.loc[row, "sequence"]),
        "source": "trained here briefly" if trained_here else "notebook 05's checkpoint",
    }
)

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
frame_idx = np.linspace(0, 29, 6).astype(int)
show("fig_activations", plot_activations(x, acts, frame_idx, n_filters=4))

dead = dead_filter_lists(encoder, to_unit_float(data.frames), names)  # one pass over every sequence
table = pd.DataFrame(
    {"filters": [acts[n].shape[-1] for n in names], "dead": [len(dead[n]) for n in names]}, index=names
)
display(table)

# %% tags=["remove-cell"]
glue_values({"dead_total": int(table["dead"].sum())})

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
head = head_to_explain(None if trained_here else head_path, data, encoder, fallback_head, epochs, out, seed)
target = label if label in data.kept else data.kept[0]
maps, score = grad_cam(head, x, data.kept.index(target))
show("fig_gradcam", plot_grad_cam(x, maps, frame_idx))
fig, ax = plt.subplots(figsize=(7, 2))
ax.plot(np.arange(30), maps[0].mean(axis=(1, 2)))
ax.set(xlabel="second of the sequence", ylabel="mean Grad-CAM")
show("fig_gradcam_time", fig)

# %% tags=["remove-cell"]
glue_values({"label": target, "score": f"{float(score[0]):.2f}"})
activations = {"film": film, "row": row, "dead_filters": dead, "label": target, "score": float(score[0])}
write_json(
    out / "activations.json", {**activations, "encoder": str(encoder_path), "trained_here": trained_here}
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

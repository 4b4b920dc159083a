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
# # Feature extraction
#
# Every 16/30 s step of every movie becomes one feature row per extractor, kept in a resumable
# HDF5 feature store and fused by concatenation on the step grid, as in section 3.4.4 of the thesis
# {cite:p}`bernal2017predicting`. This chapter extracts the features the book's models learn from and
# shows what they capture along a movie, so that the next chapter's scores can be read against what
# their inputs carry.

# %% tags=["parameters", "hide-input"]
data_dir = "../data/sample"  # the synthetic sample or a MediaEval 2017 development set
profile = "tiny"  # sample profile the book was built with (recorded in the outputs)
seed = 0  # sample seed (recorded in the outputs)
output_dir = "../outputs/03_feature_extraction"  # figures and summary.json go here
store_dir = None  # feature store (None: <data_dir>/features)
visual = ["colour-motion"]  # visual extractors: c3d, colour-motion, encoder, siglip
audio = ["logmel-stats", "librosa193"]  # audio extractors: vgg19, logmel-stats, librosa193, whisper
weights = {}  # extractor name -> weights file, "imagenet" (vgg19), or keras-hub preset name/folder
random_weights = []  # network extractors explicitly run with random weights (recorded as such)
params = {}  # extractor name -> {parameter: value}
shown_movie = None  # movie whose features are drawn along time (None: the first one)

# %% tags=["remove-input"]
from emolib.runs.chapter import run_box

run_box(
    "03_feature_extraction",
    writes={
        "summary.json": "extractors, their provenance and the store's contents",
        "fig_*.png": "the chapter's figures",
        "the feature store": "one HDF5 file per movie and extractor under `store_dir` "
        "(default `<data_dir>/features/`)",
    },
    examples={"visual": "'[\"colour-motion\"]'"},
)

# %% tags=["remove-cell"]
import json
from pathlib import Path

import pandas as pd
import seaborn as sns
from IPython.display import display

from emolib.core.atomic import write_text
from emolib.core.figures import figure_saver, glue_values
from emolib.datasets.layouts import locate
from emolib.datasets.mediaeval import load_devset
from emolib.features import DEFAULT_STORE_SUBDIR, FeatureStore, create, extract, find_movies
from emolib.features.report import (
    feature_statistics,
    plot_features_along,
    plot_projection,
    projection,
    run_table,
)
from emolib.runs.kernels import filter_library_warnings

filter_library_warnings()  # only warnings a reader can act on reach the page
sns.set_theme(style="whitegrid", context="notebook")
out = Path(output_dir)
out.mkdir(parents=True, exist_ok=True)
show = figure_saver(out)  # PNG into output_dir, glued for the book's numbered captions

# %% tags=["hide-input"]
layouts = locate(data_dir)
devset = load_devset(layouts.mediaeval)
movies = find_movies(data_dir)
store = FeatureStore(store_dir or Path(data_dir) / DEFAULT_STORE_SUBDIR)
names = list(visual) + list(audio)
extractors = [
    create(n, weights=weights.get(n), random_weights=n in random_weights, **params.get(n, {})) for n in names
]

# %% tags=["remove-cell"]
summary = {
    "data_dir": str(layouts.root),
    "profile": profile,
    "seed": seed,
    "store": str(store.root),
    "extractors": {e.name: e.identity() for e in extractors},
}

# %% [markdown]
# The thesis's extractors are C3D {cite:p}`tran2015learning` (fc6, 4096-d) for the picture and VGG19
# {cite:p}`simonyan2014very` over log-mel patches (3072-d) for the sound; current work uses pretrained
# image-text and audio embeddings instead: `siglip` (the SigLIP image tower on 4 frames of each step,
# mean-pooled) and `whisper` (Whisper's audio encoder on each step's window at 16 kHz, mean-pooled),
# both from keras-hub presets. Pretrained weights cannot be shipped in the book, so it runs the
# weight-free extractors by default: colour and motion statistics, log-mel band statistics, and the 193
# librosa features {cite:p}`mcfee2015librosa` of the Smell of Fear study.
#
# On a GPU server (in JupyterLab: `make lab`), set for example `visual = ["c3d", "siglip"]`,
# `audio = ["vgg19", "whisper"]` and `weights = {"c3d": "/models/c3d-sports1m.weights.h5",
# "vgg19": "imagenet", "siglip": "siglip_base_patch16_224", "whisper": "whisper_base_en"}`:
# `imagenet` is Keras's own download and cache of the VGG19 weights (`~/.keras/models`), a preset
# name is downloaded once from Kaggle (or give a local preset folder on a server without internet),
# and the C3D file comes from the public Sports-1M weights through
# `python -m emolib weights c3d-sports1M_weights.h5`. The same run on the command line:
# `python -m emolib extract --data DIR --visual c3d siglip --audio vgg19 whisper --weights c3d=... ...`.

# %% [markdown]
# ## Extraction
#
# Movies whose stored features are complete and were made from the same movie file (same SHA-256),
# the same extractor version, parameters and weights are skipped; the others are (re)computed.

# %%
report = extract(movies, extractors, store, progress=False)
display(run_table(report))
if report.failed:
    raise RuntimeError(f"feature extraction failed: {report.failed}")

# %% tags=["remove-cell"]
summary["run"] = report.summary()
glue_values({"n_extract_movies": len(movies), "extractor_names": ", ".join(names)})

# %% [markdown]
# ## Feature statistics per movie and modality
#
# {glue:text}`extractor_names` over {glue:text}`n_extract_movies` movies. `feature_std` is the mean
# over features of their standard deviation along the movie; `constant_features` the share of
# features that never move in that movie (e.g. a hue bin no scene uses); `shortfall` the steps a
# damaged file could not deliver.

# %% tags=["hide-input"]
stats = feature_statistics(store, names, list(movies))
display(stats.round(4))

# %% tags=["remove-cell"]
summary["statistics"] = stats.to_dict(orient="records")
glue_values({"fused_dim": int(stats.groupby("extractor")["dim"].first().sum())})

# %% tags=["hide-input"]
movie = shown_movie or next(iter(movies))
fused = store.load_fused(movie, names)
show("fig_features_along", plot_features_along(fused))

# %% tags=["remove-cell"]
glue_values({"shown_movie": movie.replace("_", " ")})

# %% [markdown]
# ```{glue:figure} fig_features_along
# :name: fig-features-along
# :alt: The features of every extractor along one movie, one column per 0.533 s step
# The features of every extractor along *{glue:text}`shown_movie`*, one column per 0.533 s step,
# each feature standardised over the movie (blue: low, red: high).
# ```
#
# ## The steps in two dimensions
#
# The fused features ({glue:text}`fused_dim` values per step) of all movies are standardised and
# projected on their first two principal axes; each step is coloured by the valence and arousal of
# the annotation windows covering it (`emolib.media.alignment`). If the features carry affect, colours
# should gather rather than scatter.

# %% tags=["hide-input"]
ann = {m: devset.movie_annotations(m) for m in movies if m in devset.names}
points, ratio = projection(store, names, ann, seed=seed)
show("fig_projection", plot_projection(points, ratio))

# %% tags=["remove-cell"]
glue_values({"pca_var": f"{100 * ratio.sum():.0f}"})
summary["projection_variance"] = ratio.tolist()

# %% [markdown]
# ```{glue:figure} fig_projection
# :name: fig-projection
# :alt: Every step of every movie on the first two principal axes of the fused features
# Every step of every movie on the first two principal axes of the fused features (together
# {glue:text}`pca_var` % of the variance), coloured by valence (left) and arousal (right).
# ```
#
# ## Throughput and memory
#
# The figures below come from `benchmarks/features.py` (see `benchmarks/README.md`), run on a
# 10-minute synthetic movie. Throughput is seconds of movie per second of wall-clock time; the overlap
# ratio is the whole pipeline's time over the larger of decoding alone and the model alone (1 means
# decoding hides entirely behind the model; the target is at most 1.25); the memory ratio is the peak
# memory of a 10-minute movie over that of a 1-minute one (target at most 1.15).

# %% tags=["hide-input"]
bench_file = Path("../benchmarks/results/features.json")
if bench_file.is_file():
    bench = json.loads(bench_file.read_text())
    display(pd.DataFrame(bench["rows"]))
    print(bench.get("machine", ""))
else:
    print("no benchmark results yet: run `python benchmarks/features.py`")

# %% tags=["remove-cell"]
write_text(out / "summary.json", json.dumps(summary, indent=2, default=str))

# %% tags=["hide-input"]
stats.groupby(["modality", "extractor"])[["steps", "dim", "feature_std"]].agg(["sum", "first", "mean"]).iloc[
    :, [0, 4, 8]
]

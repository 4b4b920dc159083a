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
# # Dataset exploration
#
# What the data looks like before any model touches it. For the MediaEval 2017 layout: valence,
# arousal and fear along a movie, frame rates, durations and the distribution of the annotations, the
# thesis's first figures {cite:p}`bernal2017predicting`; for the MediaEval 2018 layout: the same every
# second, the development parts and the defects of the release; the organisers' precomputed
# descriptors beside both; for the Smell of Fear layout: how often each scene label occurs against the
# kept-label threshold, and the breath-compound curves of every screening of one film
# {cite:p}`fevrier_breath`. These distributions are what the baselines of the later chapters are made of.

# %% tags=["parameters", "hide-input"]
data_dir = "../data/sample"  # the synthetic sample, a MediaEval 2017/2018 folder, or a Smell of Fear folder
profile = "tiny"  # sample profile the book was built with (recorded in the outputs)
seed = 0  # sample seed (recorded in the outputs)
output_dir = "../outputs/01_dataset_exploration"  # figures and summary.json go here
movie = None  # MediaEval movie shown along time (None: the first one)
film = None  # Smell of Fear film whose screenings are shown (None: the one with most screenings)
min_positive = 20  # kept-label rule of the study: labels with at least this many positive sequences

# %% tags=["remove-input"]
from emolib.runs.chapter import run_box

run_box(
    "01_dataset_exploration",
    writes={
        "summary.json": "what each layout holds (movies, annotations, labels, screenings)",
        "fig_*.png": "the chapter's figures",
    },
)

# %% tags=["remove-cell"]
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from IPython.display import display

from emolib.core.atomic import write_text
from emolib.core.figures import figure_saver, glue_values
from emolib.datasets import exploration
from emolib.datasets.layouts import locate
from emolib.datasets.mediaeval import load_devset, load_mediaeval2018
from emolib.datasets.smelloffear import load_smelloffear
from emolib.runs.kernels import filter_library_warnings

filter_library_warnings()  # only warnings a reader can act on reach the page
sns.set_theme(style="whitegrid", context="notebook")
out = Path(output_dir)
out.mkdir(parents=True, exist_ok=True)
show = figure_saver(out)  # PNG into output_dir, glued for the book's numbered captions

# %% tags=["hide-input"]
layouts = locate(data_dir)  # which of the three layouts data_dir holds (None: absent)
print(f"MediaEval 2017 layout: {layouts.mediaeval}\nMediaEval 2018 layout: {layouts.mediaeval2018}")
print(f"Smell of Fear layout:  {layouts.smelloffear}")

# %% tags=["remove-cell"]
summary = {"data_dir": str(layouts.root), "profile": profile, "seed": seed}

# %% [markdown]
# The notebook runs on whatever `data_dir` names: the synthetic sample by default, or a real
# release (see {doc}`../data`). Sections whose layout is absent are skipped.

# %% [markdown]
# ## MediaEval 2017: valence, arousal and fear
#
# Each movie is annotated on 10 s windows every 5 s. The table lists what the files say about
# every movie: frame rate and duration measured from the video stream, and the span the
# annotations cover.

# %% tags=["hide-input"]
if layouts.mediaeval is not None:
    devset = load_devset(layouts.mediaeval)
    movies = exploration.movie_table(devset)
    ann = devset.annotations
    shown = movie or devset.names[0]
    one = devset.movie_annotations(shown)
    display(movies.round(3))

# %% tags=["remove-cell"]
if layouts.mediaeval is not None:
    summary["mediaeval"] = exploration.mediaeval_summary(devset, movies)
    glue_values(
        {
            "me_movies": len(movies),
            "me_windows": len(ann),
            "me_fear_pct": f"{100 * ann['fear'].mean():.1f}",
            "me_shown": shown.replace("_", " "),
        }
    )

# %% [markdown]
# The sample holds {glue:text}`me_movies` annotated movies and {glue:text}`me_windows` windows, of
# which {glue:text}`me_fear_pct` % are labelled as fear.
# {numref}`fig-va-along` and {numref}`fig-fear-along` follow *{glue:text}`me_shown`* (the thesis's
# Figures 3.1 and 3.2).

# %% tags=["hide-input"]
if layouts.mediaeval is not None:
    fig, ax = plt.subplots(figsize=(9, 3.2))
    ax.plot(one["time"], one["valence"], label="valence", color="tab:orange")
    ax.plot(one["time"], one["arousal"], label="arousal", color="tab:blue")
    ax.axhline(0, color="grey", lw=0.8)
    ax.set(xlabel="window start (s)", ylabel="mean rating", ylim=(-1.05, 1.05), title=shown)
    ax.legend(loc="upper right")
    show("fig_va_along", fig)

# %% tags=["hide-input"]
if layouts.mediaeval is not None:
    fig, ax = plt.subplots(figsize=(9, 1.8))
    ax.fill_between(one["time"], one["fear"], step="post", color="tab:red", alpha=0.6)
    ax.set(xlabel="window start (s)", ylabel="fear", yticks=[0, 1], title=shown)
    show("fig_fear_along", fig)

# %% [markdown]
# ```{glue:figure} fig_va_along
# :name: fig-va-along
# :alt: Valence and arousal along one movie, one point per 10 s window
# Valence and arousal along one movie, one point per 10 s window (cf. Figure 3.1 of the thesis).
# ```
#
# ```{glue:figure} fig_fear_along
# :name: fig-fear-along
# :alt: Fear windows along the same movie
# Fear windows along the same movie (cf. Figure 3.2 of the thesis).
# ```

# %% tags=["hide-input"]
if layouts.mediaeval is not None:
    fig, axes = plt.subplots(1, 2, figsize=(10, 0.35 * len(movies) + 1.5), sharey=True)
    order = movies.sort_values("name")
    axes[0].barh(order["name"], order["fps"], color="tab:gray")
    axes[0].set(xlabel="frames per second", xlim=(20, 31))
    axes[1].barh(order["name"], order["duration"] / 60, color="tab:green")
    axes[1].set(xlabel="duration (min)")
    axes[0].invert_yaxis()
    show("fig_fps_durations", fig)

# %% tags=["hide-input"]
if layouts.mediaeval is not None:
    fig, axes = plt.subplots(1, 3, figsize=(11, 3))
    sns.histplot(ann["valence"], bins=20, ax=axes[0], color="tab:orange")
    sns.histplot(ann["arousal"], bins=20, ax=axes[1], color="tab:blue")
    counts = ann["fear"].value_counts().reindex([0, 1], fill_value=0)
    axes[2].bar(["no fear", "fear"], counts.to_numpy(), color=["tab:gray", "tab:red"])
    axes[0].set(xlim=(-1, 1))
    axes[1].set(xlim=(-1, 1))
    axes[2].set(ylabel="windows")
    show("fig_histograms", fig)

# %% [markdown]
# ```{glue:figure} fig_fps_durations
# :name: fig-fps-durations
# :alt: Frame rate and duration of every movie
# Frame rate and duration of every movie (cf. Figures 3.3 and 3.4 of the thesis). The mixed frame
# rates are why Study A resamples every movie to 30 fps before cutting 16-frame clips.
# ```
#
# ```{glue:figure} fig_histograms
# :name: fig-histograms
# :alt: Distribution of the window annotations
# Distribution of the window annotations (cf. Figure 3.5): extreme valence and arousal are rarer
# than neutral ones, and fear windows are a minority, which the fear model must account for.
# ```

# %% [markdown]
# ## MediaEval 2018: every second, in parts
#
# The 2018 edition re-annotated the movies **every second**, gives fear as the start and end times of
# fear sequences, and ships the development set in three parts and a separate test part (movies
# `MEDIAEVAL18_<MM>`, see {doc}`../data`). The table lists the development movies of the folder and
# the part each belongs to. The real release has known defects (a missing second, an empty descriptor
# file, a valence/arousal file that stops long before the movie); the readers warn about each, naming the
# file, and keep the movie, and the sample plants the same defects so that the warnings show here.

# %% tags=["hide-input"]
if layouts.mediaeval2018 is not None:
    dev18 = load_mediaeval2018(layouts.mediaeval2018, "dev")
    movies18 = exploration.movie_table(dev18).assign(part=dev18.movies["dev_part"].to_numpy())
    shown18 = dev18.names[0]
    one18 = dev18.movie_annotations(shown18)
    display(movies18.round(3))
    display(exploration.defects_table(dev18.defects))

# %% tags=["remove-cell"]
if layouts.mediaeval2018 is not None:
    summary["mediaeval2018"] = exploration.mediaeval_summary(dev18, movies18)

# %% tags=["hide-input"]
if layouts.mediaeval2018 is not None:
    fig, ax = plt.subplots(figsize=(9, 3.2))
    ax.plot(one18["time"], one18["valence"], label="valence", color="tab:orange")
    ax.plot(one18["time"], one18["arousal"], label="arousal", color="tab:blue")
    for start, end in dev18.fear_sequences.get(shown18, pd.DataFrame(columns=["start", "end"])).to_numpy():
        ax.axvspan(start, end, color="tab:red", alpha=0.2, lw=0)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set(xlabel="second", ylabel="rating", ylim=(-1.05, 1.05), title=f"{shown18} (red: fear sequences)")
    ax.legend(loc="upper right")
    show("fig_va_per_second", fig)

# %% [markdown]
# ```{glue:figure} fig_va_per_second
# :name: fig-va-per-second
# :alt: Valence and arousal every second along one 2018 movie, fear sequences shaded
# Valence and arousal every second along the first 2018 development movie; its fear sequences are
# shaded.
# ```

# %% [markdown]
# ## The organisers' descriptors
#
# Beside the movies, both editions ship precomputed descriptors: per-second LIRE image descriptors and
# VGG16 `fc6` of one frame per second, and openSMILE's emobase2010 audio descriptor (per second over
# 5 s in 2018, per 10 s annotation segment in 2017). Most participants started from them; emolib imports
# them into its feature store like any extractor (`python -m emolib extract --visual fc6 --audio
# emobase2010`). The table lists the descriptor folders of `data_dir`: the widths found, the movies, the
# rows (seconds, or segments for the 2017 audio) and the seconds they span, and the rows without a file
# and the empty files, which the reader fills from the nearest second.

# %% tags=["hide-input"]
descriptors = exploration.descriptor_table(layouts.root)
display(descriptors)

# %% tags=["remove-cell"]
summary["descriptors"] = exploration.descriptor_summary(descriptors)

# %% [markdown]
# ## Smell of Fear: scene labels and breath
#
# Every 30 s sequence of a film carries 42 binary scene labels. The study keeps the labels used on
# at least `min_positive` sequences over all films ({numref}`fig-label-frequencies`); the kept set
# is derived from that rule, never typed in.

# %% tags=["hide-input"]
if layouts.smelloffear is not None:
    sof = load_smelloffear(layouts.smelloffear)
    freq = exploration.label_frequencies(sof, min_positive)
    kept = freq.loc[freq["kept"], "label"].tolist()

# %% tags=["remove-cell"]
if layouts.smelloffear is not None:
    summary["smelloffear"] = exploration.smelloffear_summary(sof, kept)
    glue_values(
        {
            "sof_films": len(sof.films),
            "sof_sequences": int(sof.films["n_sequences"].sum()),
            "sof_kept": len(kept),
            "sof_kept_names": ", ".join(kept) or "none",
        }
    )

# %% tags=["hide-input"]
if layouts.smelloffear is not None:
    fig, ax = plt.subplots(figsize=(10, 8))
    colours = ["tab:green" if k else "tab:gray" for k in freq["kept"]]
    ax.barh(freq["label"], freq["positives"], color=colours)
    ax.axvline(min_positive, color="tab:red", ls="--", label=f"kept-label threshold ({min_positive})")
    ax.invert_yaxis()
    ax.set(xlabel="positive sequences over all films")
    ax.legend(loc="lower right")
    show("fig_label_frequencies", fig)
    display(sof.films[["film", "n_sequences", "screenings"]])

# %% [markdown]
# ```{glue:figure} fig_label_frequencies
# :name: fig-label-frequencies
# :alt: Positive sequences per scene label over all labelled films
# Positive sequences per scene label over all labelled films. Green labels pass the kept-label
# rule (dashed line).
# ```
#
# Over {glue:text}`sof_films` labelled films and {glue:text}`sof_sequences` sequences the rule
# keeps {glue:text}`sof_kept` labels: {glue:text}`sof_kept_names`.
#
# The breath of the audience is measured once per 30 s in every screening. Absolute levels depend
# on how many people were in the room, so each compound is min–max scaled per screening, and a
# missing value is filled from the other screenings of the same film at the same time
# ({numref}`fig-voc-curves`).

# %% tags=["hide-input"]
if layouts.smelloffear is not None and any(sof.vocs.values()):
    shown_film = film or max(sof.vocs, key=lambda f: len(sof.vocs[f]))
    curves = exploration.voc_curves(sof, shown_film)
    grid = sns.relplot(
        data=curves, x="minute", y="scaled", hue="screening", col="compound", col_wrap=3,
        kind="line", height=2.4, aspect=1.5, palette="viridis",
    )  # fmt: skip
    grid.set_axis_labels("minute of the film", "scaled concentration")
    grid.figure.suptitle(f"{shown_film}: every screening", y=1.02)
    show("fig_voc_curves", grid.figure)

# %% tags=["remove-cell"]
if layouts.smelloffear is not None and any(sof.vocs.values()):
    summary["smelloffear"]["voc_missing_share"] = float(curves["raw"].isna().mean())
    glue_values({"sof_film": shown_film})

# %% [markdown]
# ```{glue:figure} fig_voc_curves
# :name: fig-voc-curves
# :alt: The six compounds of the study along one film, one line per screening
# The six compounds of the study along one film ({glue:text}`sof_film`), one line per screening,
# min–max scaled per screening with gaps filled from the other screenings.
# ```

# %% tags=["remove-cell"]
write_text(out / "summary.json", json.dumps(summary, indent=2, default=str))

# %% tags=["hide-input"]
pd.Series({k: v for k, v in summary.items() if not isinstance(v, dict)})

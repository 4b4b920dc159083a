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
# # Evaluation
#
# Every run of the book gathered in one place, always beside the baselines computed on the same
# test rows, and, in separate tables labelled as such, the figures published on the real data. A score
# means little on its own: this chapter reads each one against what the simplest predictors reach on
# the same movies and screenings.

# %% tags=["parameters", "hide-input"]
data_dir = "../data/sample"  # recorded only
profile = "tiny"  # recorded only
seed = 0  # recorded only
output_dir = "../outputs/07_evaluation"  # tables go here
runs_dir = None  # where notebooks 05 and 06 wrote their outputs (None: the parent of output_dir)
studyb_runs = None  # list of Study B run folders (metrics.json inside); None: <runs_dir>/05_autoencoder
studya_runs = None  # folder searched for Study A runs (metrics.json of notebook 04); None: runs_dir
studya_shown = None  # Study A run folder drawn along a test movie (None: the first mixed-modality run)

# %% tags=["remove-input"]
from emolib.runs.chapter import run_box

run_box(
    "07_evaluation",
    writes={
        "*_runs.csv, *_summary.csv": "the tables of this chapter",
        "evaluation.json": "the Study B table as data",
    },
    examples={"runs_dir": "../outputs"},
)

# %% tags=["remove-cell"]
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from emolib.core.figures import figure_saver, glue_values
from emolib.evaluation.results import results_numbers
from emolib.evaluation.studya_intervals import (
    edition2018_intervals,
    edition2018_with_intervals,
    plot_intervals,
    protocol_intervals,
    protocol_with_intervals,
    run_intervals,
    sweep_verdicts,
)
from emolib.evaluation.studyb_intervals import load_run_predictions, unit_intervals, units_summary
from emolib.evaluation.studyb_report import gather_studyb
from emolib.evaluation.tables import (
    CONFIG_KEYS,
    PUBLISHED_VA,
    edition2018_table,
    fear_iou_table,
    gather_runs,
    gather_test_set_runs,
    plot_along,
    plot_pr_curves,
    protocol_table,
    score_table,
    shown_run,
    summary_table,
)
from emolib.runs.kernels import filter_library_warnings
from emolib.runs.sweep import SUMMARY_COLUMNS, gather_sweep_tasks
from emolib.studya.run import EDITION2018_KIND
from emolib.studyb.training import write_json

filter_library_warnings()  # only warnings a reader can act on reach the page
show_a = figure_saver(output_dir)  # PNG into output_dir, glued for the book's numbered captions

# %% tags=["remove-cell"]
out = Path(output_dir)
runs_dir = runs_dir or str(out.parent)  # the runner gives every notebook <outputs>/<stem>
a_root = studya_runs or runs_dir

# %% [markdown]
# ## Study A
#
# Every fold run of notebook 04 found under `studya_runs` (the book's own run, and the runs of
# `python -m emolib folds`), one row per configuration and predictor, mean ± standard deviation over
# folds, in the spirit of the thesis's Tables 4.3–4.6. The LSTM always stands beside the two baselines
# computed on the same folds and features: the constant training mean and a ridge regression (for
# fear, a class-balanced logistic regression). Scores are the task's: MSE and Pearson's r per test
# movie, averaged over the test movies of a fold; fear average precision per movie and their mean.

# %% tags=["hide-input"]
a_runs = gather_runs(a_root)
a_va, a_fear = score_table(a_runs, "va"), score_table(a_runs, "fear")
a_va_table, a_fear_table = summary_table(a_va), summary_table(a_fear)
if len(a_va_table):
    display(a_va_table)

# %% tags=["remove-cell"]
a_va.to_csv(out / "studya_va_runs.csv", index=False)
a_fear.to_csv(out / "studya_fear_runs.csv", index=False)
a_va_table.to_csv(out / "studya_va_summary.csv")
a_fear_table.to_csv(out / "studya_fear_summary.csv")
glue_values(
    {
        "a_n_runs": len(a_runs),
        "a_n_va": a_va["path"].nunique() if len(a_va) else 0,
        "a_n_fear": a_fear["path"].nunique() if len(a_fear) else 0,
    }
)

# %% [markdown]
# {glue:text}`a_n_runs` fold runs were found: {glue:text}`a_n_va` of valence and arousal (the table
# above) and {glue:text}`a_n_fear` of fear (the table below). On the synthetic sample, where the cues
# are known, these numbers check that the pipeline learns what is there; they are no estimate of
# performance on real films.

# %% tags=["hide-input"]
if len(a_fear_table):
    display(a_fear_table)

# %% [markdown]
# ### How sure each number is: intervals over test movies
#
# A mean ± sd over folds measures how much training varies from fold to fold, not how much a score
# would change on other movies. The movie is the independent unit of this task (its 10 s windows
# overlap and share one story), so below every score of the book's configuration is the mean over
# all of its test movies, every fold together, with a 95 % percentile bootstrap interval over movies
# (10,000 resamples). The LSTM is compared with each baseline by the paired interval of the difference
# on the same resampled movies: the verdict says it *beats* a baseline only when that interval
# excludes 0 on the favourable side. Below five movies with a score no interval is given and no
# verdict is drawn: a bootstrap of two or three movies has too few distinct resamples to mean anything.

# %% tags=["hide-input"]
a_shown = studya_shown or shown_run(a_runs)  # the first fold of the mixed model, unless one is named
a_int = run_intervals(a_runs, a_shown, seed=seed)
a_cmp = pd.concat([a_int["va_comparisons"], a_int["fear_comparisons"]], ignore_index=True)
if len(a_cmp):
    display(a_cmp.round(3))
a_int_all = pd.concat([a_int["va_intervals"], a_int["fear_intervals"]], ignore_index=True)
if len(a_int_all):
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(a_int_all) + 1.2))
    plot_intervals(a_int_all, ax)
    show_a("fig_a_intervals", fig)

# %% tags=["remove-cell"]
for name, table in a_int.items():
    table.to_csv(out / f"studya_{name}.csv", index=False)
va_movies = a_int["va_intervals"]["n_movies"]
glue_values({"a_int_n_movies": int(va_movies.max()) if len(va_movies) else 0})

# %% [markdown]
# The intervals rest on {glue:text}`a_int_n_movies` test movies: on so few, wide intervals and
# "not distinguishable" verdicts are the honest answer, not a failure of the method.
#
# ```{glue:figure} fig_a_intervals
# :name: fig-a-intervals
# :alt: Mean over test movies of each Study A score of the LSTM and the baselines, with 95 % intervals
# Each Study A score of the book's configuration, mean over its test movies with a 95 % bootstrap
# interval over movies: the LSTM (blue), the ridge regression (orange; for fear, a class-balanced
# logistic regression) and the constant training mean (grey). Pearson's r of a constant prediction is
# undefined and not drawn.
# ```

# %% tags=["hide-input"]
a_tasks = gather_sweep_tasks(a_root)
if len(a_tasks):
    display(a_tasks[SUMMARY_COLUMNS])

# %% tags=["remove-cell"]
a_tasks.to_csv(out / "studya_sweep_tasks.csv", index=False)
glue_values({"a_n_tasks": len(a_tasks), "a_n_failed": int((a_tasks["status"] == "failed").sum())})

# %% [markdown]
# ### Sweep tasks
#
# Each task of a sweep (`python -m emolib folds`, on a local Dask cluster or an existing one) is one
# configuration and fold; its `summary.csv` says how it ended (`done`, `skipped` when an earlier
# sweep had finished it, `failed` after its retries), how many attempts and seconds it took, and the
# folder that holds its outputs. {glue:text}`a_n_tasks` tasks were found here, {glue:text}`a_n_failed`
# of them failed; a failed task keeps `error.txt` and its partially executed `FAILED.ipynb`, and running
# the same sweep again runs only what is not done.
#
# When runs of more than one configuration were found (a sweep's grid), the table below gives each
# configuration's verdicts against the baselines, pooled over its folds and seeds by test movie, as
# above for the book's own configuration.

# %% tags=["hide-input"]
a_grid = sweep_verdicts(a_runs, seed=seed)
a_grid.to_csv(out / "studya_sweep_verdicts.csv", index=False)
if len(a_grid[list(CONFIG_KEYS)].drop_duplicates()) > 1:
    display(a_grid.round(3))

# %% tags=["hide-input"]
a_pred = pd.read_csv(Path(a_shown) / "predictions.csv") if a_shown is not None else None
a_movie = a_pred["movie"].iloc[0] if a_pred is not None else "none"
if a_pred is not None:
    fig, axes = plt.subplots(2, 1, figsize=(9, 4.6), sharex=True)
    plot_along(a_pred, a_movie, axes)
    show_a("fig_a_along", fig)
a_fear_run = shown_run(a_runs, task="fear")  # one model's windows: precision and recall rank within one model
if a_fear_run is not None:
    fig, ax = plt.subplots(figsize=(5, 3.6))
    plot_pr_curves(pd.read_csv(Path(a_fear_run) / "predictions.csv"), ax)
    show_a("fig_a_fear_pr", fig)

# %% tags=["remove-cell"]
glue_values({"a_shown_movie": a_movie.replace("_", " ")})

# %% [markdown]
# ```{glue:figure} fig_a_along
# :name: fig-a-along
# :alt: Annotated and predicted valence and arousal along the test movie, one point per 10 s window
# Annotated and predicted valence and arousal along the test movie *{glue:text}`a_shown_movie`*, one
# point per 10 s window: the LSTM, the ridge regression and the constant training mean.
# ```
#
# ```{glue:figure} fig_a_fear_pr
# :name: fig-a-fear-pr
# :alt: Fear precision–recall curves over the test windows of every fear run, against the positive rate
# Fear precision–recall curves over the test windows of every fear run, against the positive rate.
# ```
#
# ### Published results on the real data
#
# These figures were published on the real LIRIS-ACCEDE / MediaEval data, which this book cannot
# ship; they are **not** runs of this book and are shown apart. The thesis's LSTM is worse than the
# constant mean predictor on MSE and uncorrelated with the annotations.

# %% tags=["hide-input"]
display(PUBLISHED_VA.set_index("system").round(4))

# %% tags=["remove-cell"]
PUBLISHED_VA.to_csv(out / "studya_published.csv", index=False)

# %% [markdown]
# ### The MediaEval protocol: this book's run on the synthetic test part
#
# The table below, when there is one, is **this book's own run** (not a published figure): notebook 04
# with a `test_dir`, the official protocol of the task. The model trains on every development movie of
# the synthetic sample (a few validate, for early stopping), predicts the {glue:text}`a_protocol_movies`
# anonymised movies of the sample's synthetic test part (`mediaeval2017test`), and is scored per test
# movie, then averaged over movies, in the columns of the published table; the baselines are fitted on
# the development movies and scored on the same test movies. {glue:text}`a_n_protocol` such run(s)
# were found. The movies are synthetic, so these numbers are not comparable with the published ones.
# Each score carries its 95 % interval over test movies when at least five test movies were scored
# (the protocol scores each movie, then averages: the movie is the unit); the second table gives the
# LSTM's paired verdict against each baseline on the same movies.

# %% tags=["hide-input"]
a_test_runs = gather_test_set_runs(a_root)
a_protocol = protocol_table(a_test_runs)
a_protocol_int, a_protocol_cmp = protocol_intervals(a_test_runs, seed=seed)
a_protocol_shown = protocol_with_intervals(a_protocol, a_protocol_int).set_index("system")
if len(a_protocol):
    display(a_protocol_shown)
    display(a_protocol_cmp.drop(columns="path").round(3))

# %% tags=["remove-cell"]
a_protocol.to_csv(out / "studya_protocol.csv", index=False)
a_protocol_int.to_csv(out / "studya_protocol_intervals.csv", index=False)
a_protocol_cmp.to_csv(out / "studya_protocol_comparisons.csv", index=False)
glue_values(
    {
        "a_n_protocol": a_protocol["path"].nunique() if len(a_protocol) else 0,
        "a_protocol_movies": int(a_protocol["n_movies"].max()) if len(a_protocol) else 0,
        "a_protocol_table": a_protocol_shown,
    }
)

# %% [markdown]
# ### The MediaEval 2018 protocol: this book's run beside the published 2018 rows
#
# The 2018 edition annotates every second and scores a run over every second of its test movies
# together; the published 2018 rows below were scored that way. The book runs notebook 04 on the
# synthetic sample's 2018 parts the same way (the 2018 protocol: trained on the development parts with
# the organisers' `fc6` and `emobase2010` descriptors, every second of the test part predicted). Each of
# its predictors gives two rows: scored as the 2018 task scored (over every second together, the
# published rows' way), and per test movie then the mean (the 2017 way); intervals over test movies
# appear with at least five of them. The second table gives the LSTM's paired verdicts on the
# 2018-scored figures, the third fear, predicted as sequences of time (the seconds whose probability
# reaches a threshold chosen on the validation movies) and scored by their intersection over union
# with the annotated sequences. The movies are synthetic: these rows are **not** comparable with the
# published ones, only laid out like them.

# %% tags=["hide-input"]
a_2018_runs = gather_test_set_runs(a_root, EDITION2018_KIND)
a_2018_int, a_2018_cmp = edition2018_intervals(a_2018_runs, seed=seed)
a_2018 = edition2018_with_intervals(edition2018_table(a_2018_runs), a_2018_int).set_index("system")
a_2018_fear = fear_iou_table(a_2018_runs).drop(columns="path").set_index("system").round(3)
if a_2018_runs:
    display(a_2018)
    display(a_2018_cmp.drop(columns="path").round(3))
    display(a_2018_fear)

# %% tags=["remove-cell"]
a_2018_int.to_csv(out / "studya_2018_intervals.csv", index=False)
a_2018_cmp.to_csv(out / "studya_2018_comparisons.csv", index=False)
a_2018.to_csv(out / "studya_2018.csv")
a_2018_fear.to_csv(out / "studya_2018_fear.csv")
glue_values(
    {
        "a_n_2018": len({r["path"] for r in a_2018_runs}),
        "a_2018_movies": int(a_2018.loc[a_2018["source"].str.startswith("this book"), "n_movies"].max())
        if a_2018_runs
        else 0,
        "a_2018_table": a_2018,
        "a_2018_fear_table": a_2018_fear,
    }
)

# %% [markdown]
# ## Study B
#
# One row per experiment and predictor of notebook 05: support-weighted precision, recall and F1
# of the scene labels (the paper's metric) with mean ROC AUC, and the mean absolute error of the
# scaled compounds. Re-running notebook 05 per split or fold with papermill into separate folders
# and listing them in `studyb_runs` adds their rows.

# %% tags=["hide-input"]
folders = [Path(p) for p in (studyb_runs or [Path(runs_dir) / "05_autoencoder"])]
studyb, audio_recipes = gather_studyb(folders)
if len(studyb):
    display(studyb.round(3))

# %% tags=["remove-cell"]
studyb.to_csv(out / "studyb.csv", index=False)
glue_values({"studyb_rows": len(studyb)})

# %% [markdown]
# Published on the real data (not runs of this book), from {cite:t}`fevrier_breath`:
#
# | model | weighted F1 | precision | recall | VOC MAE |
# |---|---|---|---|---|
# | 3D-conv encoder + dense, 13 labels | 0.42 | 0.51 | 0.45 | 0.19 (l20), 0.15 (oso) |
# | audio MLP (193 librosa features), 13 labels | about 0.55 | 0.63 | 0.50 | 0.21 (l20), 0.28 (oso) |
# | autoencoder, 50 epochs, BCE | train 0.4299 / val 0.4145 with BN; 0.4305 / 0.4196 without | | | |
#
# The paper reports no baseline; on the real data, 149 of 257 validation sequences were
# *conversation*, where switching the label on for every sequence already scores well.

# %% [markdown]
# ### How sure each number is: intervals over films and screenings
#
# The rows above are single draws. Below, every experiment of the first Study B run is scored again
# from the predictions notebook 05 kept for its test rows, with a 95 % percentile bootstrap interval
# (10,000 resamples) over its **independent unit**: the film for scene labels (a film's sequences are
# neighbouring parts of one story), the screening for breath compounds (one audience's measurements
# form a time series). Each network is compared with every baseline on the same resamples: it *beats*
# a baseline only when the interval of the difference excludes 0 on the favourable side (higher F1
# and AUC, lower MAE). Below five units no interval is given and no verdict drawn. Where the test rows
# pool the folds of a one-movie-out sweep (`audio_labels_omo`), each fold's model scored its own film
# on a scale of its own: the F1 still pools the decision counts, but the AUC is ranked within each
# held-out film and averaged over films, never across films predicted by different models.

# %% tags=["hide-input"]
b_predictions = load_run_predictions(folders[0]) if folders else {}
b_int, b_cmp = unit_intervals(b_predictions, seed=seed)
if len(b_cmp):
    display(b_cmp.round(3))
label_experiments = ["audio_labels", "audio_labels_omo", "video_labels"]
b_shown = b_int[b_int["experiment"].isin(label_experiments) & (b_int["metric"] == "f1")]
b_shown = pd.concat([b_shown, b_int[b_int["experiment"].isin(["audio_vocs", "video_vocs"])]])
if len(b_shown):
    fig, ax = plt.subplots(figsize=(7, 0.32 * len(b_shown) + 1.2))
    plot_intervals(b_shown, ax, xlabel="score on the test part, 95 % interval over units",
                   label_columns=("experiment", "metric", "model"))  # fmt: skip
    show_a("fig_b_intervals", fig)

# %% tags=["remove-cell"]
b_int.to_csv(out / "studyb_intervals.csv", index=False)
b_cmp.to_csv(out / "studyb_comparisons.csv", index=False)
glue_values({"b_int_units": units_summary(b_int)})

# %% [markdown]
# Units resampled: {glue:text}`b_int_units`.
#
# ```{glue:figure} fig_b_intervals
# :name: fig-b-intervals
# :alt: Study B scores of the networks and their baselines with 95 % intervals over films or screenings
# Study B's scores on the test part with 95 % bootstrap intervals: weighted F1 of the scene labels
# (intervals over films; `audio_labels_omo`: every film held out once, the folds' test rows pooled)
# and mean absolute error of the scaled compounds (intervals over screenings), for the networks
# (blue), the paper's audio network (green), the logistic regression (orange), boosted trees (purple)
# and the simple baselines (grey).
# ```

# %% tags=["remove-cell"]
write_json(out / "evaluation.json", {"studyb": studyb.to_dict("records"), "profile": profile, "seed": seed})

# %% [markdown]
# ## Numbers for the Results chapter
#
# The {doc}`../results` chapter quotes the headline numbers of this notebook; they are computed
# here, from the same tables, and glued under stable names.

# %% tags=["hide-input"]
numbers = results_numbers(a_va, a_fear, a_int, studyb, (b_int, b_cmp), b_predictions, audio_recipes)
pd.Series(numbers, name="value").to_frame()

# %% tags=["remove-cell"]
glue_values({**numbers, "published_va": PUBLISHED_VA.set_index("system").round(4)})

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
# # A 3D convolutional autoencoder, scene labels and breath
#
# Study B {cite:p}`fevrier_breath` asks whether what an audience breathes out follows what it
# watches. A 3D convolutional autoencoder learns a compact code of every 30 s of film (30 frames at
# 1 fps, 64×36 pixels) without labels; small heads on its frozen encoder then predict the scene
# labels and the six compounds measured in the cinema air, and a small network does the same from
# 193 audio features. Every score is put beside simple baselines on the same test rows.

# %% tags=["parameters", "hide-input"]
data_dir = "../data/sample"  # the synthetic sample root, or a Smell of Fear folder
profile = "tiny"  # sample profile: "tiny" trains briefly (CI); anything else uses the paper's lengths
seed = 0  # random seed of every model
output_dir = "../outputs/05_autoencoder"  # metrics.json, checkpoints, logs and figures go here
features = "all"  # "all", "audio" or "video"
split = "l20"  # "l20" (last 20 % of each film), "oso" (one screening out), "omo" (one movie out)
fold = 0  # which screening (oso) or movie (omo) is held out
epochs = None  # autoencoder epochs (None: 4 on tiny, the paper's 50 otherwise)
head_epochs = None  # video head epochs (None: 40 on tiny, the paper's 100)
audio_epochs = None  # audio network epochs (None: 300 on tiny, the paper's 1000)
audio_recipe = "balanced"  # audio scene-label network: "balanced" (beyond the paper) or "paper"
audio_splits = ["l20", "omo"]  # audio scene labels on every fold of these splits ([]: this run only)
workers = 2  # processes training those folds at once (results do not depend on it)
heads = ["pooled", "paper"]  # video heads: the first is video_labels/_vocs, the others video_<target>_<head>
head_units = None  # hidden units of the paper head (None: 64 and 32 on tiny, the paper's 1024 and 512)
head_dropout = 0.2  # dropout on the pooled features of the pooled head
pooled_voc_l2 = 10.0  # weight decay of the pooled compound head (ridge scale: penalty / training rows)
batch_norm = "both"  # "both" (the paper's Figure 10 comparison), True or False
batch_size = 8  # sequences per batch
min_positive = 20  # kept-label rule
voc_detrend = 1  # degree of the per-screening trend removed before scaling (None: the paper's min-max)
voc_lags = [0, 1, 2]  # compound response lags tried, in sequences; best on validation kept ([0]: the paper)
l2 = None  # weight decay of the hidden layers (None: 0.1 on tiny, the paper's 0 otherwise)
frames_cache = None  # folder caching decoded frames (None: <output_dir>/frames)
mixed_precision = False  # False (float32), True (mixed float16, GPUs) or "mixed_bfloat16"

# %% tags=["remove-input"]
from emolib.runs.chapter import run_box

run_box(
    "05_autoencoder",
    writes={
        "metrics.json": "every experiment's scores beside its baselines",
        "scores.csv": "the same as a table",
        "encoder.keras, *.keras": "the encoder and the trained heads",
        "*_log.csv": "training logs",
        "*_test.npz": "every experiment's test predictions (audio_labels_omo: every film held out once)",
        "audio_labels_omo/": "the audio scene-label experiment on each one-movie-out fold",
        "frames/": "the decoded 1 fps frames (a cache)",
        "fig_*.png": "the chapter's figures",
    },
    examples={"split": "oso", "fold": "1"},
)

# %% tags=["remove-cell"]
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import display

from emolib.core.figures import figure_saver, glue_values
from emolib.core.precision import use_precision
from emolib.datasets.layouts import locate
from emolib.datasets.vocs import trend_share
from emolib.evaluation import studyb_report as report
from emolib.evaluation.intervals import DEFAULT_LEVEL, DEFAULT_RESAMPLES
from emolib.evaluation.studyb_intervals import audio_label_intervals
from emolib.runs.kernels import filter_library_warnings
from emolib.studyb import budget
from emolib.studyb.audio_splits import own_folds, run_audio_label_splits
from emolib.studyb.dataset import load_studyb, plan_experiments
from emolib.studyb.experiments import (
    encode_sequences,
    run_experiments,
    summarise,
    summary_text,
    train_autoencoder,
)
from emolib.studyb.models import (
    CODE_SHAPE,
    LAYOUT_GRID,
    PAPER_AUTOENCODER_PARAMS,
    build_autoencoder,
    extract_encoder,
    pool_code,
)
from emolib.studyb.recipes import recipe
from emolib.studyb.specs import Settings
from emolib.studyb.training import save_model, write_json

filter_library_warnings()  # only warnings a reader can act on reach the page
keras.utils.set_random_seed(seed)
precision = use_precision(mixed_precision)  # before any model is built
sns.set_theme(style="whitegrid", context="notebook")
show = figure_saver(output_dir)  # PNG into output_dir, glued for the book's numbered captions

# %% tags=["remove-cell"]
out = Path(output_dir)
lengths = budget(profile)
given = {"head_epochs": head_epochs, "audio_epochs": audio_epochs, "head_units": head_units, "l2": l2}
settings = Settings(
    lengths, fold, seed, batch_size, recipe(audio_recipe), given, head_dropout, pooled_voc_l2, tuple(voc_lags)
)
epochs = int(epochs or lengths["epochs"])
voc_detrend = None if voc_detrend is None else int(voc_detrend)
root = locate(data_dir).smelloffear or Path(data_dir)

# %%
data = load_studyb(root, features, min_positive, frames_cache or out / "frames", voc_detrend=voc_detrend)
plan = plan_experiments(data.available, features, split, heads)
pd.DataFrame([vars(e) for e in plan])

# %% tags=["remove-cell"]
glue_values(
    {
        "n_films": len(data.sequences["film"].unique()),
        "n_sequences": len(data.sequences),
        "kept": ", ".join(data.kept),
        "plan": ", ".join(e.name for e in plan) or "none",
    }
)
parameters = {
    "data_dir": str(root), "profile": profile, "seed": seed, "split": split, "fold": fold,
    "kept_labels": data.kept, "available": data.available, "voc_detrend": voc_detrend,
    "voc_lags": [int(lag) for lag in voc_lags],
}  # fmt: skip
choices = {
    "heads": list(heads), "head_dropout": head_dropout, "pooled_voc_l2": pooled_voc_l2,
    "audio_recipe": audio_recipe, "audio_splits": list(audio_splits), "precision": precision,
}  # fmt: skip

# %% [markdown]
# The notebook runs on whatever `data_dir` holds: with only `labels/` and `audio/` (the real
# release) it runs the audio scene-label experiment; with `vocs/` also the audio compound
# experiment; with movies the autoencoder and the video experiments.

# %% [markdown]
# The folder gives {glue:text}`n_films` labelled films and {glue:text}`n_sequences` sequences; the
# kept-label rule keeps {glue:text}`kept`. Experiments that can run: {glue:text}`plan`.
#
# ## The autoencoder
#
# The encoder is Conv3D(32) → MaxPool3D(2) → Conv3D(64) → MaxPool3D(2), every kernel 3×3×3 with
# batch normalisation and ReLU after each convolution, giving a code of 7×9×16×64 = 64,512 values.
# The decoder mirrors it with nearest-neighbour upsampling, pads the time axis back from 28 to 30
# frames and ends in a sigmoid convolution. It is trained with binary cross-entropy and Adadelta
# (learning rate 1.0, the Keras 2 default the paper used) on the first 80 % of every movie,
# unlabelled films included, and validated on the last 20 %.

# %%
counts = {bn: build_autoencoder(bn, compile_model=False).count_params() for bn in (True, False)}
pd.Series(
    {
        "this autoencoder, batch norm": counts[True],
        "without batch norm": counts[False],
        "paper (section III-B)": PAPER_AUTOENCODER_PARAMS,
    },
    name="parameters",
)

# %% tags=["remove-cell"]
autoencoder_params = {
    "batch_norm": counts[True],
    "no_batch_norm": counts[False],
    "paper": PAPER_AUTOENCODER_PARAMS,
}
glue_values({"params_bn": f"{counts[True]:,}", "params_nobn": f"{counts[False]:,}",
             "params_paper": f"{PAPER_AUTOENCODER_PARAMS:,}"})  # fmt: skip

# %% [markdown]
# With batch normalisation the network has {glue:text}`params_bn` parameters, the paper's
# {glue:text}`params_paper`: five convolutions (2,624 + 55,360 + 110,656 + 55,328 + 2,595) and four
# batch-normalisation layers of 4 numbers per channel, two of which (the moving mean and variance)
# Keras does not count as trainable. Without it: {glue:text}`params_nobn`.

# %% tags=["hide-input"]
variants = (
    [] if not data.available["video"] else ([True, False] if batch_norm == "both" else [bool(batch_norm)])
)
runs = {bn: train_autoencoder(data, bn, epochs, out, batch_size=batch_size, seed=seed) for bn in variants}
encoder = extract_encoder(runs[variants[0]]["model"]) if runs else None
codes = (
    encode_sequences(encoder, data.frames, batch_size) if runs else None
)  # frozen: one pass serves every head
if runs:
    save_model(encoder, out / "encoder.keras")
    show("fig_ae_loss", report.plot_autoencoder_losses(runs))

# %% tags=["remove-cell"]
if runs:
    sizes = runs[variants[0]]["sizes"]
    glue_values({"ae_epochs": epochs, "ae_train": sizes["train"], "ae_val": sizes["val"]})

# %% [markdown]
# ```{glue:figure} fig_ae_loss
# :name: fig-ae-loss
# :alt: Training and validation loss of the autoencoder with and without batch normalisation over epochs
# Training and validation loss of the autoencoder with and without batch normalisation over
# {glue:text}`ae_epochs` epochs ({glue:text}`ae_train` training and {glue:text}`ae_val`
# validation sequences; cf. the paper's Figure 10).
# ```

# %% tags=["hide-input"]
if runs:
    show("fig_reconstructions", report.plot_reconstructions(runs[variants[0]]))

# %% [markdown]
# ```{glue:figure} fig_reconstructions
# :name: fig-reconstructions
# :alt: First frame of one sequence per film (top) and its reconstruction after the first
# First frame of one sequence per film (top) and its reconstruction after the first, the tenth (when
# trained that long) and the last epoch (cf. the paper's Figure 11).
# ```
#
# ## The compounds: trend, scaling, lag
#
# The study min-max scales each compound of each screening to [0, 1]. Part of what a screening
# measures is not a response to the film at all: CO2 accumulates as the audience sits, siloxanes
# from personal-care products evaporate away. After plain min-max scaling such a slow trend fills
# the scale, and "late in the film" becomes the target: under `l20` the held-out last fifth lies at
# one end of the range, out of reach of any model that sees only the content. Here (beyond the
# paper; `voc_detrend`) each compound's polynomial trend of degree {glue:text}`voc_detrend` within
# its screening is subtracted before scaling. Like the study's min-max, it is a fixed transform of
# each screening computed from all of that screening's measurements: it defines the target, and
# nothing is fitted to labels or to the test part. The table gives the share of each compound's
# variance within a screening that a straight line in time accounts for ({glue:text}`trend_co2`
# for CO2, {glue:text}`trend_siloxane` for siloxane).
#
# The air also answers late: breath reaches the instrument a minute or so after the scene. The
# first compound experiment therefore trains one model per response lag in {glue:text}`voc_lags`
# sequences (the paper used 0), pairing each measurement with the scene that many sequences
# earlier, and keeps the lag whose model does best, relative to the training mean, on the
# *validation* part; the test part holds the same measurements whatever the lag. The lag is a
# property of the audience and the instrument, not of the input, so the other compound experiments
# reuse it. With a few dozen distinct sequences on a small sample the networks would memorise the
# noise of the compounds, so their hidden layers carry an L2 weight
# decay of {glue:text}`l2` (the paper's networks have none; 0 on the full budget).

# %% tags=["hide-input"]
shares = trend_share(data.sof.vocs)
if len(shares):
    display(shares.describe().loc[["count", "mean", "min", "max"]].round(2))

# %% tags=["remove-cell"]
share = shares.mean() if len(shares) else pd.Series(np.nan, index=shares.columns)
glue_values(
    {
        "trend_co2": f"{share['CO2']:.0%}",
        "trend_siloxane": f"{share['siloxane']:.0%}",
        "voc_detrend": "none (plain min-max)" if voc_detrend is None else str(voc_detrend),
        "voc_lags": ", ".join(map(str, voc_lags)),
        "l2": f"{settings.l2:g}",
        "heads": ", ".join(heads),
        "head_dropout": f"{head_dropout:g}",
        "pooled_voc_l2": f"{pooled_voc_l2:g}",
        "layout_grid": " × ".join(map(str, LAYOUT_GRID)),
        "n_pooled": f"{pool_code(np.zeros((1, *CODE_SHAPE), np.float32)).shape[1]:,}",
        "paper_units": f"{settings.units('labels')} and {settings.units('vocs')}",
    }
)

# %% [markdown]
# ## Two heads on the frozen encoder
#
# The paper flattens the 64,512 values of the code into a dense layer of 1024 units (512 for the
# compounds) with batch normalisation: 66 million weights, trained on 1,017 sequences. The paper
# names the size of its data as its main weakness, and a synthetic sample has far fewer sequences:
# such a head learns the training sequences by heart. Beside the paper's head (`paper`, with
# {glue:text}`paper_units` hidden units here), a second head goes beyond the paper (`pooled`): it
# reads the mean and the maximum of each of the 64 code filters over time and space (how much of the
# sequence, and how strongly anywhere, each filter responds) and each filter's mean over time in the
# {glue:text}`layout_grid` regions of the frame (where it responds: two faces side by side, a
# horizon, a dark lower band), {glue:text}`n_pooled` numbers standardised with the training
# sequences' statistics (every scale floored at a tenth of the median one, so that a filter silent on
# the training sequences cannot explode on others), through a dropout of {glue:text}`head_dropout`
# and one output layer: a linear read-out. For the labels it is a logistic regression with the same
# weight decay as the paper's head; for the compounds a ridge regression (squared error, Adam,
# weight decay {glue:text}`pooled_voc_l2` at ridge scale: absolute errors moved it by a few noisy
# signs at a time, and its validation score never settled). It starts as the baseline itself (zero
# weights, output bias at the logit of each label's training prevalence or at each compound's
# training mean), and the epoch kept on validation may be that start: a head that finds nothing the
# validation part confirms falls back to the baseline instead of falling below it. Heads run here:
# {glue:text}`heads`; the first gives the experiments `video_labels` and `video_vocs`, the others
# are named after their head.
#
# ## Scene labels and compounds
#
# Each experiment trains on the training part, keeps the epoch with the lowest validation loss,
# chooses one decision threshold per label on the validation part, and is scored on the test part
# with the paper's metric, the support-weighted F1. Beside it: the label **prevalence** of the
# training part (thresholded the same way), the predictor that switches **every label on**, and for
# the compounds the **training mean** and **training median** of each compound (the median is the
# best constant under absolute error) and, when one screening is out, the mean of the other
# screenings at the same time (which sees the held-out time, so it is a reference, not a fair rival).
# The audio network also meets two learned baselines on the same 193 features and the same rows
# (beyond the paper): a class-balanced **logistic** regression per label on features standardised
# with the training rows, and gradient-boosted trees per label (**boosted trees**), their thresholds
# too chosen on the validation part.
#
# The audio network itself is trained with the recipe {glue:text}`audio_recipe`. The paper's recipe
# (plain cross-entropy, epoch of lowest validation loss, one seed) keeps labels that are on in a
# tenth of the sequences switched off. The `balanced` recipe goes beyond the paper: a class-balanced
# cross-entropy (each label's positives and negatives weigh the same in total, as in the logistic
# regression), a threshold of 0.5 for labels with fewer than three positive validation sequences and
# no chosen threshold below 0.1, and an ensemble of networks from consecutive seeds whose scores are
# averaged (`emolib.studyb.recipes` says how it was chosen, on validation rows only). With that
# recipe the paper's network is trained too and scored on the same rows (`paper@0.5`, `paper@val`);
# each network of the ensemble alone is `seed <k>`.

# %%
results = run_experiments(settings.specs(plan), data, out, encoder, codes)
scores = report.scores_table(results)
display(scores.round(3))
summary = summarise(results)
display(summary.round(3))

# %% tags=["remove-cell"]
label_runs, voc_runs = report.split_results(results)
glue_values(
    {
        "summary": summary_text(summary),
        **report.chapter_values(results, summary, report.first_compound(results)),
    }
)

# %% [markdown]
# The second table puts every model beside its strongest baseline on the same test rows:
# {glue:text}`summary`. Pooled heads for which no epoch beat their starting point on validation, so
# that the baseline itself was kept: {glue:text}`kept_start`.

# %% [markdown]
# ### The audio network beside its learned baselines, on every film
#
# A score on one test part is one draw. The intervals below say how far each score would move on
# another sample of the same kind: percentile bootstraps at {glue:text}`level` with
# {glue:text}`n_resamples` resamples over the **films**: scene labels belong to a film, not to a
# screening, so every split holds out films or parts of films and the film is the independent unit
# (its sequences are neighbouring 30 s of the same story and are resampled together, never one by
# one). To give every film a turn, the audio experiment, which is small, runs on every fold of the
# splits {glue:text}`audio_splits` (the last fifth of every film, `l20`; each film held out once,
# `omo`, its folds' test rows pooled; under one screening out, `oso`, scene labels run as `l20`).
# Each predictor is compared with the logistic regression on the *same* resamples (the paired
# difference) and called better or worse only when the interval of that difference excludes 0.
#
# Under one movie out every fold is a different model, trained on different films, and its scores
# live on a scale of their own. The weighted F1 counts the decisions of every fold together (pooled
# counts are the right pooling for F1), but the macro AUC ranks scores: it is computed within each
# held-out film, where one model made every score, over the labels present in that film, and then
# averaged over films (the resampled unit); pooled over folds it would rank one film's scenes against
# another's, and a predictor that is constant within each fold would score away from 0.5. The last
# fifth of every film (`l20`) is predicted by one model, so its AUC ranks all its test rows together.

# %% tags=["hide-input"]
shown_names = {
    "model@val": f"audio network ({audio_recipe})", "paper@val": "paper's network", "logistic": "logistic",
    "boosted trees": "boosted trees", "prevalence": "prevalence", "all on": "all on",
}  # fmt: skip
audio_spec = settings.spec_of(plan, "audio_labels")  # every fold of each split: each film held out once
label_splits = run_audio_label_splits(data, out, audio_spec, audio_splits, own_folds(results), workers)
intervals = audio_label_intervals(label_splits, shown_names, seed=seed)
with pd.option_context("display.max_colwidth", None):  # verdicts whole, not cut at 50
    display(intervals.table)

# %% tags=["remove-cell"]
glue_values(
    {
        "audio_recipe": f"`{audio_recipe}`",
        "audio_splits": ", ".join(label_splits) or "none",
        "n_resamples": f"{DEFAULT_RESAMPLES:,}",
        "level": f"{DEFAULT_LEVEL:.0%}",
        "audio_intervals": intervals.text,
        "audio_seed_spread": intervals.spread,
    }
)

# %% [markdown]
# Weighted F1 and macro AUC of the test rows, each with its {glue:text}`level` interval in
# brackets, and the verdict against the logistic regression, split by split:
# {glue:text}`audio_intervals`. Each network of the ensemble alone, mean ± sd over its seeds
# (how much one network depends on its seed, which the ensemble averages away):
# {glue:text}`audio_seed_spread`. The per-label AUC of every predictor is in the per-label table
# below.

# %% tags=["hide-input"]
if label_runs:
    show("fig_label_curves", report.plot_label_curves(label_runs))
    display(next(iter(label_runs.values()))["table"].round(2))

# %% [markdown]
# ```{glue:figure} fig_label_curves
# :name: fig-label-curves
# :alt: Support-weighted F1 (threshold 0.5) along training on the validation and test parts
# Support-weighted F1 (threshold 0.5) along training on the validation and test parts, beside the
# all-on predictor (cf. the paper's Figure 12). Curves are recorded for reading, never used to choose.
# ```

# %% tags=["hide-input"]
if voc_runs:
    show("fig_voc_learning", report.plot_voc_curves(voc_runs))
    display(report.voc_table(voc_runs).round(3))
    display(report.lag_table(voc_runs).round(3))

# %% [markdown]
# ```{glue:figure} fig_voc_learning
# :name: fig-voc-learning
# :alt: Mean absolute error of the scaled compounds along training on the validation and test parts
# Mean absolute error of the scaled compounds along training on the validation and test parts,
# beside the per-compound training mean (cf. the paper's Figure 13), for the response lag kept on
# validation. The training curve is each model's own loss: absolute error for the paper's head and
# the audio network, squared error plus weight decay for the pooled head.
# ```
#
# On the test part: {glue:text}`voc_summary`. The second table gives, for every lag tried (by
# {glue:text}`lag_from`), the validation MAE of the model and of the training mean and the skill
# that chose the lag; the test part was scored for the kept lag only. On the synthetic cinema the
# breath is planted one to two sequences behind the scenes; isoprene, acetone, methanol and CO2
# follow arousal and fear, ethanol follows laughter and siloxane nothing at all (its per-compound
# error shows what no content can predict). The test parts here hold {glue:text}`n_test` samples
# (sequences for the labels, measurements of a screening for the compounds, several screenings
# sharing a sequence): on a sample this small, differences of a hundredth or two are within noise.

# %% tags=["remove-cell"]
extra = {
    "autoencoder_params": autoencoder_params,
    **({"voc_trend_share": shares.mean().round(4).to_dict()} if len(shares) else {}),
    "audio_label_intervals": intervals.section,
}
metrics = report.run_metrics(
    {**parameters, **choices}, settings, report.autoencoder_section(runs, epochs), results, extra
)
write_json(out / "metrics.json", metrics)
scores.to_csv(out / "scores.csv", index=False)

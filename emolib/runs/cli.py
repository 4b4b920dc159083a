"""Command line: ``python -m emolib <command>``.

Commands
--------
sample
    Write the synthetic cinema (both dataset layouts) for a profile and seed.
notebooks
    Execute the notebooks with papermill into a folder the book includes: only the runs whose inputs
    changed since their last run (:mod:`emolib.runs.run_cache`), every one with ``--force``.
extract
    Extract Study A features of every movie into the resumable HDF5 feature store.
folds
    Run the LSTM notebook for every fold and configuration, then rebuild the evaluation chapter.
validate
    Check every file of a data folder and list every problem found.
weights
    Convert public pretrained weights (C3D Sports-1M) into an extractor's weights file.
lab
    Register the project's kernel and start JupyterLab (jupytext pairing) on 127.0.0.1 with a token.

This module only parses the arguments: the commands' work is done by :mod:`emolib.synth`,
:mod:`emolib.runs.notebooks`, :mod:`emolib.runs.extract_command`, :mod:`emolib.runs.folds_command` and
:mod:`emolib.datasets.validate`.

``extract`` and ``folds`` run their tasks on Dask with ``--scheduler tcp://host:8786`` (an existing
cluster), or ``tls://host:8786`` with ``--tls-ca-file``/``--tls-cert``/``--tls-key`` (or Dask's TLS
configuration); ``folds`` starts an embedded local cluster of ``--workers`` processes otherwise, and
so does ``extract`` when ``--workers`` is above 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from emolib.core.distributed import ClusterChoice
from emolib.core.errors import DataError, StorageError
from emolib.core.options import UsageError

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _cmd_sample(args: argparse.Namespace) -> int:
    from emolib.synth import generate_sample, is_current

    if not args.force and is_current(Path(args.out), args.profile, args.seed):
        print(f"synthetic cinema ({args.profile}, seed {args.seed}) in {args.out} is up to date")
        return 0
    generate_sample(Path(args.out), profile=args.profile, seed=args.seed, workers=args.workers)
    print(f"synthetic cinema ({args.profile}, seed {args.seed}) written to {args.out}")
    return 0


def _cmd_notebooks(args: argparse.Namespace) -> int:
    from emolib.runs.notebooks import BOOK_EXTRA_RUNS, Book, NotebookFailed, discover, execute_all

    if not discover(args.sources, only=args.only):
        print(f"no notebooks matched in {args.sources}", file=sys.stderr)
        return 2
    parameters = {"data_dir": str(Path(args.data).resolve()), "profile": args.profile, "seed": args.seed}
    book = Book(discover(args.sources), Path(args.out), parameters, Path(args.outputs), BOOK_EXTRA_RUNS)
    try:
        execute_all(book, force=args.force, only=args.only, workers=args.workers)
    except NotebookFailed as err:
        print(f"\n{err}", file=sys.stderr)
        return 1
    return 0


def _cmd_kernel(args: argparse.Namespace) -> int:
    from emolib.runs.kernels import KERNEL_NAME, install_kernelspec

    print(f"kernel '{KERNEL_NAME}' registered in {install_kernelspec(args.prefix)}")
    return 0


def _add_dask_options(parser: argparse.ArgumentParser, workers: int, what: str) -> None:
    parser.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="run on the Dask cluster at this scheduler address (tcp://host:8786, tls://host:8786) or "
        "scheduler file (.json); default: a local cluster of --workers processes",
    )  # fmt: skip
    parser.add_argument(
        "--workers", type=int, default=workers,
        help=f"processes of the local cluster, {what} (default {workers})",
    )  # fmt: skip
    parser.add_argument(
        "--retries", type=int, default=1,
        help="how many more times a failed task is run before it is reported (default 1)",
    )  # fmt: skip
    tls = parser.add_argument_group(
        "TLS", "certificates for a scheduler at tls://host:port (default: Dask's distributed.comm.tls.*)"
    )
    tls.add_argument("--tls-ca-file", metavar="PEM", help="authority that signed the cluster's certificates")
    tls.add_argument("--tls-cert", metavar="PEM", help="this client's certificate (may hold its key too)")
    tls.add_argument("--tls-key", metavar="PEM", help="this client's private key, if not in --tls-cert")


def _cluster(args: argparse.Namespace) -> ClusterChoice:
    """The command's Dask cluster options."""
    tls = (args.tls_ca_file, args.tls_cert, args.tls_key)
    return ClusterChoice(args.scheduler, args.workers, args.retries, tls)


def _cmd_extract(args: argparse.Namespace) -> int:
    from emolib.runs.extract_command import ExtractChoice, extractor_table, run_extract

    if args.list:
        print("\n".join(extractor_table()))
        return 0
    choice = ExtractChoice(args.batch, args.force, args.rehash, not args.no_progress, args.prefetch,
                           args.decode_workers)  # fmt: skip
    return run_extract(
        args.data, args.visual, args.audio, store=args.store, weights=args.weights, params=args.param,
        random_weights=args.random_weights, movies=args.movies, choice=choice, cluster=_cluster(args),
    )  # fmt: skip


def _cmd_folds(args: argparse.Namespace) -> int:
    from emolib.runs.folds_command import SweepChoice, SweepPaths, run_folds

    sweep = SweepChoice(args.data, args.profile, args.seed, args.n_folds, args.task, args.set, args.grid,
                        args.folds, args.test_dir)  # fmt: skip
    paths = SweepPaths(args.notebook, args.out, args.outputs, args.book)
    return run_folds(sweep, paths, _cluster(args), evaluate=args.evaluate, features=args.features)


def _cmd_validate(args: argparse.Namespace) -> int:
    from emolib.datasets.validate import validate

    defects: list[str] = []
    problems, checked = validate(args.data, defects)
    for defect in defects:
        print(f"warning: {defect}", file=sys.stderr)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{checked} files checked under {args.data}: {len(problems)} problem(s), {len(defects)} defect(s) "
          "worked around")  # fmt: skip
    return 1 if problems else 0


def _cmd_weights(args: argparse.Namespace) -> int:
    from emolib.features.c3d_weights import convert_sports1m

    dest = Path(args.out) if args.out else Path(args.source).with_name("c3d-sports1m.weights.h5")
    weights_id = convert_sports1m(args.source, dest, flip=args.flip)
    print(f"c3d weights written to {dest} ({weights_id})")
    print(f"use: python -m emolib extract --visual c3d --weights c3d={dest} --param c3d.channel_order=bgr "
          "--param c3d.mean=[B,G,R] (the Sports-1M mean the weights were trained with)")  # fmt: skip
    return 0


def _cmd_lab(args: argparse.Namespace) -> int:
    from emolib.runs.lab import run_lab

    return run_lab(args.root, args.port, args.token, setup_only=args.setup_only)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m emolib``."""
    parser = argparse.ArgumentParser(prog="python -m emolib", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    sample = sub.add_parser("sample", help="write the synthetic cinema in the real dataset layouts")
    sample.add_argument("--profile", choices=["micro", "tiny", "full"], default="tiny",
                        help="micro: seconds to generate (backend checks); tiny: the book's")  # fmt: skip
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--out", default="data/sample", help="output folder (default: data/sample)")
    sample.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    sample.add_argument("--force", action="store_true", help="regenerate even if the sample is up to date")
    sample.set_defaults(func=_cmd_sample)

    nb = sub.add_parser(
        "notebooks",
        help="execute the notebooks with papermill (only those whose inputs changed)",
        description="Execute every run of the book (each notebook, notebook 04's further folds and its "
        "test-set run) whose key of inputs changed since its last run: its source, emolib's sources, the "
        "sample, its parameters, the Keras backend, the libraries' versions and the runs it reads. Prints "
        "`ran  <run> (<seconds> s)` or `reused <run> (key <hash>)` per run; writes each run's seconds to "
        "OUTPUTS/run_times.csv and .json and OUT/run_times.md.",
    )
    nb.add_argument("--data", default="data/sample", help="data_dir passed to every notebook")
    nb.add_argument("--profile", choices=["micro", "tiny", "full"], default="tiny")
    nb.add_argument("--seed", type=int, default=0)
    nb.add_argument("--sources", default=str(PROJECT_ROOT / "notebooks"), help="folder of NN_*.py sources")
    nb.add_argument("--out", default="book/notebooks", help="folder for the executed notebooks")
    nb.add_argument("--outputs", default="outputs", help="root of each notebook's output_dir")
    nb.add_argument("--only", nargs="*", help="run only the notebooks whose names start with these")
    nb.add_argument(
        "--force", action="store_true",
        help="execute every notebook again, even those whose inputs did not change since their last run",
    )  # fmt: skip
    nb.add_argument(
        "--workers", type=int, default=2,
        help="runs executed side by side, each in its own kernel (default 2: notebook 04's runs beside 05's)",
    )  # fmt: skip
    nb.set_defaults(func=_cmd_notebooks)

    ex = sub.add_parser(
        "extract",
        help="extract Study A features into the HDF5 feature store",
        description="Extract per-step features (16/30 s steps) of every movie into one HDF5 file per "
        "movie and extractor. Finished, unchanged movies are skipped; a failing movie is reported and "
        "the others go on; the exit status is 1 if any movie failed. The store defaults to DATA/features. "
        "The organisers' MediaEval descriptors (acc ... fc6, emobase2010; see --list) are imported from "
        "their folders under DATA instead, without decoding any movie.",
    )
    ex.add_argument(
        "--data", default="data/sample", help="data folder (MediaEval layout or a folder of videos)"
    )
    ex.add_argument("--store", help="feature store folder (default: DATA/features)")
    ex.add_argument(
        "--visual", nargs="+", metavar="NAME",
        help="visual extractors (c3d, colour-motion, encoder, siglip) or organisers' descriptors (fc6, ...)",
    )  # fmt: skip
    ex.add_argument(
        "--audio", nargs="+", metavar="NAME",
        help="audio extractors (vgg19, logmel-stats, librosa193, whisper, opensmile-emobase2010, "
        "opensmile-egemaps) or the organisers' emobase2010 descriptors",
    )  # fmt: skip
    ex.add_argument(
        "--weights", nargs="+", metavar="NAME=PATH",
        help="weights per extractor: a local file (c3d, vgg19, encoder), 'imagenet' (vgg19: Keras's download "
        "and cache), a keras-hub preset name or local preset folder (siglip, whisper)",
    )  # fmt: skip
    ex.add_argument(
        "--random-weights",
        nargs="+",
        metavar="NAME",
        help="run these network extractors with random weights (recorded as 'random')",
    )
    ex.add_argument("--param", nargs="+", metavar="NAME.KEY=VALUE", help="extractor parameter (JSON value)")
    ex.add_argument("--movies", nargs="+", metavar="NAME", help="only these movies")
    ex.add_argument("--batch", type=int, help="steps per decoded batch (default: the extractors' batch)")
    ex.add_argument(
        "--prefetch",
        type=int,
        metavar="N",
        help="decoded batches prepared ahead of the networks (default 2; 0: decode inline)",
    )
    ex.add_argument(
        "--decode-workers", type=int, default=0, metavar="N",
        help="decode the movies in N processes and run the extractors in this one, batches copied to the "
        "GPU ahead (one GPU, many cores; not with --scheduler or --workers)",
    )  # fmt: skip
    ex.add_argument("--force", action="store_true", help="recompute even up-to-date features")
    ex.add_argument(
        "--rehash", action="store_true", help="hash every movie instead of trusting size and mtime"
    )
    ex.add_argument("--no-progress", action="store_true", help="no progress bars")
    ex.add_argument("--list", action="store_true", help="list the extractors and exit")
    _add_dask_options(ex, 1, "one movie each; 1: extract in this process")
    ex.set_defaults(func=_cmd_extract)

    fo = sub.add_parser(
        "folds",
        help="run notebook 04 for every fold and configuration, then rebuild the evaluation chapter",
        description="Run notebooks/04_lstm_training.py with papermill for every fold and every combination "
        "of --grid, several at once, each into OUT/<config>/fold<k>/. Finished runs with the same parameters "
        "are skipped; a failing run keeps FAILED.ipynb and error.txt and does not stop the others. Then "
        "notebook 07 is executed over the runs into the book. Exit status 1 if any run failed.",
    )
    fo.add_argument("--data", default="data/sample", help="data_dir of every run")
    fo.add_argument("--profile", choices=["tiny", "full"], default="tiny")
    fo.add_argument("--seed", type=int, default=0, help="seeds the folds and the networks")
    fo.add_argument("--n-folds", type=int, default=4, help="movie-level folds (default 4)")
    fo.add_argument("--folds", type=int, nargs="+", help="only these fold indices (default: all)")
    fo.add_argument("--task", default="both", help="va, fear or both (default both)")
    fo.add_argument(
        "--test-dir", help="a MediaEval 2017 test set (or development-layout folder): each configuration "
        "trains on all of --data and is scored on it, per movie then the mean (notebook 04's test_dir)",
    )  # fmt: skip
    fo.add_argument(
        "--grid", nargs="+", metavar="NAME=V1,V2", help="parameters to sweep, e.g. modality=audio,video,mixed"
    )
    fo.add_argument(
        "--set", nargs="+", metavar="NAME=VALUE", help="parameters of every run (JSON values), e.g. epochs=30"
    )
    _add_dask_options(fo, 2, "one run each")
    fo.add_argument(
        "--notebook", default=str(PROJECT_ROOT / "notebooks" / "04_lstm_training.py"),
        help="the notebook source each run executes (default notebooks/04_lstm_training.py)",
    )  # fmt: skip
    fo.add_argument("--out", default="outputs/folds", help="root of the runs (default outputs/folds)")
    fo.add_argument("--outputs", default="outputs", help="root of the notebooks' output_dir")
    fo.add_argument("--book", default="book/notebooks", help="where the executed notebook 07 goes")
    fo.add_argument("--no-evaluate", dest="evaluate", action="store_false", help="do not rebuild notebook 07")
    fo.add_argument("--no-features", dest="features", action="store_false",
                    help="do not extract missing features once before the runs")  # fmt: skip
    fo.set_defaults(func=_cmd_folds)

    va = sub.add_parser(
        "validate",
        help="check every data file and list every problem",
        description="Read every annotation, descriptor, label, audio feature and VOC file of every dataset "
        "layout (MediaEval 2017 and 2018 with the organisers' descriptor folders, Smell of Fear) and probe "
        "every movie; print each problem with its file (and line), and each defect the readers work around "
        "as a warning. Exit status 1 if there is any problem.",
    )
    va.add_argument("--data", default="data/sample", help="data folder to check")
    va.set_defaults(func=_cmd_validate)

    ke = sub.add_parser(
        "kernel",
        help="register the project's Jupyter kernel 'emolib'",
        description="Register the kernel the notebooks run in (native library logs to a file, not the page) "
        "in an environment's share/jupyter/kernels, for `papermill -k emolib` and JupyterLab.",
    )
    ke.add_argument("--prefix", default=None, help="environment prefix (default: this Python's sys.prefix)")
    ke.set_defaults(func=_cmd_kernel)

    we = sub.add_parser(
        "weights",
        help="convert the public C3D Sports-1M Keras weights into the c3d extractor's weights file",
        description="Read c3d-sports1M_weights.h5 (the Keras/Theano port of the Caffe C3D Sports-1M model, "
        "layers conv1 ... fc8) or a later Keras port, convert it to this project's channels-last C3D and "
        "write a .weights.h5 file for --weights c3d=FILE. A layer or shape that does not match is named.",
    )  # fmt: skip
    we.add_argument("source", help="the public C3D Sports-1M Keras weights file (.h5)")
    we.add_argument("--out", help="the .weights.h5 to write (default: c3d-sports1m.weights.h5 beside it)")
    we.add_argument("--no-flip", dest="flip", action="store_false",
                    help="do not mirror Theano kernels in t, h and w (a file already flipped)")  # fmt: skip
    we.set_defaults(func=_cmd_weights)

    lab = sub.add_parser(
        "lab",
        help="register the emolib kernel and start JupyterLab on 127.0.0.1 with a token (make lab)",
        description="Register the kernel 'emolib', make .py notebook sources open as notebooks (jupytext), "
        "and start JupyterLab bound to 127.0.0.1 with a token. Remote server: ssh -N -L 8888:127.0.0.1:8888 "
        "user@server, then open the printed URL on your machine.",
    )  # fmt: skip
    lab.add_argument("--port", type=int, default=8888, help="port on 127.0.0.1 (default 8888)")
    lab.add_argument("--token", help="access token (default: a random one, printed in the URL)")
    lab.add_argument("--root", default=str(PROJECT_ROOT), help="folder Lab shows (default: the project)")
    lab.add_argument("--setup-only", action="store_true", help="register the kernel and settings, then exit")
    lab.set_defaults(func=_cmd_lab)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status.

    2 for bad data or options that cannot work, 1 when a file cannot be written on its device (full,
    over quota, read-only: :class:`~emolib.core.errors.StorageError`, whose message names the file).
    """
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (DataError, UsageError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except StorageError as err:  # disk full, quota, read-only: the files written so far are complete
        print(f"error: {err}", file=sys.stderr)
        return 1

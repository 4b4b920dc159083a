"""Command line: ``python -m emolib <command>``.

Commands
--------
sample
    Write the synthetic cinema (both dataset layouts) for a profile and seed.
notebooks
    Execute the notebooks with papermill into a folder the book includes.
extract
    Extract Study A features of every movie into the resumable HDF5 feature store.
folds
    Run the LSTM notebook for every fold and configuration, then rebuild the evaluation chapter.
validate
    Check every file of a data folder and list every problem found.

``extract`` and ``folds`` run their tasks on Dask with ``--scheduler tcp://host:8786`` (an existing
cluster); ``folds`` starts an embedded local cluster of ``--workers`` processes otherwise, and so
does ``extract`` when ``--workers`` is above 1.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from emolib.errors import DataError

if TYPE_CHECKING:
    from distributed import Client

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _cmd_sample(args: argparse.Namespace) -> int:
    from emolib.synth import generate_sample, is_current

    if not args.force and is_current(Path(args.out), args.profile, args.seed):
        print(f"synthetic cinema ({args.profile}, seed {args.seed}) in {args.out} is up to date")
        return 0
    generate_sample(Path(args.out), profile=args.profile, seed=args.seed, workers=args.workers)
    print(f"synthetic cinema ({args.profile}, seed {args.seed}) written to {args.out}")
    return 0


def _cmd_notebooks(args: argparse.Namespace) -> int:
    from emolib.notebooks import NotebookFailed, discover, execute_all

    sources = discover(args.sources)
    if args.only:
        sources = [s for s in sources if any(s.stem.startswith(o) for o in args.only)]
    if not sources:
        print(f"no notebooks matched in {args.sources}", file=sys.stderr)
        return 2
    parameters = {"data_dir": str(Path(args.data).resolve()), "profile": args.profile, "seed": args.seed}
    try:
        execute_all(sources, args.out, parameters, outputs_root=args.outputs)
    except NotebookFailed as err:
        print(f"\n{err}", file=sys.stderr)
        return 1
    return 0


def _key_values(items: Sequence[str] | None, what: str) -> list[tuple[str, str]]:
    pairs = []
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise DataError(item, f"expected {what}")
        pairs.append((key, value))
    return pairs


def _parse_value(text: str) -> object:
    """A parameter value: JSON if it parses (numbers, booleans, lists), else the string itself."""
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


@contextlib.contextmanager
def _dask(args: argparse.Namespace, use: bool = True) -> Iterator[Client | None]:
    """The Dask client of ``--scheduler``/``--workers``, or ``None`` when ``use`` is false."""
    if not use:
        yield None
        return
    from emolib.distributed import describe, open_client

    with open_client(args.scheduler, workers=args.workers) as client:
        print(describe(client), file=sys.stderr, flush=True)
        yield client


def _add_dask_options(parser: argparse.ArgumentParser, workers: int, what: str) -> None:
    parser.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="run on the Dask cluster at this scheduler address (tcp://host:8786) or scheduler file "
        "(.json); default: a local cluster of --workers processes",
    )  # fmt: skip
    parser.add_argument(
        "--workers", type=int, default=workers,
        help=f"processes of the local cluster, {what} (default {workers})",
    )  # fmt: skip
    parser.add_argument(
        "--retries", type=int, default=1,
        help="how many more times a failed task is run before it is reported (default 1)",
    )  # fmt: skip


def _cmd_extract(args: argparse.Namespace) -> int:
    from emolib.features import DEFAULT_STORE_SUBDIR, REGISTRY, FeatureStore, create, extract, find_movies

    if args.list:
        for name, e in REGISTRY.items():
            print(f"{name:14s} {e.modality:6s} {e.summary}")
        return 0
    chosen = {"visual": args.visual or [], "audio": args.audio or []}
    if not chosen["visual"] and not chosen["audio"]:
        print(
            "error: choose at least one extractor with --visual and/or --audio (see --list)", file=sys.stderr
        )
        return 2
    for modality, names in chosen.items():
        for name in names:
            if name not in REGISTRY or REGISTRY[name].modality != modality:
                known = ", ".join(n for n, e in REGISTRY.items() if e.modality == modality)
                print(f"error: {name!r} is not a {modality} extractor (known: {known})", file=sys.stderr)
                return 2
    names = chosen["visual"] + chosen["audio"]
    weights = dict(_key_values(args.weights, "NAME=PATH"))
    params: dict[str, dict[str, object]] = {}
    for key, value in _key_values(args.param, "NAME.KEY=VALUE"):
        name, dot, param = key.partition(".")
        if not dot:
            raise DataError(key, "expected NAME.KEY=VALUE")
        params.setdefault(name, {})[param] = _parse_value(value)
    for name in [*weights, *params, *(args.random_weights or [])]:
        if name not in names:
            raise DataError(name, "names an extractor that is not chosen with --visual/--audio")
    try:
        extractors = [
            create(
                n,
                weights=weights.get(n),
                random_weights=n in (args.random_weights or []),
                **params.get(n, {}),
            )
            for n in names
        ]
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    movies = find_movies(args.data)
    if args.movies:
        missing = sorted(set(args.movies) - set(movies))
        if missing:
            raise DataError(args.data, f"no movie named {', '.join(missing)}")
        movies = {m: p for m, p in movies.items() if m in args.movies}
    store = FeatureStore(args.store or Path(args.data) / DEFAULT_STORE_SUBDIR)
    print(f"extracting {', '.join(names)} for {len(movies)} movies into {store.root}", file=sys.stderr)
    with _dask(args, use=bool(args.scheduler) or args.workers > 1) as client:
        report = extract(
            movies, extractors, store, batch=args.batch, force=args.force, rehash=args.rehash,
            progress=not args.no_progress, client=client, retries=args.retries,
        )  # fmt: skip
    for res in report.failed:
        print(f"failed: {res.movie}: {res.reason}", file=sys.stderr)
    print(report.summary())
    return 1 if report.failed else 0


def _cmd_folds(args: argparse.Namespace) -> int:
    from emolib.notebooks import NotebookFailed, execute
    from emolib.sweep import plan, run_all

    base: dict[str, object] = {
        "data_dir": str(Path(args.data).resolve()), "profile": args.profile, "seed": args.seed,
        "n_folds": args.n_folds, "task": args.task,
    }  # fmt: skip
    base.update({k: _parse_value(v) for k, v in _key_values(args.set, "NAME=VALUE")})
    grid = {k: [_parse_value(x) for x in v.split(",")] for k, v in _key_values(args.grid, "NAME=V1,V2,...")}
    folds = args.folds if args.folds is not None else range(int(base["n_folds"]))  # type: ignore[call-overload]
    if args.features:
        from emolib.lstm.data import load_movie_set

        names = [*base.get("visual", ["colour-motion"]), *base.get("audio", ["logmel-stats"])]  # type: ignore[misc]
        load_movie_set(base["data_dir"], names, base.get("store_dir"))  # type: ignore[arg-type]
    tasks = plan(args.out, base, grid, folds, source=args.notebook)
    print(f"{len(tasks)} runs ({len(tasks) // max(1, len(list(folds)))} configurations) of "
          f"{Path(args.notebook).name} into {args.out}", flush=True)  # fmt: skip

    def report(res: dict[str, object]) -> None:
        took = f"{float(res['seconds']):.0f} s"  # type: ignore[arg-type]
        tries = f", {res['attempts']} attempts" if int(res["attempts"]) > 1 else ""  # type: ignore[call-overload]
        print(f"[{res['status']:7s}] {res['config']} fold {res['fold']} ({took}{tries}) {res['error']}",
              flush=True)  # fmt: skip

    with _dask(args) as client:
        table = run_all(tasks, summary=Path(args.out) / "summary.csv", on_result=report, client=client,
                        retries=args.retries)  # fmt: skip
    failed = int((table["status"] == "failed").sum())
    summary = Path(args.out) / "summary.csv"
    print(f"{len(table) - failed} runs finished, {failed} failed; summary in {summary}")
    if args.evaluate:
        params = {"data_dir": base["data_dir"], "profile": args.profile, "seed": args.seed,
                  "runs_dir": str(Path(args.outputs).resolve()), "studya_runs": str(Path(args.out).resolve()),
                  "output_dir": str(Path(args.outputs).resolve() / "07_evaluation")}  # fmt: skip
        target = Path(args.book) / "07_evaluation.ipynb"
        try:
            execute(PROJECT_ROOT / "notebooks" / "07_evaluation.py", target, params,
                    failed_copy=Path(args.outputs) / "07_evaluation" / "FAILED.ipynb")  # fmt: skip
        except NotebookFailed as err:
            print(f"\n{err}", file=sys.stderr)
            return 1
        print(f"evaluation chapter rebuilt from the runs: {target}")
    return 1 if failed else 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from emolib.validate import validate

    problems, checked = validate(args.data)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{checked} files checked under {args.data}: {len(problems)} problem(s)")
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m emolib``."""
    parser = argparse.ArgumentParser(prog="python -m emolib", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    sample = sub.add_parser("sample", help="write the synthetic cinema in the real dataset layouts")
    sample.add_argument("--profile", choices=["tiny", "full"], default="tiny")
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--out", default="data/sample", help="output folder (default: data/sample)")
    sample.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    sample.add_argument("--force", action="store_true", help="regenerate even if the sample is up to date")
    sample.set_defaults(func=_cmd_sample)

    nb = sub.add_parser("notebooks", help="execute the notebooks with papermill")
    nb.add_argument("--data", default="data/sample", help="data_dir passed to every notebook")
    nb.add_argument("--profile", choices=["tiny", "full"], default="tiny")
    nb.add_argument("--seed", type=int, default=0)
    nb.add_argument("--sources", default=str(PROJECT_ROOT / "notebooks"), help="folder of NN_*.py sources")
    nb.add_argument("--out", default="book/notebooks", help="folder for the executed notebooks")
    nb.add_argument("--outputs", default="outputs", help="root of each notebook's output_dir")
    nb.add_argument("--only", nargs="*", help="run only the notebooks whose names start with these")
    nb.set_defaults(func=_cmd_notebooks)

    ex = sub.add_parser(
        "extract",
        help="extract Study A features into the HDF5 feature store",
        description="Extract per-step features (16/30 s steps) of every movie into one HDF5 file per "
        "movie and extractor. Finished, unchanged movies are skipped; a failing movie is reported and "
        "the others go on; the exit status is 1 if any movie failed. The store defaults to DATA/features.",
    )
    ex.add_argument(
        "--data", default="data/sample", help="data folder (MediaEval layout or a folder of videos)"
    )
    ex.add_argument("--store", help="feature store folder (default: DATA/features)")
    ex.add_argument(
        "--visual", nargs="+", metavar="NAME", help="visual extractors (c3d, colour-motion, encoder)"
    )
    ex.add_argument(
        "--audio", nargs="+", metavar="NAME", help="audio extractors (vgg19, logmel-stats, librosa193)"
    )
    ex.add_argument(
        "--weights", nargs="+", metavar="NAME=PATH", help="local weights/model file per extractor"
    )
    ex.add_argument(
        "--random-weights",
        nargs="+",
        metavar="NAME",
        help="run these network extractors with random weights (recorded as 'random')",
    )
    ex.add_argument("--param", nargs="+", metavar="NAME.KEY=VALUE", help="extractor parameter (JSON value)")
    ex.add_argument("--movies", nargs="+", metavar="NAME", help="only these movies")
    ex.add_argument("--batch", type=int, help="steps per decoded batch (default: the extractors' batch)")
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
        description="Read every annotation, label, audio feature and VOC file of both dataset layouts and "
        "probe every movie; print each problem with its file (and line). Exit status 1 if there is any.",
    )
    va.add_argument("--data", default="data/sample", help="data folder to check")
    va.set_defaults(func=_cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2

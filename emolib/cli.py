"""Command line: ``python -m emolib <command>``.

Commands
--------
sample
    Write the synthetic cinema (both dataset layouts) for a profile and seed.
notebooks
    Execute the notebooks with papermill into a folder the book includes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from emolib.errors import DataError

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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2

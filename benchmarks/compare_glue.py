"""Compare the glued values of two builds of the book: the regression check of a refactoring.

    python benchmarks/compare_glue.py BEFORE/book/notebooks AFTER/book/notebooks [--show-timings]

Prints how many values each build glued, every value that differs (timings apart), and exits 1 when a
value other than a timing differs. See :mod:`emolib.runs.glued`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emolib.runs.glued import compare_builds, glued_values  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--show-timings", action="store_true", help="also list the timings that differ")
    args = parser.parse_args(argv)
    for label, folder in (("before", args.before), ("after", args.after)):
        count = sum(len(glued_values(p)) for p in sorted(folder.glob("*.ipynb")))
        print(f"{label}: {count} glued values in {folder}")
    diff = compare_builds(args.before, args.after)
    values, timings = diff[~diff["timing"]], diff[diff["timing"]]
    print(f"{len(values)} values differ, {len(timings)} timings differ")
    shown = diff if args.show_timings else values
    for row in shown.itertuples(index=False):
        print(f"  {row.notebook} {row.key}: {row.before!r} -> {row.after!r}")
    return 1 if len(values) else 0


if __name__ == "__main__":
    raise SystemExit(main())

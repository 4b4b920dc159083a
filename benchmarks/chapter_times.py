"""The time budget of the book: each notebook run's seconds in the last build, with this machine's CPUs.

Every ``make book`` (and the test session's book build) writes ``outputs/run_times.json``
(:mod:`emolib.runs.run_times`): one row per run (each chapter, notebook 04's further folds and its
test-set run), its seconds, the CPUs it had and whether the build reused it (then the seconds are
those of the build that produced its outputs). This prints that table, the total, and the CPUs of the
machine it runs on, to compare a budget measured elsewhere.

Run ``python benchmarks/chapter_times.py`` after ``make book`` (``--times FILE`` for another build's).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emolib.runs.run_cache import cpu_count  # noqa: E402
from emolib.runs.run_times import TIMES_JSON, read_times, times_markdown  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Print the table of the last build's run times; 1 when there is none."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--times", default=str(ROOT / "outputs" / TIMES_JSON), help="a build's run_times.json"
    )
    args = parser.parse_args(argv)
    try:
        times = read_times(args.times)
    except FileNotFoundError as err:
        print(err, file=sys.stderr)
        return 1
    reused = sum(t.reused for t in times)
    print(f"this machine: {cpu_count()} CPUs; {args.times}: {len(times)} runs, {reused} reused by its build")
    print(times_markdown(times), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

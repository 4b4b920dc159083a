"""Seconds for 10,000 bootstrap resamples of 50 movies (printed figures, nothing asserted).

Times :mod:`emolib.evaluation.intervals` on random data of Study A's shape: ``--units`` test movies of
``--rows`` windows each. Each vectorised metric (mean of per-movie scores, pooled MSE and Pearson r,
weighted F1 and macro AUC of ``--labels`` labels) is timed for one
:func:`~emolib.evaluation.intervals.bootstrap` (drawing the resamples included) and one
:func:`~emolib.evaluation.intervals.paired_bootstrap`; the slow
generic loop (:func:`~emolib.evaluation.intervals.bootstrap_loop`) is timed on ``--loop-resamples``
resamples of the MSE for comparison. Best of ``--repeats``.

Run ``python benchmarks/intervals.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from emolib.evaluation import intervals as iv  # noqa: E402
from emolib.evaluation import unit_metrics as um  # noqa: E402


def best_of(repeats: int, fn: Callable[[], object]) -> float:
    """Fastest wall-clock seconds of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> None:
    """Print the seconds of every metric's bootstrap."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=50, help="independent units (test movies)")
    parser.add_argument("--rows", type=int, default=20, help="rows (windows) per unit")
    parser.add_argument("--labels", type=int, default=13, help="labels of the F1 and AUC metrics")
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--loop-resamples", type=int, default=200, help="resamples of the slow loop")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    n = args.units * args.rows
    units = np.repeat(np.arange(args.units), args.rows)
    y = rng.normal(size=n)
    pred, base = y + rng.normal(size=n), np.zeros(n)
    labels = (rng.random((n, args.labels)) < 0.3).astype(int)
    scores = np.clip(0.3 * labels + rng.random(labels.shape), 0, 1)
    decisions = (scores >= 0.5).astype(int)
    metrics = {
        "unit_mean": (um.unit_mean(rng.normal(size=args.units)), um.unit_mean(rng.normal(size=args.units))),
        "pooled_mse": (um.pooled_mse(y, pred, units), um.pooled_mse(y, base, units)),
        "pooled_pearson": (um.pooled_pearson(y, pred, units), um.pooled_pearson(y, pred + y, units)),
        "pooled_weighted_f1": (
            um.pooled_weighted_f1(labels, decisions, units),
            um.pooled_weighted_f1(labels, np.ones_like(labels), units),
        ),
        "pooled_auc": (
            um.pooled_auc(labels, scores, units),
            um.pooled_auc(labels, rng.random(labels.shape), units),
        ),
    }
    print(f"{args.resamples} resamples of {args.units} units ({n} rows), best of {args.repeats}:")
    for name, (model, baseline) in metrics.items():
        one = best_of(args.repeats, partial(iv.bootstrap, model, args.resamples))
        paired = best_of(args.repeats, partial(iv.paired_bootstrap, model, baseline, args.resamples))
        print(f"  {name:<20} bootstrap {one:7.3f} s   paired {paired:7.3f} s")
    loop = best_of(
        1,
        lambda: iv.bootstrap_loop(
            lambda a, b: float(np.mean((a - b) ** 2)), units, y, pred, n_resamples=args.loop_resamples
        ),
    )
    print(
        f"  bootstrap_loop (MSE) {args.loop_resamples} resamples {loop:.3f} s "
        f"(about {loop * args.resamples / args.loop_resamples:.1f} s for {args.resamples})"
    )


if __name__ == "__main__":
    main()

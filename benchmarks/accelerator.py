"""Throughput on whatever accelerator is present: LSTM training steps per second, network extraction.

Synthetic inputs of the real shapes, so no data is needed:

* ``lstm``: the Study A model (:func:`emolib.studya.models.build_model`), stateful and movie-parallel,
  ``train_on_batch`` on ``(batch_movies, chunk, features)`` batches: steps (batches) per second and
  movie-steps per second (0.533 s of film each), once per ``--precision`` (float32 and mixed float16
  by default; mixed precision pays off on a GPU's tensor cores, a CPU emulates float16 slowly);
* ``c3d`` and ``vgg19``: the network extractors with random weights on ``(batch, 16, 112, 112, 3)``
  clips and ``(batch, 23520)`` audio windows: steps per second, i.e. seconds of film per second
  times 1.875, once per ``--precision``;
* ``extract``: the extraction pipeline (:func:`emolib.features.extract_movie`: decoding, the
  ``--extract-with`` extractors, HDF5 writes) over a synthetic movie of ``--movie-seconds``, with
  the decoding in the calling thread (``prefetch 0``) and in a background thread
  ``--prefetch-depth`` batches ahead: steps per second of each and their ratio.

Each figure is the median of ``--repeats`` timed runs after ``--warmup`` untimed ones (tracing and
compiling). The device, backend and versions are recorded with the figures in
``benchmarks/results/accelerator-<device>.json``, so the GPU figures can be added when a GPU machine
runs this script. Not a test: nothing is asserted.

Run ``python benchmarks/accelerator.py`` (``--quick`` for a smoke run of a few seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emolib.core.atomic import write_text  # noqa: E402
from emolib.core.backends import device_info  # noqa: E402


def timed(step: Callable[[], object], warmup: int, repeats: int, n: int) -> float:
    """Median calls per second of ``step`` over ``repeats`` runs of ``n`` calls, after ``warmup`` calls."""
    for _ in range(warmup):
        step()
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n):
            step()
        rates.append(n / (time.perf_counter() - start))
    return statistics.median(rates)


def bench_lstm(args: argparse.Namespace, precision: str) -> dict[str, float]:
    import numpy as np

    from emolib.studya.models import build_model

    model = build_model(args.features, "va", units=args.units, dropout=0.5, batch_size=args.batch_movies,
                        chunk=args.chunk, stateful=True, seed=0, mixed_precision=precision)  # fmt: skip
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.batch_movies, args.chunk, args.features)).astype("float32")
    y = np.tanh(rng.normal(size=(args.batch_movies, args.chunk, 2))).astype("float32")
    rate = timed(lambda: model.train_on_batch(x, y), args.warmup, args.repeats, args.steps)
    return {"train_batches_per_s": rate, "train_movie_steps_per_s": rate * args.batch_movies * args.chunk}


def bench_extractor(name: str, args: argparse.Namespace, precision: str) -> dict[str, float]:
    import keras
    import numpy as np

    from emolib.core.precision import use_precision
    from emolib.features import create
    from emolib.media.alignment import STEP_SAMPLES

    before = keras.mixed_precision.global_policy()
    try:
        use_precision(precision)  # the extractors' networks take the global policy when they are built
        extractor = create(name, random_weights=True, batch=args.batch)
    finally:
        keras.mixed_precision.set_global_policy(before)
    rng = np.random.default_rng(0)
    if extractor.modality == "visual":
        batch = rng.integers(0, 256, size=(args.batch, 16, 112, 112, 3), dtype=np.uint8)
    else:
        batch = rng.normal(scale=0.1, size=(args.batch, STEP_SAMPLES)).astype("float32")
    rate = timed(lambda: extractor.transform(batch), args.warmup, args.repeats, max(1, args.steps // 4))
    return {"steps_per_s": rate * args.batch, "film_seconds_per_s": rate * args.batch * 16 / 30}


def bench_extract(args: argparse.Namespace) -> dict[str, float]:
    """Steps per second of the extraction pipeline without and with the background decoding."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from features import make, synthetic_movie  # benchmarks/features.py

    from emolib.features import FeatureStore, extract_movie, step_grid

    folder = Path(tempfile.gettempdir()) / "emolib-bench"
    folder.mkdir(exist_ok=True)
    movie = synthetic_movie(folder / f"accelerator-{args.movie_seconds:g}s.mp4", args.movie_seconds / 60)
    extractors = [make(name, args.batch) for name in args.extract_with]
    steps = step_grid(movie).n_steps

    def run(depth: int) -> float:
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            store = FeatureStore(tmp)
            res = extract_movie(movie.stem, movie, extractors, store, batch=args.batch, force=True,
                                progress=False, prefetch_depth=depth)  # fmt: skip
            seconds = time.perf_counter() - start
        if res.status != "done":
            raise RuntimeError(res.reason)
        return steps / seconds

    for _ in range(min(args.warmup, 1)):  # tracing and compiling, the first decoding
        run(args.prefetch_depth)
    off: list[float] = []
    on: list[float] = []
    for _ in range(args.repeats):  # alternated, so that a slower spell of a shared machine hits both
        off.append(run(0))
        on.append(run(args.prefetch_depth))
    rate_off, rate_on = statistics.median(off), statistics.median(on)
    return {"steps": steps, "prefetch_off_steps_per_s": rate_off, "prefetch_on_steps_per_s": rate_on,
            "speedup": rate_on / rate_off}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    benches = ["lstm", "c3d", "vgg19", "extract"]
    parser.add_argument("--only", nargs="+", choices=benches, default=benches)
    parser.add_argument("--units", type=int, default=512, help="LSTM cells (the thesis: 512)")
    parser.add_argument("--features", type=int, default=4096 + 4096, help="fused features per step")
    parser.add_argument("--chunk", type=int, default=64, help="steps per chunk (truncated BPTT length)")
    parser.add_argument("--batch-movies", type=int, default=8, help="movies streamed in parallel")
    parser.add_argument("--batch", type=int, default=16, help="steps per extractor batch")
    parser.add_argument("--steps", type=int, default=20, help="calls per timed run")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--precision", nargs="+", default=["float32", "mixed_float16"],
                        choices=["float32", "mixed_float16", "mixed_bfloat16"],
                        help="dtype policies of the lstm, c3d and vgg19 figures")  # fmt: skip
    parser.add_argument("--extract-with", nargs="+", default=["c3d", "logmel-stats"],
                        help="extractors of the pipeline (networks with random weights)")  # fmt: skip
    parser.add_argument("--movie-seconds", type=float, default=60.0, help="synthetic movie of the pipeline")
    parser.add_argument("--prefetch-depth", type=int, default=2, choices=range(1, 9), metavar="{1..8}",
                        help="batches decoded ahead when the prefetch is on")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of a few seconds")
    parser.add_argument("--out", help="JSON results (default benchmarks/results/accelerator-<kind>.json)")
    args = parser.parse_args(argv)
    if args.quick:
        args.units, args.features, args.chunk, args.batch = 32, 64, 16, 2
        args.steps, args.warmup, args.repeats = 4, 1, 1
        args.only = [o for o in args.only if o != "vgg19"]
        args.extract_with, args.movie_seconds = ["colour-motion", "logmel-stats"], 10.0
    import keras

    dev = device_info()
    print(f"{dev['backend']} on {dev['kind']}: {dev['name']} (keras {dev['keras']})", flush=True)
    results: dict[str, object] = {
        "device": dev, "python": platform.python_version(), "cpus": os.cpu_count(),
        "settings": {k: v for k, v in vars(args).items() if k not in ("out", "only")},
    }  # fmt: skip
    runs = [(name, None) if name == "extract" else (name, p) for name in args.only for p in args.precision]
    for name, precision in dict.fromkeys(runs):
        if name == "extract":
            figures = bench_extract(args)
        elif name == "lstm":
            figures = bench_lstm(args, precision)
        else:
            figures = bench_extractor(name, args, precision)
        label = name if precision is None else f"{name} {precision}"
        results[label] = figures
        print(f"{label:22s} " + "  ".join(f"{k}={v:,.2f}" for k, v in figures.items()), flush=True)
    print(f"keras policy after the run: {keras.mixed_precision.global_policy().name}")
    out = Path(args.out or ROOT / "benchmarks" / "results" / f"accelerator-{dev['kind']}.json")
    write_text(out, json.dumps(results, indent=1) + "\n")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Throughput on whatever accelerator is present: LSTM training steps per second, network extraction.

Synthetic inputs of the real shapes, so no data is needed:

* ``lstm``: the Study A model (:func:`emolib.lstm.models.build_model`), stateful and movie-parallel,
  ``train_on_batch`` on ``(batch_movies, chunk, features)`` batches: steps (batches) per second and
  movie-steps per second (0.533 s of film each);
* ``c3d`` and ``vgg19``: the network extractors with random weights on ``(batch, 16, 112, 112, 3)``
  clips and ``(batch, 23520)`` audio windows: steps per second, i.e. seconds of film per second
  times 1.875.

Each figure is the median of ``--repeats`` timed runs after ``--warmup`` untimed ones (tracing and
compiling), with float32 or with ``--mixed-precision`` (``mixed_float16`` on a GPU). The device,
backend and versions are recorded with the figures in ``benchmarks/results/accelerator-<device>.json``,
so the GPU figures can be added when a GPU machine runs this script. Not a test: nothing is asserted.

Run ``python benchmarks/accelerator.py`` (``--quick`` for a smoke run of a few seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emolib.atomic import write_text  # noqa: E402


def device() -> dict[str, str]:
    """The backend and the device Keras computes on (the first GPU if any, else the CPU)."""
    import keras

    backend = keras.backend.backend()
    name, kind = platform.processor() or platform.machine(), "cpu"
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if gpus:
            details = tf.config.experimental.get_device_details(gpus[0])
            name, kind = details.get("device_name", gpus[0].name), "gpu"
    elif backend == "jax":
        import jax

        first = jax.devices()[0]
        name, kind = getattr(first, "device_kind", str(first)), first.platform
    elif backend == "torch":
        import torch

        if torch.cuda.is_available():
            name, kind = torch.cuda.get_device_name(0), "gpu"
    return {"backend": backend, "kind": kind, "name": name, "keras": keras.__version__}


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


def bench_lstm(args: argparse.Namespace) -> dict[str, float]:
    import numpy as np

    from emolib.lstm.models import build_model

    model = build_model(args.features, "va", units=args.units, dropout=0.5, batch_size=args.batch_movies,
                        chunk=args.chunk, stateful=True, seed=0)  # fmt: skip
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.batch_movies, args.chunk, args.features)).astype("float32")
    y = np.tanh(rng.normal(size=(args.batch_movies, args.chunk, 2))).astype("float32")
    rate = timed(lambda: model.train_on_batch(x, y), args.warmup, args.repeats, args.steps)
    return {"train_batches_per_s": rate, "train_movie_steps_per_s": rate * args.batch_movies * args.chunk}


def bench_extractor(name: str, args: argparse.Namespace) -> dict[str, float]:
    import numpy as np

    from emolib.alignment import STEP_SAMPLES
    from emolib.features import create

    extractor = create(name, random_weights=True, batch=args.batch)
    rng = np.random.default_rng(0)
    if extractor.modality == "visual":
        batch = rng.integers(0, 256, size=(args.batch, 16, 112, 112, 3), dtype=np.uint8)
    else:
        batch = rng.normal(scale=0.1, size=(args.batch, STEP_SAMPLES)).astype("float32")
    rate = timed(lambda: extractor.transform(batch), args.warmup, args.repeats, max(1, args.steps // 4))
    return {"steps_per_s": rate * args.batch, "film_seconds_per_s": rate * args.batch * 16 / 30}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only", nargs="+", choices=["lstm", "c3d", "vgg19"], default=["lstm", "c3d", "vgg19"]
    )
    parser.add_argument("--units", type=int, default=512, help="LSTM cells (the thesis: 512)")
    parser.add_argument("--features", type=int, default=4096 + 4096, help="fused features per step")
    parser.add_argument("--chunk", type=int, default=64, help="steps per chunk (truncated BPTT length)")
    parser.add_argument("--batch-movies", type=int, default=8, help="movies streamed in parallel")
    parser.add_argument("--batch", type=int, default=16, help="steps per extractor batch")
    parser.add_argument("--steps", type=int, default=20, help="calls per timed run")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mixed-precision", action="store_true", help="mixed_float16 (a GPU's tensor cores)")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of a few seconds")
    parser.add_argument("--out", help="JSON results (default benchmarks/results/accelerator-<kind>.json)")
    args = parser.parse_args(argv)
    if args.quick:
        args.units, args.features, args.chunk, args.batch = 32, 64, 16, 2
        args.steps, args.warmup, args.repeats = 4, 1, 1
        args.only = [o for o in args.only if o != "vgg19"]
    import keras

    if args.mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_float16")
    dev = device()
    print(f"{dev['backend']} on {dev['kind']}: {dev['name']} (keras {dev['keras']})", flush=True)
    results: dict[str, object] = {
        "device": dev, "precision": keras.mixed_precision.global_policy().name,
        "python": platform.python_version(), "cpus": os.cpu_count(),
        "settings": {k: v for k, v in vars(args).items() if k not in ("out", "only")},
    }  # fmt: skip
    for name in args.only:
        figures = bench_lstm(args) if name == "lstm" else bench_extractor(name, args)
        results[name] = figures
        print(f"{name:6s} " + "  ".join(f"{k}={v:,.1f}" for k, v in figures.items()), flush=True)
    out = Path(args.out or ROOT / "benchmarks" / "results" / f"accelerator-{dev['kind']}.json")
    write_text(out, json.dumps(results, indent=1) + "\n")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

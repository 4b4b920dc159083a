"""Throughput on whatever accelerator is present: LSTM training, network extraction, the extraction pipeline.

Synthetic inputs of the real shapes, so no data is needed:

* ``lstm``: the Study A model (:func:`emolib.studya.models.build_model`), stateful and movie-parallel,
  ``train_on_batch`` on ``(batch_movies, chunk, features)`` batches: steps (batches) per second and
  movie-steps per second (0.533 s of film each), once per ``--precision``;
* ``c3d`` and ``vgg19``: the network extractors with random weights, once per ``--precision``, on
  batches of the extractor's own size (128 clips and 256 windows on a GPU; ``--batch`` to change).
  ``steps_per_s`` is the model side alone: the batch (``uint8`` clips, float32 windows) is already on
  the device, and the figure covers the preparation layers, the network and the rows' way back;
  ``from_host_steps_per_s`` adds the copy of each batch to the device, in the calling thread;
* ``pipeline``: :func:`emolib.features.extract_pooled` over ``--movies`` copies of a synthetic movie
  (854 × 480 H.264 at 23.976 fps with an AAC soundtrack) with ``--extract-with`` (networks under
  ``--pipeline-precision``), for each number of ``--decode-workers``, against the decoding alone with
  as many workers (:class:`emolib.features.decode_pool.DecodePool`, nothing done with the batches):
  movie-steps per second of each and their ratio, 1.0 when the networks keep up with the decoders.

Each model figure is the median of ``--repeats`` timed runs after ``--warmup`` untimed ones (tracing
and compiling); each pipeline figure is one run, decoding-only and pipeline alternated. A part that
fails is reported with its error in the results and the others carry on; warnings raised during a
part (PyTorch's about its LSTM weights, say) are listed with it. Not a test: nothing is asserted.

Run ``python benchmarks/accelerator.py`` (``--quick`` for a smoke run of a few seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from emolib.core.atomic import write_text  # noqa: E402

PRECISIONS = ["float32", "mixed_float16", "mixed_bfloat16"]


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


def bench_lstm(args: argparse.Namespace, precision: str) -> dict[str, Any]:
    import keras
    import numpy as np

    from emolib.studya.models import Fitting, build_model, lstm_layer

    fitting = Fitting(mixed_precision=precision)
    model = build_model(args.features, "va", units=args.units, dropout=0.5, batch_size=args.batch_movies,
                        chunk=args.chunk, stateful=True, seed=0, fitting=fitting)  # fmt: skip
    rng = np.random.default_rng(0)
    x = rng.normal(size=(args.batch_movies, args.chunk, args.features)).astype("float32")
    y = np.tanh(rng.normal(size=(args.batch_movies, args.chunk, 2))).astype("float32")

    def step() -> None:  # the loss comes back to the host, as in training: every step completes
        float(keras.ops.convert_to_numpy(model.train_on_batch(x, y)))

    rate = timed(step, args.warmup, args.repeats, args.steps)
    return {"train_batches_per_s": rate, "train_movie_steps_per_s": rate * args.batch_movies * args.chunk,
            "lstm_dtype": lstm_layer(model).compute_dtype}  # fmt: skip


def make_extractor(name: str, precision: str, batch: int | None) -> Any:
    """A network extractor with random weights built under ``precision`` (``batch``: its default if None)."""
    import keras

    from emolib.core.precision import use_precision
    from emolib.features import create

    before = keras.mixed_precision.global_policy()
    try:
        use_precision(precision)  # the extractors' networks take the global policy when they are built
        return create(name, random_weights=True, **({} if batch is None else {"batch": batch}))
    finally:
        keras.mixed_precision.set_global_policy(before)


def bench_extractor(extractor: Any, args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    from emolib.core.backends import to_device

    size = int(extractor.params["batch"])
    rng = np.random.default_rng(0)
    if extractor.step_dtype == "uint8":
        batch = rng.integers(0, 256, size=(size, *extractor.step_shape), dtype=np.uint8)
    else:
        batch = rng.normal(scale=0.1, size=(size, *extractor.step_shape)).astype(extractor.step_dtype)
    on_device = to_device(extractor.prepare(batch))
    calls = max(1, args.steps // 4)
    model_side = timed(lambda: extractor.transform(on_device), args.warmup, args.repeats, calls)
    from_host = timed(lambda: extractor.transform(batch), 1, 1, calls)
    return {"batch": size, "steps_per_s": model_side * size, "from_host_steps_per_s": from_host * size,
            "film_seconds_per_s": model_side * size * 16 / 30}  # fmt: skip


def _movies(args: argparse.Namespace, folder: Path) -> dict[str, Path]:
    """``--movies`` copies of one synthetic movie of ``--movie-seconds`` (encoded once, cached)."""
    from features import synthetic_movie  # benchmarks/features.py

    cache = Path(tempfile.gettempdir()) / "emolib-bench"
    cache.mkdir(exist_ok=True)
    source = synthetic_movie(cache / f"accelerator-{args.movie_seconds:g}s.mp4", args.movie_seconds / 60)
    return {
        f"movie{i:02d}": Path(shutil.copy(source, folder / f"movie{i:02d}.mp4")) for i in range(args.movies)
    }


def decode_only(movies: dict[str, Path], batches: dict[str, int], workers: int) -> tuple[int, float]:
    """Movie-steps decoded per second by ``workers`` processes, nothing done with the batches.

    ``batches`` gives the steps per batch of each modality decoded.
    """
    from emolib.features import step_grid
    from emolib.features.decode_pool import DecodeJob, DecodePool

    start = time.perf_counter()  # probing the movies included, as in the pipeline
    grids = {m: step_grid(p) for m, p in movies.items()}
    pairs = [(m, mod) for m in movies for mod in batches]
    jobs = [DecodeJob(i, str(movies[m]), mod, batches[mod], grids[m]) for i, (m, mod) in enumerate(pairs)]
    steps = sum(g.n_steps for g in grids.values())
    with DecodePool(jobs, workers) as pool:
        failures = [payload for kind, _key, payload in pool if kind == "error"]
    if failures:
        raise RuntimeError(f"decoding failed: {failures[0]}")
    return steps, steps / (time.perf_counter() - start)


def bench_pipeline(args: argparse.Namespace, extractors: list[Any]) -> dict[str, Any]:
    """Pipeline and decoding-only movie-steps per second for each number of decode workers."""
    import numpy as np

    from emolib.features import extract_pooled
    from emolib.features.runner import stream_batch

    batches = {mod: stream_batch([e for e in extractors if e.modality == mod], None)
               for mod in ("visual", "audio") if any(e.modality == mod for e in extractors)}  # fmt: skip
    figures: dict[str, Any] = {"movies": args.movies, "movie_seconds": args.movie_seconds,
                               "extractors": [e.name for e in extractors], "modalities": list(batches),
                               "batches": batches}  # fmt: skip
    for e in extractors:  # tracing and compiling at the pipeline's batch size, if not done yet
        if hasattr(e, "step_shape"):
            e.transform(np.zeros((batches[e.modality], *e.step_shape), e.step_dtype))
    with tempfile.TemporaryDirectory() as tmp:
        movies = _movies(args, Path(tmp))
        for workers in args.decode_workers:  # decoding alone first: it also brings the movies into memory
            steps, decoding = decode_only(movies, batches, workers)
            start = time.perf_counter()
            report = extract_pooled(movies, extractors, Path(tmp) / f"store{workers}", workers=workers,
                                    progress=False)  # fmt: skip
            pipeline = steps / (time.perf_counter() - start)
            if report.failed:
                raise RuntimeError(f"pipeline failed: {report.failed[0].reason}")
            figures[f"{workers} workers"] = {"steps": steps, "decode_only_steps_per_s": decoding,
                                             "pipeline_steps_per_s": pipeline,
                                             "ratio": pipeline / decoding}  # fmt: skip
    return figures


def pipeline_extractors(
    args: argparse.Namespace, precision: str, network: Callable[[str, str], Any]
) -> list[Any]:
    """The ``--extract-with`` extractors: ``network(name, precision)`` for networks, others made here."""
    from emolib.features import create, entry

    return [
        network(name, precision) if entry(name).needs_weights else create(name) for name in args.extract_with
    ]


def run_part(label: str, part: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``part()``'s figures with the warnings it raised; its error instead if it fails."""
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            figures = part()
        except Exception as err:  # noqa: BLE001 - reported, and the next part runs
            traceback.print_exc()
            figures = {"error": f"{type(err).__name__}: {err}"[:2000]}
    messages = sorted({f"{w.category.__name__}: {str(w.message)[:300]}" for w in caught})
    figures = {**figures, "wall_s": time.perf_counter() - start}
    if messages:
        figures["warnings"] = messages
    shown = {k: v for k, v in figures.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    text = figures.get("error") or "  ".join(f"{k}={v:,.2f}" for k, v in shown.items())
    print(f"{label:26s} {text}", flush=True)
    for key, value in figures.items():
        if isinstance(value, dict):
            print(f"{'':26s} {key}: " + "  ".join(f"{k}={v:,.2f}" for k, v in value.items()), flush=True)
    return figures


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    benches = ["c3d", "pipeline", "lstm", "vgg19"]  # by importance, should --deadline-s cut the run short
    parser.add_argument("--only", nargs="+", choices=benches, default=benches)
    parser.add_argument("--units", type=int, default=512, help="LSTM cells (the thesis: 512)")
    parser.add_argument("--features", type=int, default=4096 + 4096, help="fused features per step")
    parser.add_argument("--chunk", type=int, default=64, help="steps per chunk (truncated BPTT length)")
    parser.add_argument("--batch-movies", type=int, default=8, help="movies streamed in parallel")
    parser.add_argument("--batch", type=int, help="steps per extractor batch (default: the extractor's)")
    parser.add_argument(
        "--steps", type=int, default=20, help="LSTM calls per timed run (extractors: a quarter)"
    )
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--precision", nargs="+", default=PRECISIONS, choices=PRECISIONS,
                        help="dtype policies of the lstm, c3d and vgg19 figures")  # fmt: skip
    parser.add_argument("--pipeline-precision", choices=PRECISIONS,
                        help="the pipeline's networks' (default: mixed_bfloat16 on a GPU)")  # fmt: skip
    parser.add_argument("--extract-with", nargs="+", default=["c3d", "vgg19"],
                        help="extractors of the pipeline (networks with random weights)")  # fmt: skip
    parser.add_argument("--movies", type=int, default=16, help="movies of the pipeline")
    parser.add_argument("--movie-seconds", type=float, default=60.0, help="length of each of them")
    parser.add_argument("--decode-workers", type=int, nargs="+",
                        help="decoding processes of the pipeline (default: half and all but one of the "
                             "cores)")  # fmt: skip
    parser.add_argument("--deadline-s", type=float, help="skip the parts not started after this many seconds")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of a few seconds")
    parser.add_argument("--out", help="JSON results (default benchmarks/results/accelerator-<kind>.json)")
    args = parser.parse_args(argv)
    cpus = os.cpu_count() or 1
    if args.quick:
        args.units, args.features, args.chunk, args.batch = 32, 64, 16, 2
        args.steps, args.warmup, args.repeats = 4, 1, 1
        args.extract_with, args.movies, args.movie_seconds = ["colour-motion", "vgg19"], 2, 3.0
        args.decode_workers = args.decode_workers or [2]
    args.decode_workers = args.decode_workers or sorted({max(1, cpus // 2), max(1, cpus - 1)})
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    import keras

    from emolib.core.backends import device_info, gpu_available

    dev = device_info()
    print(f"{dev['backend']} on {dev['kind']}: {dev['name']} (keras {dev['keras']})", flush=True)
    args.pipeline_precision = args.pipeline_precision or ("mixed_bfloat16" if gpu_available() else "float32")
    results: dict[str, object] = {
        "device": dev, "python": platform.python_version(), "cpus": os.cpu_count(),
        "settings": {k: v for k, v in vars(args).items() if k not in ("out", "only")},
    }  # fmt: skip
    out = Path(args.out or ROOT / "benchmarks" / "results" / f"accelerator-{dev['kind']}.json")
    built: dict[tuple[str, str], Any] = {}

    def extractor(name: str, precision: str) -> Any:
        if (name, precision) not in built:
            built[(name, precision)] = make_extractor(name, precision, args.batch)
        return built[(name, precision)]

    started = time.perf_counter()
    for name in args.only:
        for precision in args.precision if name != "pipeline" else [args.pipeline_precision]:
            label = f"{name} {precision}"
            if args.deadline_s is not None and time.perf_counter() - started > args.deadline_s:
                results[label] = {"skipped": f"not started within {args.deadline_s:g} s"}
                print(f"{label:26s} skipped (deadline)", flush=True)
            elif name == "lstm":
                results[label] = run_part(label, lambda p=precision: bench_lstm(args, p))
            elif name == "pipeline":
                results[label] = run_part(
                    label, lambda p=precision: bench_pipeline(args, pipeline_extractors(args, p, extractor))
                )
            else:
                results[label] = run_part(
                    label, lambda n=name, p=precision: bench_extractor(extractor(n, p), args)
                )
            write_text(out, json.dumps(results, indent=1) + "\n")  # after every part: a crash keeps the rest
    print(f"keras policy after the run: {keras.mixed_precision.global_policy().name}")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

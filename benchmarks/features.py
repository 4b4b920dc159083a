"""Throughput, decode/inference overlap and peak memory of the feature extractors (printed figures).

Run ``python benchmarks/features.py --help``; see benchmarks/README.md. Not a test: nothing is
asserted, the figures are printed and written to ``benchmarks/results/features.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emolib.media._common import ffmpeg_exe  # noqa: E402

WEIGHT_FREE = ["colour-motion", "logmel-stats", "librosa193"]
NETWORKS = ["c3d", "vgg19"]
PRETRAINED = ["siglip", "whisper"]
"""keras-hub extractors, timed with random weights of their base presets' architectures."""


def synthetic_movie(path: Path, minutes: float, size: str = "854x480", rate: str = "24000/1001") -> Path:
    """A moving test pattern with a stereo 48 kHz soundtrack (cached)."""
    if path.is_file():
        return path
    seconds = 60 * minutes
    cmd = [
        ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={size}:rate={rate}:duration={seconds}",
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency=330:sample_rate=48000:duration={seconds}",
        "-ac",
        "2",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        "-shortest",
        str(path),
    ]
    subprocess.run(cmd, check=True)
    return path


def make(name: str, batch: int | None):
    from emolib.features import create, entry

    params = {} if batch is None or not entry(name).needs_weights else {"batch": batch}
    return create(name, random_weights=entry(name).needs_weights, **params)


def stream_for(extractor, movie: Path, batch: int):
    from emolib.features import iter_clips, iter_windows, step_grid

    grid = step_grid(movie)
    make_stream = iter_clips if extractor.modality == "visual" else iter_windows
    return grid, (lambda: make_stream(movie, grid, batch))


def time_one(name: str, movie: Path, batch: int | None) -> dict:
    """Decode-only, model-only and full-pipeline wall-clock times of one extractor on one movie."""
    from emolib.features import FeatureStore, extract_movie
    from emolib.features.runner import DEFAULT_BATCH

    extractor = make(name, batch)
    size = int(extractor.params.get("batch", batch or DEFAULT_BATCH))
    grid, new_stream = stream_for(extractor, movie, size)
    t = time.perf_counter()
    first = None
    for item in new_stream():
        first = item.data if first is None else first
    decode = time.perf_counter() - t
    extractor.transform(first)  # warm-up (graph tracing), not timed
    t = time.perf_counter()
    done = 0
    while done < grid.n_steps:  # the model alone on as many steps, from a decoded batch held in memory
        n = min(len(first), grid.n_steps - done)
        extractor.transform(first[:n])
        done += n
    model = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        res = extract_movie(
            movie.stem, movie, [extractor], FeatureStore(tmp), batch=size, force=True, progress=False
        )
        pipeline = time.perf_counter() - t
    assert res.status == "done", res.reason
    seconds = grid.seconds
    return {
        "extractor": name,
        "device": extractor.device(),
        "steps": grid.n_steps,
        "batch": size,
        "movie_s": round(seconds, 1),
        "decode_s": round(decode, 2),
        "model_s": round(model, 2),
        "pipeline_s": round(pipeline, 2),
        "throughput_x": round(seconds / pipeline, 1),
        "steps_per_s": round(grid.n_steps / pipeline, 2),
        "overlap_ratio": round(pipeline / max(decode, model), 3),
    }


def peak_memory(name: str, movie: Path, batch: int | None) -> float:
    """Peak resident memory (MiB) of a fresh process extracting ``name`` from ``movie``."""
    cmd = [sys.executable, __file__, "--child", name, str(movie)] + (
        [] if batch is None else ["--batch", str(batch)]
    )
    out = subprocess.run(
        cmd, check=True, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    return float(out.stdout.strip().splitlines()[-1])


def child(name: str, movie: Path, batch: int | None) -> None:
    from emolib.features import FeatureStore, extract_movie

    extractor = make(name, batch)
    with tempfile.TemporaryDirectory() as tmp:
        res = extract_movie(movie.stem, movie, [extractor], FeatureStore(tmp), batch=batch, progress=False)
    assert res.status == "done", res.reason
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--extractors",
        nargs="+",
        default=WEIGHT_FREE + NETWORKS + PRETRAINED,
        help="extractors to measure (networks run with random weights)",
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the long synthetic movie")
    parser.add_argument("--short-minutes", type=float, default=1.0, help="length of the short movie (memory)")
    parser.add_argument("--batch", type=int, help="inference batch of the networks (default: theirs)")
    parser.add_argument(
        "--cache",
        default=str(Path(tempfile.gettempdir()) / "emolib-bench"),
        help="where the synthetic movies are kept",
    )
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "features.json"))
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.batch)
        return
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    long = synthetic_movie(cache / f"synthetic_{args.minutes:g}min.mp4", args.minutes)
    short = synthetic_movie(cache / f"synthetic_{args.short_minutes:g}min.mp4", args.short_minutes)
    rows = []
    for name in args.extractors:
        row = time_one(name, long, args.batch)
        if not args.no_memory:
            small, big = peak_memory(name, short, args.batch), peak_memory(name, long, args.batch)
            row |= {
                "peak_mib_short": round(small),
                "peak_mib_long": round(big),
                "memory_ratio": round(big / small, 3),
            }
        rows.append(row)
        print(json.dumps(row), flush=True)
    machine = f"{platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()}"
    result = {
        "machine": machine,
        "long_minutes": args.minutes,
        "short_minutes": args.short_minutes,
        "rows": rows,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    header = f"{'extractor':14s} {'device':6s} {'steps/s':>8s} {'x realtime':>10s} {'overlap':>8s} "
    header += f"{'mem 1→10':>9s}"
    print(header)
    for r in rows:
        print(
            f"{r['extractor']:14s} {r['device']:6s} {r['steps_per_s']:8.2f} {r['throughput_x']:10.1f} "
            f"{r['overlap_ratio']:8.3f} {r.get('memory_ratio', float('nan')):9.3f}"
        )


if __name__ == "__main__":
    main()

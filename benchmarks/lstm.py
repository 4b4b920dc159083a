"""Movie-parallel stateful training against the thesis-faithful mode (printed figures).

Same features, same model (units, dropout, optimizer, learning rate), same epochs; only the way the
movies are fed differs: ``parallel`` streams ``batch_movies`` movies side by side in chunks of
``chunk`` steps, ``faithful`` feeds one step of one movie per call (the thesis's batch size 1). The
figures are the median training seconds per epoch of each mode, its training steps per second, the
ratio of those (``speedup``; the ratio of the seconds per epoch when both modes train on the same
movies, which ``--faithful-train`` can shorten for the slow mode), and the validation Pearson r (mean
of valence and arousal) at the best epoch. Not a test: nothing is asserted.

Run ``python benchmarks/lstm.py --data DIR`` after ``python -m emolib extract`` on DIR (missing
weight-free features are extracted); see benchmarks/README.md. ``--synthetic PROFILE`` needs no data
and no decoding (a GPU server without ffmpeg): the movies of that profile of the synthetic cinema,
with their real durations and annotations (:mod:`emolib.synth.latent`), and ``--features`` random
features per step that carry the movie's latent curves under noise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from emolib.core.atomic import write_text  # noqa: E402
from emolib.core.backends import device_info  # noqa: E402
from emolib.media.alignment import n_steps, step_starts  # noqa: E402
from emolib.studya.data import MovieSet, Standardizer, load_movie_set  # noqa: E402
from emolib.studya.folds import get_fold  # noqa: E402
from emolib.studya.training import TrainConfig, WindowTruth, fit  # noqa: E402
from emolib.synth.latent import sample_latent  # noqa: E402
from emolib.synth.mediaeval import window_annotations  # noqa: E402
from emolib.synth.profiles import plan  # noqa: E402
from emolib.synth.seeding import stream  # noqa: E402


def synthetic_movie_set(profile: str, features: int, seed: int = 0) -> MovieSet:
    """The MediaEval movies of a synthetic-cinema profile without rendering them.

    Durations, latent curves and window annotations are the ones :func:`emolib.synth.generate`
    would write for ``profile`` and ``seed``; each step's ``features`` values are a fixed random
    mixing of the latent valence, arousal and fear at that step plus unit noise.
    """
    mixing = np.random.default_rng(seed).normal(size=(3, features))
    feats, notes = {}, {}
    for spec in plan(profile, seed):
        if spec.layout != "mediaeval2017":
            continue
        latent = sample_latent(stream(seed, spec.layout, spec.index, "latent"), spec.duration)
        annotation_rng = stream(seed, spec.layout, spec.index, "annotation")
        starts, valence, arousal, fear = window_annotations(latent, annotation_rng)
        notes[spec.name] = pd.DataFrame({"id": np.arange(len(starts)), "time": starts, "valence": valence,
                                         "arousal": arousal, "fear": fear})  # fmt: skip
        t = step_starts(n_steps(spec.duration))
        grid = np.arange(latent.valence.size) / latent.rate
        curves = np.stack([np.interp(t, grid, getattr(latent, k)) for k in ("valence", "arousal", "fear")])
        curves = curves.T
        noise = np.random.default_rng([seed, spec.index]).normal(size=(len(t), features))
        feats[spec.name] = (curves @ mixing + noise).astype(np.float32)
    return MovieSet(feats, notes, ["synthetic"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", default=str(ROOT / "data" / "sample"), help="MediaEval layout with features"
    )
    parser.add_argument("--extractors", nargs="+", default=["colour-motion", "logmel-stats"])
    parser.add_argument("--synthetic", choices=["micro", "tiny", "full"],
                        help="use this profile's movies with random features instead of --data")  # fmt: skip
    parser.add_argument("--features", type=int, default=36 + 256,
                        help="features per step of --synthetic (colour-motion + logmel-stats)")  # fmt: skip
    parser.add_argument("--units", type=int, default=512, help="LSTM cells of both modes (the thesis: 512)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=64)
    parser.add_argument("--batch-movies", type=int, default=8)
    parser.add_argument("--max-train", type=int, default=8, help="at most this many training movies")
    parser.add_argument("--faithful-train", type=int,
                        help="training movies of the faithful mode (default: --max-train); it feeds one step "
                             "per call, so its steps per second need fewer movies to measure")  # fmt: skip
    parser.add_argument("--n-folds", type=int, default=4)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "lstm.json"))
    args = parser.parse_args(argv)

    if args.synthetic:
        movies = synthetic_movie_set(args.synthetic, args.features)
    else:
        movies = load_movie_set(args.data, args.extractors)
    fold = get_fold(movies.movies, 0, min(args.n_folds, len(movies.movies)))
    train = list(fold.train)[: args.max_train]
    scaler = Standardizer.fit(movies.subset(train))
    x = scaler.transform(movies.features)
    tx, vx = {m: x[m] for m in train}, {m: x[m] for m in fold.val}
    ty, vy = movies.targets(train, "va"), movies.targets(fold.val, "va")
    truth, starts = movies.truth(fold.val, "va"), {m: movies.window_starts(m) for m in fold.val}
    steps = sum(len(v) for v in tx.values())
    results = {}
    for mode in ("parallel", "faithful"):
        config = TrainConfig(mode=mode, units=args.units, epochs=args.epochs, chunk=args.chunk,
                             batch_movies=args.batch_movies, seed=0)  # fmt: skip
        keep = train[: args.faithful_train] if mode == "faithful" and args.faithful_train else train
        mx, my = {m: tx[m] for m in keep}, {m: ty[m] for m in keep}
        start = time.perf_counter()
        res = fit(mx, my, vx, vy, config, WindowTruth(truth, starts))
        h = res.history
        mode_steps = sum(len(v) for v in mx.values())
        results[mode] = {
            "train_movies": len(keep),
            "train_steps": mode_steps,
            "train_steps_per_s": mode_steps / res.seconds_per_epoch,
            "seconds_per_epoch": res.seconds_per_epoch,
            "wall_s": time.perf_counter() - start,
            "val_r_best": float(h.loc[h["val_loss"].idxmin(), "val_r"]),
            "val_r_last": float(h["val_r"].iloc[-1]),
            "val_loss_best": float(h["val_loss"].min()),
        }
        print(
            f"{mode:9s} {res.seconds_per_epoch:8.2f} s/epoch of {mode_steps} steps "
            f"({results[mode]['train_steps_per_s']:,.0f} steps/s)  val r {results[mode]['val_r_best']:+.3f}",
            flush=True,
        )
    report = {
        "data": f"synthetic:{args.synthetic}" if args.synthetic else str(Path(args.data).resolve()),
        "extractors": movies.extractors,
        "features": int(next(iter(movies.features.values())).shape[1]),
        "device": device_info(),
        "train_movies": len(train),
        "train_steps": steps,
        "val_movies": list(fold.val),
        "units": args.units,
        "epochs": args.epochs,
        "chunk": args.chunk,
        "batch_movies": min(args.batch_movies, len(train)),
        "modes": results,
        "speedup": results["parallel"]["train_steps_per_s"] / results["faithful"]["train_steps_per_s"],
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
    }
    print(f"speed-up (training steps per second): {report['speedup']:.1f}x")
    write_text(args.out, json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Seconds per epoch of the Study B autoencoder on a profile's sizes (printed figures).

The autoencoder of the paper's Figure 8 (:func:`emolib.studyb.models.build_autoencoder`, with batch
normalisation) is trained as notebook 05 trains it (:func:`emolib.studyb.training.fit` over
:class:`~emolib.studyb.training.FrameBatches` of 8 sequences, the first 80 % of every film's
sequences, labelled and unlabelled films alike: the ``l20`` split), on random frames of the real
shape ``(30, 36, 64, 3)``: the time of an epoch does not depend on the pixels. The number of
sequences is the one the synthetic cinema of ``--profile`` would hold (``full``: 309 sequences of
12 films, 247 of them trained on), so no sample needs generating.

Each ``--precision`` gets a fresh model and ``--epochs`` epochs; the first epoch traces and
compiles, so the figure reported is the median of the later ones (``seconds_per_epoch``), with the
first one beside it. The paper reports 46-51 s per epoch on a GTX 580. Not a test: nothing is
asserted.

Run ``python benchmarks/studyb.py`` (``--profile micro --epochs 2`` for a smoke run).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from emolib.core.atomic import write_text  # noqa: E402
from emolib.core.backends import device_info  # noqa: E402
from emolib.core.precision import use_precision  # noqa: E402
from emolib.media.alignment import n_sequences  # noqa: E402
from emolib.studyb.dataset import split_samples  # noqa: E402
from emolib.studyb.models import SEQUENCE_SHAPE, build_autoencoder  # noqa: E402
from emolib.studyb.training import FrameBatches, fit  # noqa: E402
from emolib.synth.profiles import plan  # noqa: E402


def profile_sequences(profile: str, seed: int = 0) -> pd.DataFrame:
    """``film``, ``sequence``, ``n_film`` of every 30 s sequence of a profile's Smell of Fear films."""
    rows = [
        {"film": spec.name, "sequence": i, "n_film": n}
        for spec in plan(profile, seed)
        if spec.layout == "smelloffear"
        for n in [n_sequences(spec.duration)]
        for i in range(n)
    ]
    return pd.DataFrame(rows)


class EpochTimes(keras.callbacks.Callback):
    """Wall-clock seconds of every epoch."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.seconds.append(time.perf_counter() - self._start)


def bench_autoencoder(frames: np.ndarray, meta: pd.DataFrame, precision: str, epochs: int,
                      batch_size: int) -> dict[str, float]:  # fmt: skip
    """Train a fresh autoencoder for ``epochs`` epochs under ``precision``; its epoch times."""
    split = split_samples(meta, "l20", val_fraction=0.0)
    before = keras.mixed_precision.global_policy()
    try:
        use_precision(precision)
        keras.utils.set_random_seed(0)
        model = build_autoencoder(batch_norm=True, input_shape=frames.shape[1:])
    finally:
        keras.mixed_precision.set_global_policy(before)
    timer = EpochTimes()
    train, val = (FrameBatches(frames, rows, batch_size=batch_size) for rows in (split.train, split.test))
    history = fit(model, train, val, epochs, callbacks=[timer])
    later = timer.seconds[1:] or timer.seconds
    return {
        "train_sequences": len(split.train),
        "val_sequences": len(split.test),
        "first_epoch_s": timer.seconds[0],
        "seconds_per_epoch": statistics.median(later),
        "train_sequences_per_s": len(split.train) / statistics.median(later),
        "loss_last": float(history["loss"].iloc[-1]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="full", choices=["micro", "tiny", "full"],
                        help="synthetic cinema whose sequence count is trained on")  # fmt: skip
    parser.add_argument("--epochs", type=int, default=3, help="epochs per precision (the first compiles)")
    parser.add_argument("--batch", type=int, default=8, help="sequences per batch (notebook 05: 8)")
    parser.add_argument("--precision", nargs="+", default=["float32", "mixed_float16"],
                        choices=["float32", "mixed_float16", "mixed_bfloat16"])  # fmt: skip
    parser.add_argument("--shape", type=int, nargs=3, default=SEQUENCE_SHAPE[:3], metavar=("T", "H", "W"),
                        help="frames, height, width of a sequence (the paper's 30 36 64)")  # fmt: skip
    parser.add_argument(
        "--out", help="JSON results (default benchmarks/results/studyb-<kind>-<backend>.json)"
    )
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")
    dev = device_info()
    meta = profile_sequences(args.profile)
    frames = np.random.default_rng(0).integers(0, 256, size=(len(meta), *args.shape, 3), dtype=np.uint8)
    print(
        f"{dev['backend']} on {dev['kind']}: {dev['name']}; {len(meta)} sequences ({args.profile})",
        flush=True,
    )
    results: dict[str, object] = {"device": dev, "profile": args.profile, "sequences": len(meta),
                                  "shape": list(args.shape),
                                  "batch": args.batch, "epochs": args.epochs,
                                  "paper_gtx580_s": [46, 51]}  # fmt: skip
    for precision in args.precision:
        figures = bench_autoencoder(frames, meta, precision, args.epochs, args.batch)
        results[f"autoencoder {precision}"] = figures
        print(
            f"autoencoder {precision:15s} " + "  ".join(f"{k}={v:,.2f}" for k, v in figures.items()),
            flush=True,
        )
    out = Path(args.out or ROOT / "benchmarks" / "results" / f"studyb-{dev['kind']}-{dev['backend']}.json")
    write_text(out, json.dumps(results, indent=1) + "\n")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

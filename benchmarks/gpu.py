"""The accelerator figures of one Keras backend in one run: throughput, LSTM modes, a Study B epoch.

What ``benchmarks/gpu.sh`` runs once per backend (``KERAS_BACKEND``), in one process, with no data
(a GPU server that has PyTorch or JAX and emolib's light dependencies, Keras and ``imageio-ffmpeg``
carried as wheels; no TensorFlow, no librosa):

1. ``accelerator.py``: LSTM training, C3D and VGG19 forward passes per ``--precision``, and the
   extraction pipeline over 16 movies with several numbers of decoding processes against the
   decoding alone;
2. ``lstm.py --synthetic full``: movie-parallel against thesis-faithful training of the Study A
   model on the ``full`` profile's movie lengths (8 training movies, 512 cells; the faithful mode,
   one step per call, on one of them);
3. ``studyb.py --profile full``: the Study B autoencoder's seconds per epoch on the ``full``
   profile's 309 sequences per ``--precision`` (the paper: 46-51 s per epoch on a GTX 580).

The reports go into one JSON file, ``<out>/accelerator-<kind>-<backend>.json`` (``kind`` is ``gpu``
or ``cpu``), rewritten after every part, each part with its wall-clock seconds. A part that fails is
recorded with its error (and its traceback printed) and the next one runs. ``--budget-s`` shares
the time out: a part is skipped when its turn comes after the share of the budget by which it had to
start (:data:`SHARES`: the accelerator figures at once and within 65 % of it, the LSTM modes by 80 %,
the autoencoder by 90 %, which leaves it the rest), so that one slow part cannot leave the others
unmeasured; ``accelerator.py`` itself skips its last figures past its share (``--deadline-s``).
``--tiny`` runs the same code with small sizes (a CPU test in CI) and writes ``...-tiny.json``.
Not a test: nothing is asserted.

The top of this file imports no Keras: the decoding processes of the pipeline start by importing it
again (``spawn``), and should not load a framework each.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from emolib.core.atomic import write_text  # noqa: E402

PRECISIONS = ["float32", "mixed_float16", "mixed_bfloat16"]
"""Dtype policies compared by default."""
SHARES = {"accelerator": 0.65, "lstm": 0.80, "studyb": 0.90}
"""Fraction of ``--budget-s`` by which each part must have started (cumulative)."""


def part_arguments(tiny: bool, precisions: list[str]) -> dict[str, list[str]]:
    """Command-line arguments of each benchmark, for the real sizes or the tiny CPU run."""
    if tiny:
        parts = {
            "accelerator": "--quick",
            "lstm": "--synthetic micro --units 8 --epochs 1 --chunk 16 --max-train 2 --faithful-train 1",
            "studyb": "--profile micro --epochs 1 --shape 6 8 8",
        }
    else:
        parts = {
            "accelerator": "--steps 20 --warmup 2 --repeats 3 --movies 16 --movie-seconds 30",
            "lstm": "--synthetic full --units 512 --epochs 3 --chunk 64 --batch-movies 8 --max-train 8 "
            "--faithful-train 1",
            "studyb": "--profile full --epochs 3",
        }
    with_precision = ("accelerator", "studyb")
    return {
        k: v.split() + (["--precision", *precisions] if k in with_precision else []) for k, v in parts.items()
    }


def run_parts(args: argparse.Namespace, report: dict[str, object], out: Path) -> None:
    """Run every part in turn, each isolated from the others' failures; rewrite ``out`` after each."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for name, part_args in part_arguments(args.tiny, args.precision).items():
            elapsed = time.perf_counter() - started
            if args.budget_s and elapsed > SHARES[name] * args.budget_s:
                report[name] = {"skipped": f"its share of the {args.budget_s:g} s budget had run out"}
                print(f"== {name} skipped after {elapsed:.0f} s", flush=True)
                continue
            if name == "accelerator" and args.budget_s:
                part_args = [*part_args, "--deadline-s", f"{SHARES[name] * args.budget_s - elapsed:.0f}"]
            print(f"== {name} {' '.join(part_args)}", flush=True)
            start = time.perf_counter()
            part_out = Path(tmp) / f"{name}.json"
            stopped = None
            try:
                importlib.import_module(name).main([*part_args, "--out", str(part_out)])
                figures = json.loads(part_out.read_text())
            except BaseException as err:  # noqa: BLE001 - reported; the next part runs (SystemExit too)
                traceback.print_exc()
                what = "stopped (SIGINT: gpu.sh's time limit)" if isinstance(err, KeyboardInterrupt) else ""
                figures = {"error": what or f"{type(err).__name__}: {err}"[:2000]}
                if part_out.is_file():  # what the part wrote before it failed
                    figures = {**json.loads(part_out.read_text()), **figures}
                stopped = err if isinstance(err, KeyboardInterrupt) else None
            report[name] = {**figures, "wall_s": time.perf_counter() - start}
            write_text(out, json.dumps(report, indent=1) + "\n")
            if stopped is not None:
                raise stopped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", default=str(ROOT / "benchmarks" / "results"), help="folder of the JSON report"
    )
    parser.add_argument("--tiny", action="store_true", help="small sizes: the CPU test of the same code path")
    parser.add_argument("--precision", nargs="+", default=PRECISIONS, choices=PRECISIONS)
    parser.add_argument("--budget-s", type=float, help="seconds for all the parts (see the module docstring)")
    args = parser.parse_args(argv)
    from emolib.core.backends import device_info

    dev = device_info()
    print(f"== {dev['backend']} on {dev['kind']}: {dev['name']} (keras {dev['keras']}, "
          f"python {platform.python_version()})", flush=True)  # fmt: skip
    report: dict[str, object] = {"device": dev, "tiny": args.tiny, "precisions": args.precision,
                                 "budget_s": args.budget_s}  # fmt: skip
    stem = f"accelerator-{dev['kind']}-{dev['backend']}" + ("-tiny" if args.tiny else "")
    out = Path(args.out) / f"{stem}.json"
    write_text(out, json.dumps(report, indent=1) + "\n")
    run_parts(args, report, out)
    print(f"== written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The accelerator figures of one Keras backend in one run: throughput, LSTM modes, a Study B epoch.

What ``benchmarks/gpu.sh`` runs once per backend (``KERAS_BACKEND``), in one process, with no data
and no ffmpeg (a GPU server that has PyTorch or JAX and emolib's light dependencies only):

1. ``accelerator.py``: LSTM training, C3D and VGG19 forward passes per ``--precision``;
2. ``lstm.py --synthetic full``: movie-parallel against thesis-faithful training of the Study A
   model on the ``full`` profile's movie lengths (8 training movies, 512 cells);
3. ``studyb.py --profile full``: the Study B autoencoder's seconds per epoch on the ``full``
   profile's 309 sequences (the paper: 46-51 s per epoch on a GTX 580).

The three reports go into one JSON file, ``<out>/accelerator-<kind>-<backend>.json`` (``kind`` is
``gpu`` or ``cpu``), with each part's wall-clock seconds. ``--tiny`` runs the same code with small
sizes (a CPU test in CI) and writes ``...-tiny.json``. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import accelerator  # noqa: E402
import lstm  # noqa: E402
import studyb  # noqa: E402

from emolib.core.atomic import write_text  # noqa: E402
from emolib.core.backends import device_info  # noqa: E402

PRECISIONS = ["float32", "mixed_float16"]
"""Dtype policies compared by default (``mixed_bfloat16`` on request)."""


def part_arguments(tiny: bool, precisions: list[str]) -> dict[str, list[str]]:
    """Command-line arguments of each benchmark, for the real sizes or the tiny CPU run."""
    if tiny:
        parts = {
            "accelerator": "--quick --only lstm",
            "lstm": "--synthetic micro --units 8 --epochs 1 --chunk 16 --max-train 2",
            "studyb": "--profile micro --epochs 1 --shape 6 8 8",
        }
    else:
        parts = {
            "accelerator": "--only lstm c3d vgg19",
            "lstm": "--synthetic full --units 512 --epochs 2 --chunk 64 --batch-movies 8 --max-train 8",
            "studyb": "--profile full --epochs 3",
        }
    with_precision = ("accelerator", "studyb")
    return {
        k: v.split() + (["--precision", *precisions] if k in with_precision else []) for k, v in parts.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", default=str(ROOT / "benchmarks" / "results"), help="folder of the JSON report"
    )
    parser.add_argument("--tiny", action="store_true", help="small sizes: the CPU test of the same code path")
    parser.add_argument("--precision", nargs="+", default=PRECISIONS,
                        choices=["float32", "mixed_float16", "mixed_bfloat16"])  # fmt: skip
    args = parser.parse_args(argv)
    dev = device_info()
    print(f"== {dev['backend']} on {dev['kind']}: {dev['name']} (keras {dev['keras']}, "
          f"python {platform.python_version()})", flush=True)  # fmt: skip
    mains: dict[str, Callable[[list[str]], int]] = {
        "accelerator": accelerator.main, "lstm": lstm.main, "studyb": studyb.main,
    }  # fmt: skip
    report: dict[str, object] = {"device": dev, "tiny": args.tiny, "precisions": args.precision}
    with tempfile.TemporaryDirectory() as tmp:
        for name, part_args in part_arguments(args.tiny, args.precision).items():
            print(f"== {name} {' '.join(part_args)}", flush=True)
            start = time.perf_counter()
            part_out = Path(tmp) / f"{name}.json"
            mains[name]([*part_args, "--out", str(part_out)])
            report[name] = {**json.loads(part_out.read_text()), "wall_s": time.perf_counter() - start}
    stem = f"accelerator-{dev['kind']}-{dev['backend']}" + ("-tiny" if args.tiny else "")
    out = write_text(Path(args.out) / f"{stem}.json", json.dumps(report, indent=1) + "\n")
    print(f"== written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

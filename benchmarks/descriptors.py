"""Reading the organisers' descriptor files: the emobase2010 ARFF fast path against the general ARFF reader.

A real 2018 movie has up to ~5000 seconds, each with one ARFF file of 1582 values (and 11 visual files).
This writes ``--seconds`` such audio files (:func:`emolib.datasets.emobase2010.format_arff`) and ``fc6``
files into a temporary folder and prints, per file: the general reader
(:func:`emolib.datasets.arff.read_arff`, header parsed for every file), the fast path of
:func:`emolib.datasets.descriptors.read_descriptor` (header parsed once per movie, then one split of the
data row), and the ``fc6`` visual files (4096 comma-separated values each). Not a test: nothing is asserted.

Run ``python benchmarks/descriptors.py`` (``--seconds 5000`` for a long movie).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emolib.datasets.arff import read_arff  # noqa: E402
from emolib.datasets.descriptors import locate, read_descriptor  # noqa: E402
from emolib.datasets.emobase2010 import N_VALUES, format_arff  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=300, help="files per descriptor (default 300)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        movie = "MEDIAEVAL18_00"
        audio = Path(tmp) / "MEDIAEVAL18-DevSet-Part1-Audio_features" / "audio_features" / movie
        visual = Path(tmp) / "MEDIAEVAL18-DevSet-Part1-Visual_features" / "visual_features" / movie / "fc6"
        audio.mkdir(parents=True)
        visual.mkdir(parents=True)
        for k in range(1, args.seconds + 1):
            (audio / f"{movie}_{k:05d}.csv").write_text(format_arff(rng.normal(size=N_VALUES)))
            fc6 = np.maximum(rng.normal(-0.7, 1.0, 4096), 0)
            (visual / f"{movie}-{k:05d}_fc6.txt").write_text(",".join(f"{v:.4g}" for v in fc6) + "\n")
        files = sorted(audio.glob("*.csv"))
        start = time.perf_counter()
        for f in files[: min(50, len(files))]:
            read_arff(f)
        general = (time.perf_counter() - start) / min(50, len(files))
        sources = {s.descriptor: s for s in locate(tmp)}
        start = time.perf_counter()
        read_descriptor(sources["emobase2010"])
        fast = (time.perf_counter() - start) / len(files)
        start = time.perf_counter()
        read_descriptor(sources["fc6"])
        fc6 = (time.perf_counter() - start) / args.seconds
    print(f"emobase2010 ARFF, general reader: {1000 * general:.2f} ms per file")
    print(f"emobase2010 ARFF, fast path:      {1000 * fast:.2f} ms per file ({general / fast:.1f}x)")
    print(f"fc6 visual file:                  {1000 * fc6:.2f} ms per file")
    print(f"a 5000-second movie: audio {5000 * fast:.0f} s, fc6 {5000 * fc6:.0f} s (general ARFF reader: "
          f"{5000 * general:.0f} s)")  # fmt: skip


if __name__ == "__main__":
    main()

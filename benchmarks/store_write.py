"""Write speed of a feature file through HDF5's own driver and through emolib's guarded writer.

The feature store writes through :class:`emolib.core.h5write.GuardedFile` (h5py's file-object driver,
fsync on close) so that a full disk is an error rather than a crash at exit; this prints what that
costs against HDF5 writing the same file directly. Not a test: nothing is asserted.

    python benchmarks/store_write.py --rows 10000 --dim 4096 --repeats 3
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emolib.core.h5write import create_h5  # noqa: E402


def fill(handle: h5py.File, rows: np.ndarray, total: int) -> None:
    """Append ``total`` rows in batches of ``len(rows)``, as the store writer does."""
    dim = rows.shape[1]
    data = handle.create_dataset("features", shape=(0, dim), maxshape=(None, dim), dtype="float32",
                                 chunks=(max(1, min(256, (1 << 20) // (4 * dim))), dim),
                                 compression="lzf")  # fmt: skip
    done = 0
    while done < total:
        n = min(len(rows), total - done)
        data.resize(done + n, axis=0)
        data[done:] = rows[:n]
        done += n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="steps in the file (default 10000)")
    parser.add_argument("--dim", type=int, default=4096, help="features per step (default 4096, C3D/VGG19)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dir", default=None, help="folder to write in (default: the system's temp)")
    args = parser.parse_args()
    rows = np.random.default_rng(0).normal(size=(16, args.dim)).astype(np.float32)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for k in range(args.repeats):
            start = time.perf_counter()
            with h5py.File(Path(tmp) / "direct.h5", "w") as handle:
                fill(handle, rows, args.rows)
            direct = time.perf_counter() - start
            start = time.perf_counter()
            with create_h5(Path(tmp) / "guarded.h5") as (handle, _guard):
                fill(handle, rows, args.rows)
            guarded = time.perf_counter() - start
            size = (Path(tmp) / "guarded.h5").stat().st_size / 1e6
            print(f"run {k + 1}: {size:.0f} MB  direct {direct:.2f} s  guarded {guarded:.2f} s  "
                  f"ratio {guarded / direct:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()

"""Print the versions of the packages a GPU server's run depends on (``benchmarks/gpu.sh`` calls it first)."""

from __future__ import annotations

import importlib.metadata as md

PACKAGES = ("keras", "namex", "optree", "torch", "jax", "jaxlib", "numpy", "scipy", "pandas", "h5py",
            "opencv-python-headless", "imageio-ffmpeg", "tensorflow", "librosa")  # fmt: skip


def version(name: str) -> str:
    """The installed version of ``name``, or ``missing``."""
    try:
        return md.version(name)
    except md.PackageNotFoundError:
        return "missing"


if __name__ == "__main__":
    print("== " + ", ".join(f"{name} {version(name)}" for name in PACKAGES), flush=True)

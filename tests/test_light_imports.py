"""The dependency-light import path: what a GPU server with only Keras and PyTorch or JAX can import.

Importing the models, the training loops and the benchmarks must not pull in the book's and the
audio pipeline's dependencies (librosa, soundfile, imageio-ffmpeg, papermill, Jupyter Book), nor
TensorFlow when another Keras backend is chosen. Each check imports everything in a fresh
interpreter and reads ``sys.modules``.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIGHT_MODULES = (
    "emolib.core.backends", "emolib.core.precision", "emolib.core.prefetch",
    "emolib.studya.batching", "emolib.studya.data", "emolib.studya.models",
    "emolib.studya.training", "emolib.studya.run",
    "emolib.studyb.models", "emolib.studyb.training", "emolib.studyb.experiments", "emolib.studyb.saliency",
    "emolib.features", "emolib.features.c3d", "emolib.features.vgg19", "emolib.features.on_device",
    "emolib.features.audio_steps", "emolib.features.colour_motion", "emolib.features.pooled",
    "accelerator", "lstm", "studyb", "gpu",
)  # fmt: skip
"""Modules a GPU server imports (the last four are the scripts of ``benchmarks/``)."""
HEAVY = ("librosa", "soundfile", "imageio_ffmpeg", "papermill", "jupyter_book", "nbformat", "jupytext")
"""Packages none of them may import."""
TENSORFLOW_IMPORTERS = {"emolib/core/backends.py", "emolib/studya/training.py"}
"""The modules of emolib that may import TensorFlow, each only after checking that it is the backend."""


def _imported(backend: str) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"sys.path.insert(0, {str(ROOT / 'benchmarks')!r})\n"
        f"for name in {LIGHT_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_light_modules_import_no_book_or_audio_package() -> None:
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    imported = _imported(backend)
    assert {"emolib", "keras"} <= imported
    assert imported.isdisjoint(HEAVY), sorted(imported & set(HEAVY))


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_another_backend_imports_no_tensorflow(backend: str) -> None:
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed (make {backend} installs it)")
    imported = _imported(backend)
    assert backend in imported and "tensorflow" not in imported and imported.isdisjoint(HEAVY)


def test_only_backend_checking_modules_import_tensorflow() -> None:
    importers = set()
    for path in sorted((ROOT / "emolib").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n.split(".")[0] == "tensorflow" for n in names):
                importers.add(path.relative_to(ROOT).as_posix())
    assert importers == TENSORFLOW_IMPORTERS

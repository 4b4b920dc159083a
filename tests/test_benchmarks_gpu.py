"""``benchmarks/gpu.sh --tiny``: the GPU server's benchmark script, run on the CPU with tiny sizes.

A GPU server has PyTorch or JAX, not TensorFlow, and none of the book's audio packages (librosa): the
script runs here in processes that do not see those packages (a ``sitecustomize`` on the path swaps
site-packages for a copy without them), so that a part that would need one fails here first.
With the TensorFlow backend only librosa is blocked (the backend is TensorFlow); with JAX or PyTorch,
TensorFlow is blocked too. CI has TensorFlow only: there the JAX and PyTorch variants are skipped, and
``make jax`` / ``make torch`` (which run this file) run them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HIDE = '''"""Test helper: this interpreter's site-packages replaced by a copy without some packages."""
import os
import sys

real, mirror = os.environ["EMOLIB_TEST_SITE"].split(os.pathsep)
sys.path[:] = [mirror if os.path.realpath(p) == os.path.realpath(real) else p for p in sys.path]
'''
NOT_ON_A_GPU_SERVER = ("librosa", "soundfile", "_soundfile", "_soundfile_data")
"""Packages of the book that a GPU server lacks."""


def without(packages: tuple[str, ...], folder: Path) -> dict[str, str]:
    """The environment of a Python in which ``packages`` are not installed (``find_spec`` finds none).

    The interpreter's site-packages is replaced on ``sys.path`` (by a ``sitecustomize`` at start-up) with
    ``folder/site-packages``: links to everything in it but those packages and their metadata.
    """
    real = Path(sysconfig.get_paths()["purelib"])
    mirror = folder / "site-packages"
    mirror.mkdir(parents=True)
    for entry in real.iterdir():
        stem = entry.name.split("-")[0].removesuffix(".py")
        if stem not in packages and entry.name.split(".")[0] not in packages:
            (mirror / entry.name).symlink_to(entry)
    (folder / "sitecustomize.py").write_text(HIDE)
    return {"PYTHONPATH": str(folder), "EMOLIB_TEST_SITE": os.pathsep.join([str(real), str(mirror)])}


def _errors(report: object, where: str = "") -> Iterator[str]:
    """Every ``error`` of the report (a part's, or one precision's inside a part), with where it is."""
    if isinstance(report, dict):
        for key, value in report.items():
            if key == "error":
                yield f"{where}: {value}"
            else:
                yield from _errors(value, f"{where}/{key}")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_gpu_script_writes_every_part_without_tensorflow_or_librosa(backend: str, tmp_path: Path) -> None:
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed (make {backend} installs it)")
    missing = NOT_ON_A_GPU_SERVER + (() if backend == "tensorflow" else ("tensorflow", "tensorflow_text"))
    env = {**os.environ, **without(missing, tmp_path / "site"), "BACKENDS": backend, "OUT": str(tmp_path),
           "PYTHON": sys.executable}  # fmt: skip
    done = subprocess.run(["bash", str(ROOT / "benchmarks" / "gpu.sh"), "--tiny", "--precision", "float32"],
                          env=env, capture_output=True, text=True, timeout=1200)  # fmt: skip
    log = (tmp_path / f"gpu-{backend}.log").read_text()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((tmp_path / f"accelerator-cpu-{backend}-tiny.json").read_text())
    assert list(_errors(report)) == [] and "Traceback" not in log, log[-4000:]
    assert report["device"]["backend"] == backend and report["tiny"] is True
    acc = report["accelerator"]
    lstm_rates = acc["lstm float32"]
    assert lstm_rates["train_movie_steps_per_s"] > 0 and lstm_rates["lstm_dtype"] == "float32"
    for name in ("c3d", "vgg19"):
        rates = acc[f"{name} float32"]
        assert rates["steps_per_s"] > 0 and rates["from_host_steps_per_s"] > 0
    pipeline = acc["pipeline float32"]
    assert pipeline["extractors"] == ["colour-motion", "vgg19"]
    assert pipeline["modalities"] == ["visual", "audio"] and pipeline["batches"] == {"visual": 16, "audio": 2}
    assert pipeline["2 workers"]["pipeline_steps_per_s"] > 0 and pipeline["2 workers"]["ratio"] > 0
    lstm = report["lstm"]
    assert lstm["data"] == "synthetic:micro" and lstm["train_movies"] >= 1 and lstm["train_steps"] > 0
    assert set(lstm["modes"]) == {"parallel", "faithful"} and lstm["speedup"] > 0
    assert lstm["modes"]["faithful"]["train_movies"] == 1
    studyb = report["studyb"]["autoencoder float32"]
    assert studyb["train_sequences"] + studyb["val_sequences"] == report["studyb"]["sequences"] > 0
    assert studyb["seconds_per_epoch"] > 0
    assert all(report[part]["wall_s"] > 0 for part in ("accelerator", "lstm", "studyb"))
    assert f"== {backend} on cpu" in log


def test_the_hidden_packages_are_not_installed_for_the_script(tmp_path: Path) -> None:
    """The helper above does hide a package (so that the test above can be trusted)."""
    env = {**os.environ, **without(("librosa",), tmp_path)}
    code = "from importlib.util import find_spec; print(find_spec('librosa'), find_spec('numpy') is None)"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.split() == ["None", "False"], done.stderr[-2000:]
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); import emolib.features.on_device; import librosa"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 1 and "No module named 'librosa'" in done.stderr, done.stderr[-2000:]

"""``benchmarks/gpu.sh --tiny``: the GPU server's benchmark script, run on the CPU with tiny sizes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_gpu_script_writes_every_part_of_the_report(tmp_path: Path) -> None:
    backend = keras.backend.backend()
    env = {**os.environ, "BACKENDS": backend, "OUT": str(tmp_path), "PYTHON": sys.executable}
    done = subprocess.run(["bash", str(ROOT / "benchmarks" / "gpu.sh"), "--tiny", "--precision", "float32"],
                          env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads((tmp_path / f"accelerator-cpu-{backend}-tiny.json").read_text())
    assert report["device"]["backend"] == backend and report["tiny"] is True
    assert report["accelerator"]["lstm float32"]["train_movie_steps_per_s"] > 0
    lstm = report["lstm"]
    assert lstm["data"] == "synthetic:micro" and lstm["train_movies"] >= 1 and lstm["train_steps"] > 0
    assert set(lstm["modes"]) == {"parallel", "faithful"} and lstm["speedup"] > 0
    studyb = report["studyb"]["autoencoder float32"]
    assert report["studyb"]["sequences"] == 4 and studyb["train_sequences"] + studyb["val_sequences"] == 4
    assert studyb["seconds_per_epoch"] > 0
    assert all(report[part]["wall_s"] > 0 for part in ("accelerator", "lstm", "studyb"))
    assert f"== {backend} on cpu" in (tmp_path / f"gpu-{backend}.log").read_text()

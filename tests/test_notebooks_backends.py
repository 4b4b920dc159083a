"""Every notebook on another Keras backend: the book's chapters on JAX and PyTorch, on the micro sample.

The book runs on TensorFlow; a researcher on a GPU server with PyTorch or JAX runs the same notebooks
with ``KERAS_BACKEND`` set where the run starts (``make notebooks-backend BACKEND=jax``). Each backend's
check runs when that backend is installed (``make jax``, ``make torch``) and is skipped otherwise, as in
CI, which installs TensorFlow only: the two frameworks would add a gigabyte and, on two cores, the
Study B autoencoder trains 6-8 times slower on JAX than on TensorFlow.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from emolib.runs.notebooks import discover, execute

ROOT = Path(__file__).resolve().parents[1]
PROBE = """# %% tags=["parameters"]
data_dir = "."
profile = "micro"
seed = 0
output_dir = "."

# %%
import json
import os
from pathlib import Path

import keras

Path(output_dir).mkdir(parents=True, exist_ok=True)
(Path(output_dir) / "backend.json").write_text(
    json.dumps({"env": os.environ.get("KERAS_BACKEND"), "keras": keras.backend.backend()})
)
"""


def _installed(backend: str) -> None:
    if importlib.util.find_spec(backend) is None:
        pytest.skip(
            f"{backend} is not installed: make notebooks-backend BACKEND={backend} installs it and runs this"
        )


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_the_kernel_computes_on_the_backend_the_run_starts_with(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _installed(backend)
    source = tmp_path / "00_probe.py"
    source.write_text(PROBE)
    monkeypatch.setenv("KERAS_BACKEND", backend)
    execute(source, tmp_path / "00_probe.ipynb", {"output_dir": str(tmp_path / "out")})
    assert json.loads((tmp_path / "out" / "backend.json").read_text()) == {"env": backend, "keras": backend}


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_every_notebook_runs_on_the_micro_sample(backend: str, tmp_path: Path) -> None:
    _installed(backend)
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(ROOT)}
    sample = tmp_path / "sample"
    cli = [sys.executable, "-m", "emolib"]
    made = [*cli, "sample", "--profile", "micro", "--seed", "0", "--out", str(sample), "--workers", "2"]
    subprocess.run(made, env=env, check=True, capture_output=True, timeout=900)
    done = subprocess.run(
        [*cli, "notebooks", "--data", str(sample), "--profile", "micro", "--seed", "0",
         "--out", str(tmp_path / "notebooks"), "--outputs", str(tmp_path / "outputs")],
        env=env, capture_output=True, text=True, timeout=5400,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    executed = sorted(p.stem for p in (tmp_path / "notebooks").glob("*.ipynb"))
    assert executed == [s.stem for s in discover(ROOT / "notebooks")]


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_the_backend_check_writes_nothing_under_the_books_outputs(backend: str) -> None:
    # notebook 07 of the book gathers every run under outputs/: a micro-sample run there would
    # become rows of the book's tables (it did, until the check got a root of its own)
    dry = subprocess.run(
        ["make", "-n", "notebooks-backend", f"BACKEND={backend}"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    words = dry.stdout.replace("\\\n", " ").split()
    written = [words[k + 1] for k, w in enumerate(words[:-1]) if w in ("--out", "--outputs")]
    assert len(written) == 3, dry.stdout  # the sample, the executed notebooks, the runs' outputs
    for path in written:
        assert Path(path).parts[0] == f"outputs-{backend}", path

"""Faults and bad input: kill -9 in training and in a sweep, a corpus of bad files, no pickles, no escapes."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from features_fixtures import make_movie
from media_fixtures import truncated_copy

from emolib.core.errors import DataError
from emolib.core.paths import resolve_inside
from emolib.datasets.validate import validate
from emolib.runs.cli import main
from emolib.runs.sweep import read_summary

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}


def _wait_for(path: Path, proc: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, f"the process ended before {path.name} appeared"
    assert path.exists(), f"{path} did not appear"


# --------------------------------------------------------------------------------------------------
# kill -9 during training
# --------------------------------------------------------------------------------------------------

TRAIN = """
import sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from test_faults import training_problem
from emolib.studya.training import FitOutputs, fit

marker = Path({marker!r})

def stall(row):
    if row["epoch"] == 3:  # epochs 1-2 are saved; hang inside epoch 3 until killed
        marker.touch()
        time.sleep(600)

x, y, vx, vy, config = training_problem()
fit(x, y, vx, vy, config, outputs=FitOutputs(resume_dir={resume!r}, on_epoch=stall, checkpoint={best!r}))
"""


def training_problem():
    """A tiny learnable problem (2 features, 4 + 2 movies) and a config with dropout (random draws)."""
    from emolib.studya.training import TrainConfig

    def movies(n: int, seed: int) -> tuple[dict, dict]:
        rng = np.random.default_rng(seed)
        x, y = {}, {}
        for i in range(n):
            z = np.convolve(rng.normal(size=69), np.ones(10) / np.sqrt(10), mode="valid")
            x[f"m{i}"] = np.stack([z, rng.normal(size=60)], axis=1).astype(np.float32)
            y[f"m{i}"] = np.stack([np.tanh(z), -0.5 * np.tanh(z)], axis=1).astype(np.float32)
        return x, y

    config = TrainConfig(units=8, dropout=0.3, epochs=5, chunk=15, batch_movies=4, learning_rate=1e-2, seed=3)
    return (*movies(4, 0), *movies(2, 1), config)


def test_training_killed_resumes_to_the_same_result(tmp_path: Path) -> None:
    pytest.importorskip("keras")
    from emolib.studya.training import FitOutputs, fit, predict_steps

    resume, marker = tmp_path / "resume", tmp_path / "in_epoch3"
    script = TRAIN.format(tests=str(ROOT / "tests"), marker=str(marker), resume=str(resume),
                          best=str(tmp_path / "best.keras"))  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-c", script], env=ENV, stderr=subprocess.PIPE)
    _wait_for(marker, proc)
    proc.kill()  # SIGKILL
    proc.wait()
    state = json.loads((resume / "state.json").read_text())
    assert state["epoch"] == 2 and len(state["history"]) == 2
    x, y, vx, vy, config = training_problem()
    resumed = fit(x, y, vx, vy, config, outputs=FitOutputs(resume_dir=resume))
    straight = fit(x, y, vx, vy, config)
    assert list(resumed.history["epoch"]) == [1, 2, 3, 4, 5] and resumed.best_epoch == straight.best_epoch
    np.testing.assert_allclose(resumed.history[["loss", "val_loss"]], straight.history[["loss", "val_loss"]],
                               rtol=1e-4, atol=1e-6)  # fmt: skip
    a, b = predict_steps(resumed.model, vx, config), predict_steps(straight.model, vx, config)
    for movie in vx:
        np.testing.assert_allclose(a[movie], b[movie], rtol=1e-4, atol=1e-5)
    assert sorted(p.name for p in resume.iterdir()) == sorted(["state.json", state_files(resume)[0],
                                                               state_files(resume)[1]])  # fmt: skip
    again = fit(
        x, y, vx, vy, config, outputs=FitOutputs(resume_dir=resume)
    )  # a finished run is not trained again
    assert again.history.equals(resumed.history)


def state_files(resume: Path) -> tuple[str, str]:
    state = json.loads((resume / "state.json").read_text())
    return state["weights"], state["best"]


# --------------------------------------------------------------------------------------------------
# kill -9 during a sweep
# --------------------------------------------------------------------------------------------------

NOTEBOOK = """# %% tags=["parameters"]
output_dir = "."
fold = 0
hold = ""

# %%
import json
import time
from pathlib import Path

while fold > 0 and Path(hold).exists():  # folds after the first wait while the test holds them
    time.sleep(0.05)
Path(output_dir, "metrics.json").write_text(json.dumps({"fold": fold}))
"""


def test_sweep_killed_then_rerun_has_every_result_once(tmp_path: Path) -> None:
    source, out = tmp_path / "nb.py", tmp_path / "sweep"
    source.write_text(NOTEBOOK)
    hold = tmp_path / "hold"
    hold.touch()
    args = ["folds", "--notebook", str(source), "--data", str(tmp_path), "--n-folds", "3", "--out", str(out),
            "--set", f"hold={hold}", "--no-evaluate", "--no-features", "--workers", "2"]  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "emolib", *args], env=ENV, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    _wait_for(out / "default" / "fold0" / "run.ipynb", proc)  # fold 0 done, folds 1 and 2 still running
    os.killpg(proc.pid, signal.SIGKILL)  # the whole job: the command, its scheduler and its workers
    proc.wait()
    assert not (out / "default" / "fold2" / "run.ipynb").exists()
    for k in range(3):  # whatever was written is complete
        notebook = out / "default" / f"fold{k}" / "run.ipynb"
        if notebook.exists():
            json.loads(notebook.read_text())
    hold.unlink()
    assert main(args) == 0
    table = read_summary(out / "summary.csv")
    assert sorted(table["fold"]) == [0, 1, 2] and set(table["status"]) <= {"done", "skipped"}
    assert table.set_index("fold").loc[0, "status"] == "skipped"
    for k in range(3):
        folder = out / "default" / f"fold{k}"
        files = sorted(p.name for p in folder.rglob("*") if p.is_file())
        assert files == ["kernel.log", "metrics.json", "params.json", "run.ipynb"], files  # no debris
        assert json.loads((folder / "metrics.json").read_text()) == {"fold": k}


# --------------------------------------------------------------------------------------------------
# A corpus of bad inputs: every problem reported in one run, each naming its file
# --------------------------------------------------------------------------------------------------


def _edit(path: Path, fn) -> Path:
    path.write_text(fn(path.read_text()))
    return path


def _bad_corpus(sample: Path, root: Path) -> dict[str, Path]:
    """A copy of the tiny sample with one defect per file; returns what each defect's file is."""
    shutil.copytree(sample, root, ignore=shutil.ignore_patterns("_latent", "features", "_cache*"))
    me, sof = root / "mediaeval2017", root / "smelloffear"
    va = me / "MEDIAEVAL17-DevSet-Valence_Arousal-annotations" / "annotations"
    fear = me / "MEDIAEVAL17-DevSet-Fear-annotations" / "annotations"
    movies = me / "movies"
    suffix = "-MEDIAEVAL2017-valence_arousal.txt"
    bad = {
        "separators": _edit(va / f"Amber_Harbour{suffix}", lambda t: t.replace("\t", ";")),
        "nan": _edit(fear / "Blue_Lanterns-MEDIAEVAL2017-fear.txt",
                     lambda t: re.sub(r"\t0\n", "\tnan\n", t, count=1)),
        "range": _edit(va / "Copper_Sky-MEDIAEVAL2017-valence_arousal.txt",
                       lambda t: re.sub(r"\n(2\t10\t)[-0-9.]+", r"\n\g<1>1.5", t)),
        "times": _edit(va / "Dust_and_Echoes-MEDIAEVAL2017-valence_arousal.txt",
                       lambda t: re.sub(r"\n(3\t)15\t", r"\n\g<1>5\t", t)),
    }  # fmt: skip
    dup_va = va / "Extra-MEDIAEVAL2017-valence_arousal.txt"
    lines = (sample / dup_va.relative_to(root)).parent.joinpath(
        "Amber_Harbour-MEDIAEVAL2017-valence_arousal.txt").read_text().splitlines()  # fmt: skip
    lines[3] = re.sub(r"^2\t", "1\t", lines[3])
    dup_va.write_text("\n".join(lines) + "\n")
    shutil.copy(fear / "Amber_Harbour-MEDIAEVAL2017-fear.txt", fear / "Extra-MEDIAEVAL2017-fear.txt")
    bad["duplicate_ids"] = dup_va
    bad["truncated"] = truncated_copy(
        sample / "mediaeval2017/movies/Copper_Sky.mp4", movies / "Copper_Sky.mp4", 0.3
    )
    (movies / "Blue_Lanterns.mp4").write_bytes(b"")
    bad["zero_bytes"] = movies / "Blue_Lanterns.mp4"
    bad["no_audio"] = make_movie(movies / "Dust_and_Echoes.mp4", seconds=2.0, tone=None)
    (movies / "Amber_Harbour.mp4").write_text("Id\tTime\nthis is a text file\n")
    bad["not_video"] = movies / "Amber_Harbour.mp4"
    arff = sof / "vocs" / "1_Clover.arff"
    bad["arff_no_data"] = _edit(arff, lambda t: t[: t.lower().index("@data")])
    bad["labels"] = _edit(sof / "labels" / "Hearth.csv", lambda t: t.replace(",", ";"))
    np.save(sof / "audio" / "Mirth.npy", np.array([{"x": 1}, None], dtype=object), allow_pickle=True)
    bad["pickle"] = sof / "audio" / "Mirth.npy"
    return bad


@pytest.mark.slow  # it renders the tiny sample (a minute or more) when no slow test did
def test_bad_input_corpus_is_reported_in_full(tiny_sample: Path, tmp_path: Path, capsys) -> None:
    bad = _bad_corpus(tiny_sample, tmp_path / "data")
    assert validate(tiny_sample)[0] == []  # the sample itself is clean
    problems, checked = validate(tmp_path / "data")
    assert checked >= 30
    by_file = {}
    for p in problems:
        by_file.setdefault(Path(p.path).resolve(), []).append(p)
    missing = {defect: path for defect, path in bad.items() if path.resolve() not in by_file}
    assert not missing, f"not reported: {missing}\n" + "\n".join(map(str, problems))
    text = {defect: str(by_file[path.resolve()][0]) for defect, path in bad.items()}
    assert "Amber_Harbour-MEDIAEVAL2017-valence_arousal.txt:1: wrong separator" in text["separators"]
    assert "duplicate" in text["duplicate_ids"].lower() and "pickle" in text["pickle"].lower()
    assert main(["validate", "--data", str(tmp_path / "data")]) == 1
    err = capsys.readouterr().err
    assert all(str(path) in err for path in bad.values())
    # a batch extraction over the damaged movies reports every failing one and finishes the others
    folder = tmp_path / "movies"
    shutil.copytree(tmp_path / "data" / "mediaeval2017" / "movies", folder)
    damaged = {"Amber_Harbour", "Blue_Lanterns", "Copper_Sky", "Dust_and_Echoes"}
    for movie in folder.glob("*.mp4"):  # the damaged movies and one intact one are enough
        if movie.stem not in damaged | {"Empty_Stations"}:
            movie.unlink()
    make_movie(folder / "fine.mp4", seconds=2.0)
    args = ["extract", "--data", str(folder), "--store", str(tmp_path / "store"), "--visual", "colour-motion",
            "--audio", "logmel-stats", "--no-progress"]  # fmt: skip
    assert main(args) == 1
    captured = capsys.readouterr()
    for name in ("Blue_Lanterns", "Dust_and_Echoes", "Amber_Harbour"):
        assert f"failed: {name}:" in captured.err and f"{name}.mp4" in captured.err
    summary = re.search(r"6 movies: (\d) computed, 0 up to date, (\d) failed", captured.out)
    assert summary is not None and int(summary[1]) >= 1 and int(summary[2]) >= 3, captured.out


def test_extract_warns_about_a_bad_annotation_file_and_extracts_every_movie(tmp_path: Path, capsys) -> None:
    from test_mediaeval import VA_DIR, make_devset

    from emolib.datasets.mediaeval import VA_SUFFIX, load_devset
    from emolib.features import FeatureStore

    data = tmp_path / "data"
    make_devset(data, {"Amber": 3, "Blue": 3}, None)
    (data / "movies").mkdir()
    for name in ("Amber", "Blue"):
        make_movie(data / "movies" / f"{name}.mp4", seconds=2.0, tone=None)
    bad = data / VA_DIR / f"Amber{VA_SUFFIX}"
    lines = bad.read_text().splitlines()
    lines[2] = "1\t5\tnot-a-number\t0.0"
    bad.write_text("\n".join(lines) + "\n")
    store = tmp_path / "store"
    args = ["extract", "--data", str(data), "--store", str(store), "--visual", "colour-motion",
            "--no-progress"]  # fmt: skip
    assert main(args) == 0
    captured = capsys.readouterr()
    assert f"warning: {bad}:3: " in captured.err and "non-numeric" in captured.err
    assert "2 movies: 2 computed, 0 up to date, 0 failed" in captured.out
    assert FeatureStore(store).movies("colour-motion") == ["Amber", "Blue"]
    with pytest.raises(DataError, match=f"{re.escape(str(bad))}:3: .*non-numeric"):
        load_devset(data)  # the notebooks, which need the annotations, still stop on it
    assert main(["validate", "--data", str(data)]) == 1
    assert f"{bad}:3: " in capsys.readouterr().err


# --------------------------------------------------------------------------------------------------
# No untrusted pickles, no paths out of the data folder
# --------------------------------------------------------------------------------------------------


def test_no_code_loads_pickles_or_unsafe_models() -> None:
    sources = {p: p.read_text() for p in (ROOT / "emolib").rglob("*.py")}
    for path, text in sources.items():
        for call in re.findall(r"np\.load\([^)]*\)", text):
            assert "allow_pickle=False" in call, f"{path}: {call}"
        assert "safe_mode=False" not in text, path
        # the decoding pool pickles over pipes to its own workers (multiprocessing does); no file is unpickled
        assert not re.search(r"pickle\.loads?\(|Unpickler\(|read_pickle|joblib\.load|torch\.load", text), path


def test_unsafe_model_file_is_refused(tmp_path: Path) -> None:
    keras = pytest.importorskip("keras")
    from emolib.studyb.training import load_model

    inputs = keras.Input((2,))
    model = keras.Model(inputs, keras.layers.Lambda(lambda t: t * 2)(inputs))
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="(?i)unsafe|safe_mode|deserializ"):
        load_model(tmp_path / "lambda.keras")


def test_paths_from_data_files_cannot_escape(tmp_path: Path) -> None:
    root = tmp_path / "sweep"
    (root / "a" / "fold0").mkdir(parents=True)
    assert resolve_inside(root, "a/fold0") == (root / "a" / "fold0").resolve()
    for name in ("../../etc/passwd", "/etc/passwd", "a/../../x", ""):
        with pytest.raises(DataError, match="outside|invalid"):
            resolve_inside(root, name)
    (root / "link").symlink_to("/etc")
    with pytest.raises(DataError, match="outside"):
        resolve_inside(root, "link/passwd")
    rows = {"config": ["a", "a", "b"], "fold": [0, 1, 0], "status": ["done"] * 3, "attempts": [1] * 3,
            "seconds": [1.0] * 3, "error": [""] * 3,
            "output_dir": [str(root / "a/fold0"), "a/fold1", "../../etc/passwd"]}  # fmt: skip
    pd.DataFrame(rows).to_csv(root / "summary.csv", index=False)
    with pytest.raises(DataError, match=r"summary\.csv:4: path '\.\./\.\./etc/passwd' leads outside"):
        read_summary(root / "summary.csv")

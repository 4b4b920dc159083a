"""The command line's option values and the bodies of ``extract`` and ``folds``, without running them.

Full runs of the commands are pinned elsewhere: ``extract`` in test_features_store.py and
test_faults.py, both commands on a Dask scheduler in test_distributed.py, a killed ``folds`` in
test_faults.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emolib.core.errors import DataError
from emolib.core.options import UsageError, key_values, parse_value
from emolib.runs import folds_command
from emolib.runs.cli import main
from emolib.runs.extract_command import (
    chosen_extractors,
    extractor_options,
    extractor_table,
    make_extractors,
    select_movies,
)
from emolib.runs.folds_command import parse_grid, rebuild_evaluation, result_line, sweep_parameters
from emolib.runs.notebooks import NotebookFailed


def test_key_values_split_at_the_first_equals_and_name_a_bad_item() -> None:
    assert key_values(["a=1", "b=x=y"], "NAME=VALUE") == [("a", "1"), ("b", "x=y")]
    assert key_values(None, "NAME=VALUE") == []
    for bad in ["novalue", "=1", "a="]:
        with pytest.raises(DataError, match=f"{bad}: expected NAME=VALUE"):
            key_values(["ok=1", bad], "NAME=VALUE")


def test_parse_value_is_json_else_the_text() -> None:
    assert [parse_value(t) for t in ["30", "0.5", "true", '["a", 1]', "audio", "1e"]] == [
        30, 0.5, True, ["a", 1], "audio", "1e",
    ]  # fmt: skip


def test_chosen_extractors_check_modality_and_keep_visual_first() -> None:
    assert chosen_extractors(["colour-motion"], ["logmel-stats"]) == ["colour-motion", "logmel-stats"]
    assert chosen_extractors(None, ["librosa193"]) == ["librosa193"]
    with pytest.raises(UsageError, match="choose at least one extractor"):
        chosen_extractors(None, [])
    with pytest.raises(UsageError, match=r"'logmel-stats' is not a visual extractor \(known: c3d, "):
        chosen_extractors(["logmel-stats"], None)
    with pytest.raises(UsageError, match="'nope' is not a audio extractor"):
        chosen_extractors(None, ["nope"])


def test_extractor_options_gather_weights_params_and_random_weights() -> None:
    options = extractor_options(
        ["c3d", "colour-motion"], weights=["c3d=/w/c3d.h5"], params=["colour-motion.cut_threshold=0.4",
        "colour-motion.size=[64, 64]"], random_weights=None,
    )  # fmt: skip
    assert options == {
        "c3d": {"weights": "/w/c3d.h5", "random_weights": False, "params": {}},
        "colour-motion": {"weights": None, "random_weights": False,
                          "params": {"cut_threshold": 0.4, "size": [64, 64]}},
    }  # fmt: skip
    assert extractor_options(["c3d"], random_weights=["c3d"])["c3d"]["random_weights"] is True
    with pytest.raises(DataError, match="vgg19: names an extractor that is not chosen"):
        extractor_options(["c3d"], weights=["vgg19=/w.h5"])
    with pytest.raises(DataError, match="cut_threshold: expected NAME.KEY=VALUE"):
        extractor_options(["colour-motion"], params=["cut_threshold=0.4"])


def test_make_extractors_turns_a_bad_choice_into_a_usage_error() -> None:
    made = make_extractors(extractor_options(["colour-motion"], params=["colour-motion.cut_threshold=0.4"]))
    assert [e.name for e in made] == ["colour-motion"]
    with pytest.raises(UsageError, match="weight-free"):
        make_extractors(extractor_options(["logmel-stats"], weights=["logmel-stats=/w.h5"]))


def test_select_movies_keeps_the_named_and_refuses_unknown_names(tmp_path: Path) -> None:
    for name in ["a", "b"]:
        (tmp_path / f"{name}.mp4").write_bytes(b"")
    assert sorted(select_movies(tmp_path)) == ["a", "b"]
    assert list(select_movies(tmp_path, ["b"])) == ["b"]
    with pytest.raises(DataError, match="no movie named c, d"):
        select_movies(tmp_path, ["a", "d", "c"])


def test_extract_command_line_lists_and_refuses_before_reading_movies(tmp_path: Path, capsys) -> None:
    assert main(["extract", "--list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed == extractor_table()
    assert any(line.split()[:2] == ["colour-motion", "visual"] for line in listed)
    base = ["extract", "--data", str(tmp_path / "absent"), "--no-progress"]
    assert main(base) == 2
    assert capsys.readouterr().err == (
        "error: choose at least one extractor with --visual and/or --audio (see --list)\n"
    )
    assert main([*base, "--visual", "colour-motion", "--weights", "c3d"]) == 2
    assert capsys.readouterr().err == "error: c3d: expected NAME=PATH\n"


def test_sweep_parameters_and_grid(tmp_path: Path) -> None:
    base = sweep_parameters(tmp_path, "tiny", 3, 4, "va", ["epochs=30", "modality=audio", "n_folds=2"])
    assert base == {"data_dir": str(tmp_path.resolve()), "profile": "tiny", "seed": 3, "n_folds": 2,
                    "task": "va", "epochs": 30, "modality": "audio"}  # fmt: skip
    assert parse_grid(["modality=audio,mixed", "units=32,64"]) == {
        "modality": ["audio", "mixed"], "units": [32, 64],
    }  # fmt: skip
    assert parse_grid(None) == {}


def test_test_dir_reaches_every_run_of_the_plan_once_per_configuration(tmp_path: Path) -> None:
    from emolib.runs.folds_command import chosen_folds
    from emolib.runs.sweep import plan

    base = sweep_parameters(tmp_path, "tiny", 0, 4, "va", ["epochs=3"], test_dir=tmp_path / "test")
    assert base["test_dir"] == str((tmp_path / "test").resolve())
    assert "test_dir" not in sweep_parameters(tmp_path, "tiny", 0, 4, "va")  # notebook 04's default: None
    assert chosen_folds(base, None) == [0] and chosen_folds(base, [2]) == [2]
    tasks = plan(tmp_path / "runs", base, parse_grid(["units=8,16"]), chosen_folds(base, None))
    assert len(tasks) == 2 and {t.parameters["test_dir"] for t in tasks} == {base["test_dir"]}


def test_folds_command_line_passes_test_dir_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict = {}
    monkeypatch.setattr(
        folds_command, "run_folds", lambda sweep, *a, **kw: seen.update(test_dir=sweep.test_dir) or 0
    )
    assert main(["folds", "--data", str(tmp_path), "--test-dir", "data/sample/mediaeval2017test"]) == 0
    assert seen["test_dir"] == "data/sample/mediaeval2017test"
    assert main(["folds", "--data", str(tmp_path)]) == 0 and seen["test_dir"] is None


def test_result_line_shows_attempts_only_when_retried() -> None:
    res = {"status": "done", "config": "modality-audio", "fold": 0, "seconds": 3.6, "attempts": 1,
           "error": ""}  # fmt: skip
    assert result_line(res) == "[done   ] modality-audio fold 0 (4 s) "
    assert result_line({**res, "status": "failed", "attempts": 2, "error": "boom"}) == (
        "[failed ] modality-audio fold 0 (4 s, 2 attempts) boom"
    )


def test_folds_command_line_refuses_a_malformed_grid_before_running(tmp_path: Path, capsys) -> None:
    args = ["folds", "--data", str(tmp_path), "--out", str(tmp_path / "runs"), "--grid", "modality"]
    assert main(args) == 2
    assert capsys.readouterr().err == "error: modality: expected NAME=V1,V2,...\n"
    assert not (tmp_path / "runs").exists()


EVALUATION = """# %% tags=["parameters"]
data_dir = profile = runs_dir = studya_runs = output_dir = ""
seed = 0

# %%
import json
from pathlib import Path

Path(output_dir).mkdir(parents=True, exist_ok=True)
params = dict(data_dir=data_dir, profile=profile, seed=seed, runs_dir=runs_dir, studya_runs=studya_runs)
Path(output_dir, "params.json").write_text(json.dumps(params))
assert seed >= 0, "planted failure"
"""


def test_rebuild_evaluation_passes_the_runs_and_keeps_a_failed_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "07_evaluation.py"
    source.write_text(EVALUATION)
    monkeypatch.setattr(folds_command, "EVALUATION_NOTEBOOK", source)
    monkeypatch.chdir(tmp_path)
    target = rebuild_evaluation("/data", "tiny", 1, "runs", "outputs", tmp_path / "book")
    assert target == tmp_path / "book" / "07_evaluation.ipynb" and target.is_file()
    written = json.loads((tmp_path / "outputs" / "07_evaluation" / "params.json").read_text())
    assert written == {"data_dir": "/data", "profile": "tiny", "seed": 1,
                       "runs_dir": str(tmp_path.resolve() / "outputs"),
                       "studya_runs": str(tmp_path.resolve() / "runs")}  # fmt: skip
    with pytest.raises(NotebookFailed, match="planted failure"):
        rebuild_evaluation("/data", "tiny", -1, "runs", "outputs", tmp_path / "book")
    assert (tmp_path / "outputs" / "07_evaluation" / "FAILED.ipynb").is_file()


def test_make_folds_passes_the_tls_options_like_the_command(tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    root = Path(__file__).resolve().parents[1]
    variables = ["SCHEDULER=tls://host:8786", "TLS_CA_FILE=ca.pem", "TLS_CERT=node.pem", "TLS_KEY=node.key"]
    done = subprocess.run(["make", "-n", "-W", "sample", "folds", f"VENV={tmp_path}", *variables], cwd=root,
                          capture_output=True, text=True, check=False)  # fmt: skip
    command = done.stdout.replace("\\\n", " ")
    assert "--scheduler tls://host:8786" in command, done.stdout + done.stderr
    assert (
        "--tls-ca-file ca.pem" in command
        and "--tls-cert node.pem" in command
        and "--tls-key node.key" in command
    )
    plain = subprocess.run(
        ["make", "-n", "folds", f"VENV={tmp_path}"], cwd=root, capture_output=True, text=True
    )
    assert "--tls" not in plain.stdout

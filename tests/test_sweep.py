"""The fold sweep: planning, skip-if-done, and a failing run that does not stop the others."""

from __future__ import annotations

import json
from pathlib import Path

from emolib.runs.sweep import Task, config_name, expand_grid, plan, run_all, run_task

NOTEBOOK = """# %% tags=["parameters"]
output_dir = "."
fold = 0
fail = False

# %%
import json
from pathlib import Path

if fail:
    raise RuntimeError("this run was asked to fail")
Path(output_dir, "metrics.json").write_text(json.dumps({"fold": fold}))
"""


def test_grid_and_plan(tmp_path: Path) -> None:
    grid = {"modality": ["audio", "mixed"], "units": [32, 64]}
    assert expand_grid(grid)[1] == {"modality": "audio", "units": 64}
    assert len(expand_grid(grid)) == 4 and expand_grid({}) == [{}]
    assert config_name({"modality": "mixed", "learning_rate": 0.001}) == "modality-mixed_learning_rate-0.001"
    tasks = plan(tmp_path, {"epochs": 3}, grid, range(3), source=tmp_path / "nb.py")
    assert len(tasks) == 12
    assert len({t.output_dir for t in tasks}) == 12
    first = str(tmp_path.resolve() / "modality-audio_units-32" / "fold0")
    expected = {"epochs": 3, "modality": "audio", "units": 32, "fold": 0, "output_dir": first}
    assert tasks[0].parameters == expected


def test_failed_runs_are_recorded_and_done_runs_skipped(tmp_path: Path) -> None:
    source = tmp_path / "nb.py"
    source.write_text(NOTEBOOK)
    tasks = plan(tmp_path / "sweep", {}, {"fail": [False, True]}, [0], source=source)
    table = run_all(tasks, workers=2, summary=tmp_path / "sweep" / "summary.csv")
    status = dict(zip(table["config"], table["status"], strict=True))
    assert status == {"fail-False": "done", "fail-True": "failed"}
    ok, bad = (Path(t.output_dir) for t in tasks)
    assert json.loads((ok / "metrics.json").read_text()) == {"fold": 0}
    assert (ok / "run.ipynb").is_file() and not (ok / "FAILED.ipynb").exists()
    assert (bad / "FAILED.ipynb").is_file() and "asked to fail" in (bad / "error.txt").read_text()
    assert "failed" in table.loc[table["status"] == "failed", "error"].iloc[0]
    assert (tmp_path / "sweep" / "summary.csv").read_text().count("\n") == 3
    assert run_task(tasks[0])["status"] == "skipped"  # same parameters, finished notebook present
    changed = Task(
        tasks[0].config, 0, tasks[0].source, tasks[0].output_dir, {**tasks[0].parameters, "fail": True}
    )
    assert run_task(changed)["status"] == "failed"  # other parameters: run again, not skipped
    assert not (ok / "metrics.json").exists() and not (ok / "run.ipynb").exists()  # no stale results left

"""The notebooks: sources paired with their .ipynb, each with papermill parameters, and 01 executes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jupytext
import nbformat
import pytest
from conftest import BuiltBook, notebook_reruns

from emolib.runs.notebook_checks import output_problems, pairing_problems, visible_cell_problems
from emolib.runs.notebooks import INJECTED_TAG, REMOVE_TAG, NotebookFailed, discover, execute

ROOT = Path(__file__).resolve().parents[1]
SOURCES = discover(ROOT / "notebooks")
REQUIRED_PARAMETERS = {"data_dir", "profile", "seed", "output_dir"}


def test_there_are_notebooks() -> None:
    assert [s.stem for s in SOURCES][:1] == ["01_dataset_exploration"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_parameters_cell_comes_first(source: Path) -> None:
    nb = jupytext.read(source)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "parameters" in first_code.metadata.get("tags", [])
    names = {line.split("=")[0].strip() for line in first_code.source.splitlines() if "=" in line}
    assert REQUIRED_PARAMETERS <= names


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_paired_ipynb_is_in_sync_and_output_free(source: Path) -> None:
    assert pairing_problems(source) == []
    assert output_problems(source.with_suffix(".ipynb")) == []


TAUGHT = {
    "01_dataset_exploration": True,
    "02_preprocessing": True,
    "03_feature_extraction": True,
    "04_lstm_training": True,
    "05_autoencoder": False,
    "06_activation_maps": True,
    "07_evaluation": False,
}
"""Notebooks whose visible cells hold only the lesson, and whether a visible cell may loop."""


def test_every_notebook_is_taught() -> None:
    assert sorted(TAUGHT) == [s.stem for s in SOURCES]


@pytest.mark.parametrize("stem", sorted(TAUGHT))
def test_visible_cells_hold_the_lesson_not_the_plumbing(stem: str) -> None:
    assert visible_cell_problems(ROOT / "notebooks" / f"{stem}.py", loops=TAUGHT[stem]) == []


def test_visible_cell_problems_name_the_plumbing(tmp_path: Path) -> None:
    source = tmp_path / "98_plumbing.py"
    body = "\n".join(f"x{k} = {k}" for k in range(16))
    source.write_text(
        '# %% tags=["parameters"]\nx = 1\n\n# %% tags=["remove-cell"]\nglue("a", 1)\n\n'
        '# %%\nglue("b", 2)\nmetrics["c"] = 3\nfor k in range(2):\n    pass\n\n'
        f'# %% tags=["hide-input"]\n{body}\n'
    )
    problems = visible_cell_problems(source, loops=False)
    assert len(problems) == 4 and "glues values" in problems[0] and "assembles metrics" in problems[1]
    assert "loops" in problems[2] and "16 lines" in problems[3]
    assert len(visible_cell_problems(source, loops=True)) == 3


@pytest.mark.slow
def test_dataset_exploration_on_the_tiny_sample(built_book: BuiltBook) -> None:
    out_dir = built_book.outputs / "01_dataset_exploration"
    summary = json.loads((out_dir / "summary.json").read_text())
    assert summary["mediaeval"]["movies"] >= 3
    assert summary["smelloffear"]["kept_labels"], "the tiny profile should keep some labels"
    for name in ["fig_va_along", "fig_fear_along", "fig_fps_durations", "fig_histograms",
                 "fig_label_frequencies", "fig_voc_curves"]:  # fmt: skip
        assert (out_dir / f"{name}.png").stat().st_size > 5_000, name


@pytest.mark.slow
def test_only_mediaeval_folder_skips_smell_of_fear(micro_sample: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "outputs"
    execute(  # notebook 01 once besides the book (conftest.EXTRA_NOTEBOOK_RUNS), on the micro sample
        ROOT / "notebooks" / "01_dataset_exploration.py",
        tmp_path / "01.ipynb",
        {"data_dir": str(micro_sample / "mediaeval2017"), "output_dir": str(out_dir)},
    )
    summary = json.loads((out_dir / "summary.json").read_text())
    assert "mediaeval" in summary and "smelloffear" not in summary


def test_failing_notebook_stops_with_the_cell_and_keeps_a_copy(tmp_path: Path) -> None:
    source = tmp_path / "99_broken.py"
    source.write_text('# %% tags=["parameters"]\nx = 1\n\n# %%\nraise RuntimeError("planted failure")\n')
    with pytest.raises(NotebookFailed, match="planted failure"):
        execute(source, tmp_path / "out" / "99.ipynb", {"x": 2}, failed_copy=tmp_path / "FAILED.ipynb")
    assert not (tmp_path / "out" / "99.ipynb").exists()
    assert (tmp_path / "FAILED.ipynb").exists()


def test_discover_keeps_only_the_chosen_prefixes(tmp_path: Path) -> None:
    for name in ["01_a.py", "02_b.py", "03_c.py", "helper.py"]:
        (tmp_path / name).write_text("")
    assert [p.name for p in discover(tmp_path)] == ["01_a.py", "02_b.py", "03_c.py"]
    assert [p.name for p in discover(tmp_path, only=["03", "01"])] == ["01_a.py", "03_c.py"]
    assert discover(tmp_path, only=["9"]) == []


def test_injected_parameters_are_removed_from_the_book_and_defaults_kept(tmp_path: Path) -> None:
    source = tmp_path / "98_params.py"
    source.write_text('# %% tags=["parameters"]\ndata_dir = "data/sample"\n\n# %%\nprint(data_dir)\n')
    secret = str(tmp_path / "machine" / "data")
    out = execute(source, tmp_path / "98.ipynb", {"data_dir": secret})
    cells = nbformat.read(out, as_version=4).cells
    tags = [c.metadata.get("tags", []) for c in cells]
    assert tags[:2] == [["parameters"], [INJECTED_TAG, REMOVE_TAG]]
    assert secret in cells[1].source and secret in cells[2].outputs[0]["text"]  # it ran with the value
    shown = [c.source for c, t in zip(cells, tags, strict=True) if REMOVE_TAG not in t]
    assert not any(secret in text for text in shown)  # no rendered cell shows the machine's path
    assert 'data_dir = "data/sample"' in shown[0]  # the defaults stay visible


@pytest.mark.skipif(os.name != "posix", reason="Unix-domain sockets only exist on POSIX systems")
def test_kernels_listen_on_private_ipc_sockets_so_parallel_runs_cannot_collide(tmp_path: Path) -> None:
    source = tmp_path / "97_transport.py"
    source.write_text(
        '# %% tags=["parameters"]\nx = 0\n\n# %%\nimport ipykernel.connect\n'
        'info = ipykernel.connect.get_connection_info(unpack=True)\nprint(info["transport"], info["ip"])\n'
    )
    seen = []
    for k in range(2):
        cells = nbformat.read(execute(source, tmp_path / f"97_{k}.ipynb", {"x": k}), as_version=4).cells
        transport, ip = cells[-1].outputs[0]["text"].split()
        assert transport == "ipc" and Path(ip).is_absolute() and not Path(ip).parent.exists()  # removed after
        seen.append(ip)
    assert seen[0] != seen[1]  # every run its own socket folder: no port for two runs to race for


def test_a_notebook_run_twice_in_a_session_is_reported(tmp_path: Path) -> None:
    notebooks = tmp_path / "notebooks"
    one, five = str(notebooks / "01_a.py"), str(notebooks / "05_b.py")
    book = [(one, {"seed": 0, "output_dir": "o/01"}), (five, {"seed": 0, "output_dir": "o/05"}),
            (five, {"seed": 0, "fold": 1, "output_dir": "o/05/fold-1"})]  # fmt: skip
    other = (str(tmp_path / "own.py"), {"x": 1})  # a test's own notebook: not counted
    assert notebook_reruns([*book, other, other], {0, 1, 2}, {}, notebooks) == []
    extra = (five, {"seed": 0, "data_dir": "release", "output_dir": "t/05"})
    assert notebook_reruns([*book, extra], {0, 1, 2}, {"05_b": "why"}, notebooks) == []
    assert "05_b executed 1 time(s) outside the book build; allowed: 0" in notebook_reruns(
        [*book, extra], {0, 1, 2}, {}, notebooks
    )
    again = (one, {"seed": 0, "output_dir": "elsewhere"})  # the same run in another folder
    problems = notebook_reruns([*book, again], {0, 1, 2}, {"01_a": "why"}, notebooks)
    assert len(problems) == 1 and problems[0].startswith("01_a executed twice with the same parameters")


def test_the_kernel_starts_in_the_notebooks_folder_and_the_runner_keeps_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "notebooks"
    folder.mkdir()
    source = folder / "96_cwd.py"
    source.write_text('# %% tags=["parameters"]\nx = 0\n\n# %%\nimport os\nprint(os.getcwd())\n')
    before = os.getcwd()
    out = execute(source, "96.ipynb", {"x": 1})  # a relative output: the runner's folder, not the kernel's
    assert os.getcwd() == before and out == Path(before, "96.ipynb").resolve()
    assert nbformat.read(out, as_version=4).cells[-1].outputs[0]["text"].strip() == str(folder)

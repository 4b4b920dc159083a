"""The "Run this chapter" box: parameters read from the notebook's own cell, a papermill command with
relative paths, and the outputs the run writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from emolib.runs.chapter import (
    Parameter,
    notebook_parameters,
    papermill_command,
    parameters_cell,
    parse_parameters,
    run_box_markdown,
)
from emolib.runs.notebooks import discover

ROOT = Path(__file__).resolve().parents[1]


def test_parameters_are_read_with_default_and_meaning() -> None:
    code = (
        'data_dir = "../data"  # where the data is\n'
        "lags = [0, 1,\n        2]  # tried lags\nx = 3\nimport os\n"
    )
    assert parse_parameters(code) == [
        Parameter("data_dir", '"../data"', "where the data is"),
        Parameter("lags", "[0, 1,\n        2]", "tried lags"),
        Parameter("x", "3", ""),
    ]


def test_a_source_without_a_parameters_cell_is_named(tmp_path: Path) -> None:
    source = tmp_path / "99_none.py"
    source.write_text("# %%\nx = 1\n")
    with pytest.raises(ValueError, match="99_none.py: no cell tagged 'parameters'"):
        parameters_cell(source)


@pytest.mark.parametrize("source", discover(ROOT / "notebooks"), ids=lambda p: p.stem)
def test_every_parameter_of_every_chapter_is_explained(source: Path) -> None:
    params = notebook_parameters(source.stem, source.parent)
    assert {"data_dir", "output_dir", "seed", "profile"} <= {p.name for p in params}
    assert all(p.meaning for p in params), [p.name for p in params if not p.meaning]


def test_run_box_has_the_command_the_outputs_and_the_table() -> None:
    text = run_box_markdown("04_lstm_training", {"va/": "the valence model", "x|y": "a <b>"}, {"fold": "1"})
    assert text.startswith("::::{admonition} Run this chapter")
    assert "papermill notebooks/04_lstm_training.ipynb outputs/04_lstm_training.ipynb --cwd notebooks" in text
    assert "-p data_dir ../data/sample" in text and "-p fold 1" in text and "-k emolib" in text
    assert "- `va/`: the valence model" in text
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == len(notebook_parameters("04_lstm_training"))
    assert "| `modality` |" in text and str(ROOT) not in text  # no machine path in the book


def test_command_lines_continue_with_backslashes() -> None:
    lines = papermill_command("01_dataset_exploration").splitlines()
    assert all(line.endswith(" \\") for line in lines[:-1]) and lines[-1].strip().startswith("-p output_dir")

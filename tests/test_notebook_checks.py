"""The checks behind the notebook pre-commit hooks: paired sources never drift, no outputs are committed."""

from __future__ import annotations

import json
from pathlib import Path

import jupytext
import pytest

from emolib.runs.notebook_checks import (
    SYNC_HINT,
    check_outputs,
    check_pairs,
    main,
    output_problems,
    pair_source,
    pairing_problems,
)

SOURCE = '# %% tags=["parameters"]\nx = 1\n\n# %% [markdown]\n# A title\n\n# %%\nprint(x)\n'


def _pair(folder: Path, text: str = SOURCE) -> tuple[Path, Path]:
    """A py:percent source and the .ipynb jupytext makes from it, as `make sync-notebooks` would."""
    source = folder / "99_demo.py"
    source.write_text(text)
    paired = source.with_suffix(".ipynb")
    jupytext.write(jupytext.read(source), paired)
    return source, paired


def _edit(notebook: Path, index: int, **fields: object) -> None:
    content = json.loads(notebook.read_text())
    content["cells"][index].update(fields)
    notebook.write_text(json.dumps(content, indent=1))


def test_pair_source_maps_either_file_to_the_py_source() -> None:
    assert pair_source("notebooks/01_x.ipynb") == Path("notebooks/01_x.py")
    assert pair_source("notebooks/01_x.py") == Path("notebooks/01_x.py")
    with pytest.raises(ValueError, match="README.md: not a notebook"):
        pair_source("README.md")


def test_a_fresh_pair_is_in_sync_and_clean(tmp_path: Path) -> None:
    source, paired = _pair(tmp_path)
    assert pairing_problems(source) == []
    assert check_pairs([source, paired]) == []
    assert output_problems(paired) == []


def test_an_edited_source_names_the_first_differing_cell(tmp_path: Path) -> None:
    source, paired = _pair(tmp_path)
    before = paired.read_text()
    source.write_text(SOURCE.replace("print(x)", "print(x + 1)"))
    [problem] = pairing_problems(source)
    assert problem.startswith(f"{paired}: cell 3 differs from 99_demo.py in its source")
    assert problem.endswith(SYNC_HINT)
    assert paired.read_text() == before, "a check never rewrites"


def test_a_lost_parameters_tag_is_drift(tmp_path: Path) -> None:
    source, paired = _pair(tmp_path)
    _edit(paired, 0, metadata={})
    [problem] = pairing_problems(source)
    assert "cell 1 differs from 99_demo.py in its tags" in problem


def test_an_extra_cell_and_a_missing_pair_are_reported(tmp_path: Path) -> None:
    source, paired = _pair(tmp_path)
    source.write_text(SOURCE + "\n# %%\ny = 2\n")
    assert pairing_problems(source) == [f"{paired}: 3 cells but 99_demo.py has 4; {SYNC_HINT}"]
    paired.unlink()
    [problem] = check_pairs([source])
    assert problem.startswith(f"{paired}: missing, the pair of 99_demo.py")
    source.unlink()
    assert len(pairing_problems(source)) == 2


def test_outputs_and_execution_counts_are_reported_per_cell(tmp_path: Path) -> None:
    _, paired = _pair(tmp_path)
    stream = {"output_type": "stream", "name": "stdout", "text": ["1\n"]}
    _edit(paired, 2, outputs=[stream], execution_count=3)
    _edit(paired, 0, execution_count=1)
    problems = output_problems(paired)
    assert [p.split(" has ")[0] for p in problems] == [f"{paired}: cell 1", f"{paired}: cell 3"]
    assert "1 output(s), execution count 3" in problems[1]
    assert check_outputs([paired, paired.with_suffix(".py")]) == problems  # sources are not notebooks


def test_malformed_notebook_names_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{\n "cells": [\n  {"cell_type": "code",,}\n ]\n}\n')
    [problem] = output_problems(broken)
    assert problem.startswith(f"{broken}:3: not a notebook, malformed JSON")
    listed = tmp_path / "list.ipynb"
    listed.write_text("[]")
    assert output_problems(listed) == [f"{listed}: not a notebook, no list of cells"]


def test_command_line_exits_1_and_prints_each_problem(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source, paired = _pair(tmp_path)
    assert main(["paired", str(source), str(paired)]) == 0
    assert main(["no-outputs", str(paired)]) == 0
    _edit(paired, 2, execution_count=7)
    assert main(["no-outputs", str(paired)]) == 1
    assert f"{paired}: cell 3 has 0 output(s), execution count 7" in capsys.readouterr().err

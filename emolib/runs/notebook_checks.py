"""Checks of the committed notebooks, run by the pre-commit hooks (``make lint``) and the tests.

Two promises hold for ``notebooks/``:

* every chapter has a py:percent source ``NN_name.py`` and a paired ``NN_name.ipynb`` (for
  JupyterLab users) whose cells match it: same kinds, sources and tags. ``make sync-notebooks``
  (``jupytext --sync``) re-pairs them; these checks only read, they never rewrite a file;
* no committed ``.ipynb`` carries outputs or execution counts: executed notebooks are build products
  (``book/notebooks/``, ``outputs/``), never sources.

Run as ``python -m emolib.runs.notebook_checks paired FILE...`` or ``... no-outputs FILE...``; each prints
one line per problem, naming the file, and exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

SYNC_HINT = "run `make sync-notebooks` (jupytext --sync) and commit both files"
CLEAR_HINT = "clear its outputs (JupyterLab: Edit > Clear Outputs of All Cells)"


def pair_source(path: str | Path) -> Path:
    """The py:percent source of a notebook file: ``NN_name.py`` for ``NN_name.py`` or ``NN_name.ipynb``.

    Raises
    ------
    ValueError
        If ``path`` is neither a ``.py`` nor an ``.ipynb`` file.
    """
    path = Path(path)
    if path.suffix not in (".py", ".ipynb"):
        raise ValueError(f"{path}: not a notebook source (.py) or notebook (.ipynb)")
    return path.with_suffix(".py")


def _cells(path: Path) -> list[tuple[str, str, tuple[str, ...]]]:
    """Kind, source and tags of each cell of a notebook in any format jupytext reads."""
    import jupytext

    notebook = jupytext.read(path)
    return [(c.cell_type, c.source, tuple(c.metadata.get("tags", []))) for c in notebook.cells]


def pairing_problems(source: str | Path) -> list[str]:
    """Where ``source`` (``NN_name.py``) and its paired ``NN_name.ipynb`` disagree.

    Parameters
    ----------
    source
        The py:percent source.

    Returns
    -------
    list of str
        Empty when both exist and hold the same cells (kind, source, tags); otherwise one message
        naming the file and the first cell that differs.
    """
    source = Path(source)
    paired = source.with_suffix(".ipynb")
    missing = [p for p in (source, paired) if not p.is_file()]
    if missing:
        return [f"{p}: missing, the pair of {source.name}; {SYNC_HINT}" for p in missing]
    ours, theirs = _cells(source), _cells(paired)
    for index, (a, b) in enumerate(zip(ours, theirs, strict=False)):
        if a != b:
            what = "kind" if a[0] != b[0] else "source" if a[1] != b[1] else "tags"
            return [f"{paired}: cell {index + 1} differs from {source.name} in its {what}; {SYNC_HINT}"]
    if len(ours) != len(theirs):
        return [f"{paired}: {len(theirs)} cells but {source.name} has {len(ours)}; {SYNC_HINT}"]
    return []


def output_problems(notebook: str | Path) -> list[str]:
    """Code cells of an ``.ipynb`` that carry outputs or an execution count.

    Parameters
    ----------
    notebook
        An ``.ipynb`` file (nbformat 4 JSON).

    Returns
    -------
    list of str
        One message per offending cell (``FILE: cell N ...``), or one naming the file and line where
        the JSON is malformed; empty for a clean notebook.
    """
    path = Path(notebook)
    try:
        content: Any = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        return [f"{path}:{exc.lineno}: not a notebook, malformed JSON ({exc.msg})"]
    cells = content.get("cells") if isinstance(content, dict) else None
    if not isinstance(cells, list):
        return [f"{path}: not a notebook, no list of cells"]
    problems = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        outputs, count = cell.get("outputs") or [], cell.get("execution_count")
        if outputs or count is not None:
            kept = f"{len(outputs)} output(s), execution count {count}"
            problems.append(f"{path}: cell {index + 1} has {kept}; {CLEAR_HINT}")
    return problems


HIDDEN_TAGS = frozenset({"remove-cell", "remove-input", "parameters"})
"""Tags of code cells a reader of the book does not read as the lesson (the parameters have the run box)."""
MAX_VISIBLE_LINES = 15
"""Most non-blank lines of a code cell the book shows (folded or not)."""


def visible_cell_problems(
    source: str | Path, max_lines: int = MAX_VISIBLE_LINES, loops: bool = True
) -> list[str]:
    """What makes a code cell the book shows plumbing rather than the lesson.

    A cell the book shows (not tagged ``remove-cell`` / ``remove-input``) holds no ``glue(...)`` call, no
    ``metrics[...] = ...`` line, at most ``max_lines`` non-blank lines, and, unless ``loops``, no ``for``
    or ``while`` loop (an experiment loop belongs in a documented function of the package).

    Returns
    -------
    list of str
        One line per problem, naming the notebook and the cell's first line.
    """
    import re

    import jupytext

    problems = []
    for cell in jupytext.read(source).cells:
        if cell.cell_type != "code" or HIDDEN_TAGS & set(cell.metadata.get("tags", [])):
            continue
        lines = [line for line in cell.source.splitlines() if line.strip()]
        where = f"{Path(source).name}: cell '{lines[0][:50] if lines else ''}'"
        if "glue(" in cell.source or "glue_values(" in cell.source:
            problems.append(f"{where} glues values (move it to a remove-cell cell)")
        if re.search(r"metrics\[[^\]]*\]\s*=", cell.source):
            problems.append(f"{where} assembles metrics (build them in the package)")
        if len(lines) > max_lines:
            problems.append(f"{where} has {len(lines)} lines, more than {max_lines}")
        if not loops and re.search(r"^\s*(for|while) ", cell.source, re.M):
            problems.append(f"{where} loops (call a documented function of the package)")
    return problems


def check_pairs(paths: Iterable[str | Path]) -> list[str]:
    """:func:`pairing_problems` of every notebook named, each pair checked once."""
    sources = dict.fromkeys(pair_source(p) for p in paths)
    return [problem for source in sources for problem in pairing_problems(source)]


def check_outputs(paths: Iterable[str | Path]) -> list[str]:
    """:func:`output_problems` of every ``.ipynb`` named (other files are ignored)."""
    return [problem for p in paths if Path(p).suffix == ".ipynb" for problem in output_problems(p)]


CHECKS = {"paired": check_pairs, "no-outputs": check_outputs}


def main(argv: Sequence[str] | None = None) -> int:
    """Command line of the pre-commit hooks: ``paired|no-outputs FILE...``; 1 if any problem."""
    parser = argparse.ArgumentParser(prog="python -m emolib.runs.notebook_checks", description=main.__doc__)
    parser.add_argument("check", choices=sorted(CHECKS), help="what to check")
    parser.add_argument("files", nargs="*", type=Path, help="notebooks (.py sources or .ipynb)")
    args = parser.parse_args(argv)
    problems = CHECKS[args.check](args.files)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

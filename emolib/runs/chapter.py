"""The "Run this chapter" box that opens every notebook chapter of the book.

A reader of the rendered book sees each chapter's idea first; the code that sets it up is folded
behind "show code" toggles. What can be changed stays discoverable in the box this module writes:
the exact papermill command (relative paths, run from the project's root), the outputs the run
writes, and a table of the notebook's parameters read from its ``parameters`` cell, so the table can
never drift from the code.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from emolib.runs.kernels import KERNEL_NAME

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
"""The notebook sources of this checkout (``notebooks/NN_name.py``)."""
PARAMETERS_TAG = "parameters"


@dataclass(frozen=True)
class Parameter:
    """One papermill parameter of a notebook: its name, default (as written) and the comment beside it."""

    name: str
    default: str
    meaning: str


def parameters_cell(source: str | Path) -> str:
    """The code of the cell tagged ``parameters`` in a jupytext py:percent source.

    Raises
    ------
    ValueError
        If the source has no such cell (names the file).
    """
    import jupytext

    notebook = jupytext.read(Path(source))
    for cell in notebook.cells:
        if cell.cell_type == "code" and PARAMETERS_TAG in cell.metadata.get("tags", []):
            return cell.source
    raise ValueError(f"{source}: no cell tagged {PARAMETERS_TAG!r}")


def parse_parameters(code: str) -> list[Parameter]:
    """The assignments of a parameters cell, in order, with the ``# comment`` of their first line.

    Parameters
    ----------
    code
        The cell's code: one ``name = value  # meaning`` per parameter.
    """
    comments = {
        token.start[0]: token.string.lstrip("#").strip()
        for token in tokenize.generate_tokens(io.StringIO(code).readline)
        if token.type == tokenize.COMMENT
    }
    found = []
    for node in ast.parse(code).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            default = ast.get_source_segment(code, node.value) or ""
            meaning = comments.get(node.lineno) or comments.get(node.end_lineno or node.lineno, "")
            found.append(Parameter(node.targets[0].id, default, meaning))
    return found


def notebook_parameters(stem: str, folder: str | Path | None = None) -> list[Parameter]:
    """The parameters of notebook ``stem`` (``"04_lstm_training"``) from its source in ``folder``.

    ``folder`` defaults to the working directory when it holds the source (papermill and JupyterLab
    run the notebooks from ``notebooks/``), else this checkout's ``notebooks/``.
    """
    if folder is None:
        folder = Path.cwd() if (Path.cwd() / f"{stem}.py").is_file() else NOTEBOOKS_DIR
    return parse_parameters(parameters_cell(Path(folder) / f"{stem}.py"))


def papermill_command(stem: str, examples: Mapping[str, str] | None = None) -> str:
    """The papermill command that runs notebook ``stem`` from the project's root, as a shell line.

    Parameters
    ----------
    stem
        The notebook's name without suffix.
    examples
        Parameters shown with ``-p`` besides ``data_dir`` and ``output_dir`` (name -> value as typed).
    """
    shown = {"data_dir": "../data/sample", "output_dir": f"../outputs/{stem}", **dict(examples or {})}
    options = " \\\n    ".join(f"-p {name} {value}" for name, value in shown.items())
    return (
        f"papermill notebooks/{stem}.ipynb outputs/{stem}.ipynb --cwd notebooks -k {KERNEL_NAME} \\\n"
        f"    {options}"
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "\\<").replace("\n", " ")


def run_box_markdown(
    stem: str,
    writes: Mapping[str, str],
    examples: Mapping[str, str] | None = None,
    folder: str | Path | None = None,
) -> str:
    """MyST Markdown of the chapter's "Run this chapter" box.

    Parameters
    ----------
    stem
        The notebook's name (``"04_lstm_training"``).
    writes
        What the run writes into its ``output_dir``: file or folder name -> what it holds.
    examples
        Extra ``-p`` parameters shown in the command.
    folder
        Folder of the notebook sources (see :func:`notebook_parameters`).
    """
    params = notebook_parameters(stem, folder)
    table = "\n".join(f"| `{p.name}` | `{_cell(p.default)}` | {_cell(p.meaning)} |" for p in params)
    outputs = "\n".join(f"- `{name}`: {what}" for name, what in writes.items())
    return f"""::::{{admonition}} Run this chapter
:class: tip

From the project's root, after `make install` (which also registers the `{KERNEL_NAME}` kernel):

```bash
{papermill_command(stem, examples)}
```

Any parameter below can be given with `-p NAME VALUE` (`-y` for lists and dictionaries); `data_dir`
may point at the real dataset. Keras runs on TensorFlow unless `KERAS_BACKEND` says otherwise where
the run starts: on a GPU server with PyTorch or JAX, put `KERAS_BACKEND=jax` (or `torch`) in front of
the command, or of `make lab`; the kernel keeps it. The run writes into `output_dir`:

{outputs}

:::{{admonition}} The {len(params)} parameters of this chapter
:class: dropdown

| parameter | default | meaning |
|---|---|---|
{table}
:::
::::
"""


def run_box(
    stem: str,
    writes: Mapping[str, str],
    examples: Mapping[str, str] | None = None,
    folder: str | Path | None = None,
) -> object:
    """The "Run this chapter" box as a displayable Markdown object (see :func:`run_box_markdown`)."""
    from IPython.display import Markdown

    return Markdown(run_box_markdown(stem, writes, examples, folder))

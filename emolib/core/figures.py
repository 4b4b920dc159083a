"""Figures and values of the notebooks: saved into the run's output folder and glued for the book."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from emolib.core.atomic import atomic_path


def figure_saver(output_dir: str | Path, dpi: int = 110) -> Callable[[str, plt.Figure], Path]:
    """A ``show(name, fig)`` for a notebook: PNG into ``output_dir``, glued under ``name``, closed.

    The PNG is written atomically and that same PNG is glued: it is what the book's
    ``{glue:figure}`` directives show with a numbered caption, so a figure appears once in the book
    and once as a file beside the run's metrics, whatever matplotlib backend the kernel runs.

    Parameters
    ----------
    output_dir
        The notebook's ``output_dir`` (created if missing).
    dpi
        Resolution of the saved PNG.

    Returns
    -------
    callable
        ``show(name, fig) -> Path`` of the saved PNG.
    """
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)

    def show(name: str, fig: plt.Figure) -> Path:
        from IPython.display import Image
        from myst_nb import glue

        path = out / f"{name}.png"
        with atomic_path(path) as part:
            fig.savefig(part, dpi=dpi, bbox_inches="tight", format="png")
        # the PNG itself, not the Figure: a Figure is rendered by the kernel's matplotlib backend, and
        # under a non-inline one (MPLBACKEND=Agg, as `make` exports) the book only got its text repr
        glue(name, Image(data=path.read_bytes(), format="png"), display=False)
        plt.close(fig)
        return path

    return show


def glue_values(values: Mapping[str, Any]) -> None:
    """Glue every value under its key, without displaying it (the book's ``{glue:text}`` reads them).

    A notebook computes its chapter's values in the package and glues them in one call, in a cell the
    book does not show, so that the cells a reader sees hold the lesson, not the plumbing.
    """
    from myst_nb import glue

    for name, value in values.items():
        glue(name, value, display=False)

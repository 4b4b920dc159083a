"""The notebooks' figure helper saves, glues and closes."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from emolib.core.figures import figure_saver  # noqa: E402


def test_figure_is_saved_glued_and_closed(tmp_path: Path, capsys) -> None:
    show = figure_saver(tmp_path / "out")
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    path = show("fig_line", fig)
    assert path == tmp_path / "out" / "fig_line.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not plt.fignum_exists(fig.number)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["fig_line.png"]  # no temporary left


def test_the_saved_png_is_what_is_glued_whatever_the_backend(tmp_path: Path, monkeypatch) -> None:
    import myst_nb
    from IPython.display import Image

    glued = {}
    monkeypatch.setattr(myst_nb, "glue", lambda name, obj, display=True: glued.update({name: obj}))
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    path = figure_saver(tmp_path)("fig_line", fig)
    assert isinstance(glued["fig_line"], Image)  # not the Figure, whose rendering depends on the backend
    assert glued["fig_line"].data == path.read_bytes()

"""The book's Sphinx extension (``book/_ext/emolib_book.py``): a page that quotes a notebook's glued values
is read again when the notebook changes, so an incremental ``make book`` never shows stale numbers."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
from emolib_book import quoted_notebooks  # noqa: E402


def test_quoted_notebooks_are_found_once_each_in_order() -> None:
    text = (
        "A {glue:text}`notebooks/07_evaluation.ipynb::res_a:s` and {glue:text}`notebooks/05.ipynb::x:s`\n"
        "then {glue:text}`notebooks/07_evaluation.ipynb::res_b:.3f`; a local {glue:text}`key:s`, `code::x`.\n"
        "```{glue} a_2018_table\n:doc: notebooks/06.ipynb\n```\n"
    )
    expected = ["notebooks/07_evaluation.ipynb", "notebooks/05.ipynb", "notebooks/06.ipynb"]
    assert quoted_notebooks(text) == expected
    assert quoted_notebooks("no glue here") == []


def _notebook(path: Path, value: str) -> None:
    record = "application/papermill.record/"
    output = nbformat.v4.new_output(
        "display_data",
        data={f"{record}text/plain": repr(value)},
        metadata={"scrapbook": {"mime_prefix": record, "name": "answer"}},
    )
    cell = nbformat.v4.new_code_cell("glue('answer', value)", outputs=[output])
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# The notebook"), cell])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def test_a_page_quoting_a_notebook_is_rebuilt_when_the_notebook_changes(tmp_path: Path) -> None:
    application = pytest.importorskip("sphinx.application")
    crossref = pytest.importorskip("myst_nb.ext.glue.crossref")
    read_glue_cache = crossref.read_glue_cache
    src, out = tmp_path / "src", tmp_path / "html"
    (src / "notebooks").mkdir(parents=True)
    (src / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'book' / '_ext')!r})\n"
        "extensions = ['myst_nb', 'emolib_book']\nnb_execution_mode = 'off'\n"
        "exclude_patterns = ['_build']\n"
    )
    (src / "index.md").write_text("# Book\n\n```{toctree}\nnotebooks/run\nresults\n```\n")
    (src / "results.md").write_text(
        "# Results\n\nThe answer is {glue:text}`notebooks/run.ipynb::answer:s`.\n\n"
        "```{glue} answer\n:doc: notebooks/run.ipynb\n```\n"
    )
    _notebook(src / "notebooks" / "run.ipynb", "forty-one")

    def build() -> str:
        read_glue_cache.cache_clear()  # myst-nb caches glue in its process; each book build is a new one
        app = application.Sphinx(str(src), str(src), str(out), str(tmp_path / "doctrees"), "html",
                                 status=None, warning=None, freshenv=False)  # fmt: skip
        app.build()
        return (out / "results.html").read_text()

    assert "forty-one" in build()
    _notebook(src / "notebooks" / "run.ipynb", "forty-two")  # the notebook re-executed; the page unchanged
    page = build()
    assert page.count("forty-two") == 2 and "forty-one" not in page  # the role and the directive

"""Sphinx glue for the emolib book.

Jupyter Book 1 registers some extensions' inline scripts twice (``const THEBE_JS_URL`` among them),
which the browser rejects with "Identifier has already been declared". This extension keeps the
first copy of every script on each page, so the rendered book loads without console errors.

A page that quotes a notebook's glued values (``{glue:text}`notebooks/07_evaluation.ipynb::key```) reads
them when Sphinx reads the page, and Sphinx re-reads only pages whose own file changed: after a build that
re-executed the notebook, the Results chapter would keep the old numbers. This extension makes every
notebook a page quotes a dependency of that page, so an incremental build re-reads it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_QUOTED_NOTEBOOK = re.compile(r"`([^`:\s]+\.ipynb)::|^:doc:\s*(\S+\.ipynb)\s*$", re.M)
"""The notebook of a cross-document glue reference, as written in the page (relative to it): a role's
``path::key`` or a glue directive's ``:doc:`` option."""


def quoted_notebooks(text: str) -> list[str]:
    """The notebooks whose glued values a page's source quotes, each once, in order of first quote."""
    return list(dict.fromkeys(role or directive for role, directive in _QUOTED_NOTEBOOK.findall(text)))


def note_quoted_notebooks(app: Any, docname: str, source: list[str]) -> None:
    """Make each notebook the page quotes a dependency of it (re-read when the notebook changes)."""
    folder = Path(app.env.doc2path(docname)).parent
    for name in quoted_notebooks(source[0]):
        path = (folder / name).resolve()
        if path.is_file():
            app.env.note_dependency(str(path))


def _script_key(script: Any) -> tuple[str, tuple[tuple[str, str], ...]]:
    attributes = getattr(script, "attributes", {}) or {}
    filename = getattr(script, "filename", str(script)) or ""  # not the priority: copies differ in it
    return str(filename), tuple(sorted((str(k), str(v)) for k, v in attributes.items()))


def dedupe_scripts(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    """Drop repeated entries of the page's script list (same file, same attributes and body)."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    unique = []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app: Any) -> dict[str, Any]:
    """Register the page hook (runs after the extensions that add the scripts) and the glue dependencies."""
    app.connect("html-page-context", dedupe_scripts, priority=900)
    app.connect("source-read", note_quoted_notebooks)
    # env_version: a build environment from before the glue dependencies is read afresh once
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}

"""environment.yml (conda) and pyproject.toml (pip) must describe the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names that differ from the Python package index's
CONDA_TO_PYPI = {"pysoundfile": "soundfile"}


def _split(requirement: str) -> tuple[str, str]:
    """Split ``'name>=1,<2'`` into a normalised name and a normalised specifier set."""
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(\[[^\]]*\])?\s*(.*)$", requirement)
    assert match, f"cannot parse requirement {requirement!r}"
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
    spec = ",".join(sorted(s.strip() for s in match.group(3).replace(" ", "").split(",") if s.strip()))
    return CONDA_TO_PYPI.get(name, name), spec


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    reqs = list(project["dependencies"]) + list(extras["dev"]) + list(extras["lab"])  # conda gets Lab too
    return dict(_split(r) for r in reqs)


def environment_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out: dict[str, str] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            out.update(_split(r) for r in dep["pip"])
        elif not re.match(r"^(python|pip)\b", dep):
            out.update([_split(dep)])
    return out


def test_environment_matches_pyproject() -> None:
    pip, conda = pyproject_requirements(), environment_requirements()
    assert set(pip) == set(conda), (
        f"only in pyproject.toml: {sorted(set(pip) - set(conda))}; "
        f"only in environment.yml: {sorted(set(conda) - set(pip))}"
    )
    differing = {name: (pip[name], conda[name]) for name in pip if pip[name] != conda[name]}
    assert not differing, f"version bounds differ (pyproject, environment.yml): {differing}"


def test_environment_python_is_supported() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    minimum = tuple(int(x) for x in requires.removeprefix(">=").split("."))
    assert tuple(int(x) for x in python.split("=")[1].split(".")) >= minimum


def test_split_normalises_names_and_specifiers() -> None:
    assert _split("Jupyter_Book >=1.0.2, <2") == ("jupyter-book", "<2,>=1.0.2")
    assert _split("pysoundfile>=0.12") == ("soundfile", ">=0.12")

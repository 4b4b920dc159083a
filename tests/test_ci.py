"""The contributors' tooling: GitHub workflows in step with .ci/run, and the pre-commit hooks green.

The ``tests`` workflow must run what CI runs (``.ci/run``: the README's two commands, the book built
once and read by the tests) after the shared set-up, upload exactly what a failing run leaves behind
(tests/artifacts.py and the Makefile's ``TEST_REPORT``), and publish the book that run built to GitHub
Pages instead of building it a second time; these tests read the YAML files so neither side can drift
silently.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from artifacts import BOOK_LOG, FAILED_NOTEBOOKS, JUNIT_REPORT, keep_failed_notebooks
from conftest import BOOK_MODE

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
SETUP_ACTION = ROOT / ".github" / "actions" / "setup" / "action.yml"
SETUP_USES = "./.github/actions/setup"
BROWSER_SCRIPT = ".ci/install-browser"


def _load(path: Path) -> dict[str, Any]:
    spec = yaml.safe_load(path.read_text())
    assert isinstance(spec, dict), f"{path}: not a mapping"
    return spec


def _triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    """The ``on:`` section (YAML 1.1, which PyYAML reads, turns the bare key ``on`` into True)."""
    return workflow.get("on", workflow.get(True)) or {}


def _steps(workflow: dict[str, Any], job: str) -> list[dict[str, Any]]:
    return workflow["jobs"][job]["steps"]


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_every_workflow_and_the_setup_action_parse() -> None:
    files = sorted(WORKFLOWS.glob("*.yml")) + [SETUP_ACTION]
    assert {p.name for p in files} == {"tests.yml", "action.yml"}, (
        "one workflow builds and publishes the book"
    )
    for path in files:
        spec = _load(path)
        assert "jobs" in spec or spec.get("runs", {}).get("using") == "composite", path


def test_tests_workflow_runs_on_pull_requests_main_and_weekly() -> None:
    triggers = _triggers(_load(WORKFLOWS / "tests.yml"))
    assert "pull_request" in triggers
    assert triggers["push"]["branches"] == ["main"]
    [cron] = [entry["cron"] for entry in triggers["schedule"]]
    minute, hour, day, month, weekday = cron.split()
    assert (day, month) == ("*", "*") and weekday.isdigit(), f"not weekly: {cron}"


def test_tests_workflow_runs_exactly_ci_run_after_the_shared_setup() -> None:
    steps = _steps(_load(WORKFLOWS / "tests.yml"), "tests")
    assert steps[0]["uses"].startswith("actions/checkout@")
    assert steps[1]["uses"] == SETUP_USES and steps[1]["with"]["browser"] == "true"
    commands = [step["run"].strip() for step in steps if "run" in step]
    assert commands == ["bash .ci/run"], "the job runs what CI runs, and nothing else"
    ci_run = (ROOT / ".ci" / "run").read_text()
    assert BROWSER_SCRIPT in ci_run
    lines = [line.strip() for line in ci_run.splitlines()]
    book = lines.index("make book || book=$?")
    tests = lines.index(f"{BOOK_MODE}=clone make test || tests=$?")
    assert book < tests, "the tests read the book `make book` built: they never execute it a second time"
    assert lines[-2:] == ['if [ "$book" != 0 ]; then exit "$book"; fi', 'exit "$tests"']


def test_shared_setup_is_python_311_with_pip_cache_and_the_ci_browser() -> None:
    action = _load(SETUP_ACTION)
    assert action["runs"]["using"] == "composite"
    python = next(s for s in action["runs"]["steps"] if s.get("uses", "").startswith("actions/setup-python@"))
    assert python["with"] == {
        "python-version": "3.11",
        "cache": "pip",
        "cache-dependency-path": "pyproject.toml",
    }
    browser = next(s for s in action["runs"]["steps"] if "inputs.browser" in str(s.get("if", "")))
    assert f"sudo bash {BROWSER_SCRIPT}" in browser["run"], "the same install as .ci/run's, with sudo"
    assert os.access(ROOT / BROWSER_SCRIPT, os.X_OK)


def test_workflows_reuse_the_setup_instead_of_a_copy() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        for name, job in _load(path)["jobs"].items():
            uses = [step.get("uses", "") for step in job.get("steps", [])]
            assert not any(u.startswith("actions/setup-python@") for u in uses), f"{path.name}:{name}"


def test_pages_publish_the_book_the_tests_job_built_on_pushes_to_main() -> None:
    workflow = _load(WORKFLOWS / "tests.yml")
    on_main = "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    [upload] = [
        s for s in _steps(workflow, "tests") if s.get("uses", "").startswith("actions/upload-pages-artifact@")
    ]
    assert upload["if"] == on_main and upload["with"]["path"] == "book/_build/html"
    assert (
        "The book is at book/_build/html/index.html" in (ROOT / "Makefile").read_text()
    )  # `make book`'s HTML
    pages = workflow["jobs"]["pages"]
    assert pages["needs"] == "tests" and pages["if"] == on_main
    assert [s.get("uses", "").split("@")[0] for s in pages["steps"]] == ["actions/deploy-pages"]
    assert not any("run" in s for s in pages["steps"]), "the pages job builds nothing"
    assert pages["permissions"] == {"pages": "write", "id-token": "write"}
    assert workflow["permissions"] == {"contents": "read"}, "only the pages job may write to Pages"
    assert pages["environment"]["name"] == "github-pages"


def _failure_upload(workflow: str, job: str) -> list[str]:
    """Paths of the job's upload-artifact step that runs on failure."""
    [step] = [
        s
        for s in _steps(_load(WORKFLOWS / workflow), job)
        if s.get("uses", "").startswith("actions/upload-artifact@") and "failure()" in str(s.get("if"))
    ]
    return step["with"]["path"].split()


def test_tests_workflow_uploads_what_a_failing_run_leaves(tmp_path: Path) -> None:
    paths = _failure_upload("tests.yml", "tests")
    assert "outputs/**/FAILED.ipynb" in paths
    assert _relative(BOOK_LOG) in paths and _relative(JUNIT_REPORT) in paths
    makefile = (ROOT / "Makefile").read_text()
    assert f"TEST_REPORT ?= {_relative(JUNIT_REPORT)}" in makefile
    assert re.search(r"^\t\$\(BIN\)/python -m pytest --junitxml=\$\(TEST_REPORT\)$", makefile, re.M)
    # the copies the built_book fixture keeps are matched by the uploaded pattern
    executed = tmp_path / "executed"
    (executed / "04_lstm_training").mkdir(parents=True)
    (executed / "04_lstm_training" / "FAILED.ipynb").write_text("{}")
    (executed / "01_dataset_exploration").mkdir()
    (executed / "01_dataset_exploration" / "metrics.json").write_text("{}")
    clone = tmp_path / "clone"
    kept = keep_failed_notebooks(executed, clone / FAILED_NOTEBOOKS.relative_to(ROOT))
    assert sorted(clone.glob("outputs/**/FAILED.ipynb")) == kept and len(kept) == 1
    assert not list(clone.rglob("metrics.json")), "only failed notebooks are kept"


def test_keep_failed_notebooks_drops_an_earlier_runs_copies(tmp_path: Path) -> None:
    dest = tmp_path / "kept"
    (dest / "05_autoencoder").mkdir(parents=True)
    (dest / "05_autoencoder" / "FAILED.ipynb").write_text("stale")
    assert keep_failed_notebooks(tmp_path / "nothing-failed", dest) == []
    assert not dest.exists()


def test_actionlint_finds_no_problem() -> None:
    actionlint = shutil.which("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed (its PyPI wrapper downloads a binary at build time)")
    done = subprocess.run([actionlint, "-no-color"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_pre_commit_hooks_pass_on_the_repository(tmp_path: Path) -> None:
    """``make lint``: every hook of .pre-commit-config.yaml on every tracked file."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout: pre-commit lists the files to check with git")
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    command = [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"`make lint` fails:\n{done.stdout[-6000:]}{done.stderr[-2000:]}"
    repos = _load(ROOT / ".pre-commit-config.yaml")["repos"]
    assert {repo["repo"] for repo in repos} == {"local"}, "no hook is fetched from a git URL"
    hooks = {h["id"] for repo in repos for h in repo["hooks"]}
    assert hooks >= {"ruff-check", "ruff-format", "notebooks-paired", "notebooks-no-outputs"}
    assert hooks >= {"check-added-large-files", "check-merge-conflict"}

"""The book re-executes only what changed: the key of a run's inputs, reuse, ``--force``, the time table.

The key must change when any one input changes (the notebook, emolib's sources, the sample, a parameter,
the Keras backend, a library's version, an upstream run's key, a file the run searches for or reads)
and stay the same otherwise (another file of the clone, the clock, where the clone lives). The build
loop is tested with a stand-in for papermill that writes the executed notebook, so it runs in seconds.
"""

from __future__ import annotations

import json
import os
import runpy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import clone_book_problems

from emolib.runs import notebooks, run_cache
from emolib.runs.cli import main
from emolib.runs.notebooks import (
    BOOK_EXTRA_RUNS,
    Book,
    NotebookFailed,
    discover,
    execute_all,
    execute_runs,
    outdated,
)
from emolib.runs.run_cache import (
    KEY_FILE,
    Roots,
    Run,
    data_identity,
    environment,
    keras_backend,
    portable,
    run_inputs,
    run_key,
)
from emolib.runs.run_times import TIMES_MARKDOWN, RunTime, read_times, times_markdown, write_markdown

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = {"generator": "emolib.synth", "version": "1.4", "profile": "tiny", "seed": 0,
            "movies": [{"name": "A", "files": ["mediaeval2017/movies/A.mp4"]}]}  # fmt: skip


def _clone(root: Path) -> Path:
    """A stand-in clone: a notebook, a package, a sample, outputs with an upstream run's metrics."""
    (root / "notebooks").mkdir(parents=True)
    (root / "notebooks" / "07_eval.py").write_text('# %% tags=["parameters"]\noutput_dir = "o"\n')
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "sub" / "model.py").write_text("UNITS = 64\n")
    (root / "data" / "sample" / "mediaeval2017" / "movies").mkdir(parents=True)
    (root / "data" / "sample" / "mediaeval2017" / "movies" / "A.mp4").write_bytes(b"movie")
    (root / "data" / "sample" / "manifest.json").write_text(json.dumps(MANIFEST))
    (root / "outputs" / "04" / "fold-1").mkdir(parents=True)
    (root / "outputs" / "04" / "fold-1" / "metrics.json").write_text('{"kind": "fold-run"}')
    (root / "benchmarks").mkdir()
    (root / "benchmarks" / "features.json").write_text("{}")
    return root


def _key(clone: Path, env: dict[str, str] | None = None, upstream: str = "u1", **changes: Any) -> str:
    data, outputs = clone / "data" / "sample", clone / "outputs"
    parameters = {"data_dir": str(data), "output_dir": str(outputs / "07_eval"), "fold": 1,
                  "test_dir": str(data / "mediaeval2017test"), "runs": [str(outputs / "04")]}  # fmt: skip
    run = Run(
        "07_eval", clone / "notebooks" / "07_eval.py", clone / "book" / "07_eval.ipynb",
        {**parameters, **changes}, upstream=("04",), reads=("**/metrics.json",), reads_root=outputs,
        files=(clone / "benchmarks" / "features.json",),
    )  # fmt: skip
    shared = environment(env if env is not None else {}, package=clone / "pkg")
    return run_key(run_inputs(run, Roots(data, outputs, clone), shared, {"04": upstream}))


def _edit(path: Path, text: str) -> Callable[[Path], None]:
    return lambda clone: (clone / path).write_text(text)


def test_the_key_changes_with_each_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clone = _clone(tmp_path / "clone")
    base = _key(clone)
    assert base == _key(clone) and len(base) == 64
    assert _key(clone, fold=2) != base  # a parameter
    assert _key(clone, env={"KERAS_BACKEND": "jax"}) != base  # the backend
    assert _key(clone, upstream="u2") != base  # an upstream run ran again
    edits = {
        "the notebook": _edit(Path("notebooks/07_eval.py"), '# %% tags=["parameters"]\noutput_dir = "p"\n'),
        "emolib's sources": _edit(Path("pkg/sub/model.py"), "UNITS = 32\n"),
        "a new module": _edit(Path("pkg/sub/new.py"), ""),
        "the sample": _edit(Path("data/sample/manifest.json"), json.dumps({**MANIFEST, "seed": 1})),
        "a run it gathers": _edit(Path("outputs/04/fold-1/metrics.json"), '{"kind": "fold-run", "x": 1}'),
        "a sweep's new run": _edit(Path("outputs/folds/a/fold0/metrics.json"), "{}"),
        "a project file it reads": _edit(Path("benchmarks/features.json"), '{"fps": 1}'),
    }
    for what, edit in edits.items():
        changed = _clone(tmp_path / what.replace(" ", "-"))
        (changed / "outputs" / "folds" / "a" / "fold0").mkdir(parents=True)
        edit(changed)
        assert _key(changed) != base, what
    real = run_cache._version
    monkeypatch.setattr(run_cache, "_version", lambda name: "0.0" if name == "numpy" else real(name))
    assert _key(clone) != base  # a library's version


def test_the_key_ignores_other_files_the_clock_and_where_the_clone_lives(tmp_path: Path) -> None:
    clone = _clone(tmp_path / "here")
    base = _key(clone)
    moved = tmp_path / "elsewhere" / "deeper" / "clone"
    shutil.copytree(clone, moved)
    assert _key(moved) == base  # the absolute location of the clone
    (clone / "README.md").write_text("a sentence")  # a file no run reads
    (clone / "data" / "sample" / "features").mkdir()
    (clone / "data" / "sample" / "features" / "A.h5").write_bytes(b"store")  # written by notebooks
    (clone / "pkg" / "__pycache__").mkdir()
    (clone / "pkg" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"compiled")
    (clone / "outputs" / "07_eval").mkdir()
    (clone / "outputs" / "07_eval" / "metrics.json").write_text("{}")  # the run's own outputs
    (clone / "outputs" / "04" / "kernel.log").write_text("log")  # not a file it searches for
    for path in clone.rglob("*"):  # the clock: every file touched an hour later
        os.utime(path, (path.stat().st_atime + 3600, path.stat().st_mtime + 3600))
    assert _key(clone) == base


def test_data_is_known_by_its_manifest_or_by_its_files(tmp_path: Path) -> None:
    sample = _clone(tmp_path / "clone") / "data" / "sample"
    known = data_identity(sample)
    assert known["sample"] == {"generator": "emolib.synth", "version": "1.4", "profile": "tiny", "seed": 0}
    real = tmp_path / "real"
    (real / "features").mkdir(parents=True)
    (real / "a.txt").write_text("1")
    first = data_identity(real)
    (real / "features" / "x.h5").write_text("store")
    assert data_identity(real) == first and first["count"] == 1
    (real / "a.txt").write_text("12")
    assert data_identity(real) != first
    assert data_identity(tmp_path / "missing") == {"missing": True}


def test_paths_are_written_relative_to_the_data_the_outputs_or_the_project() -> None:
    roots = Roots(data=Path("/c/data/sample"), outputs=Path("/c/outputs"), project=Path("/c"))
    params = {"data_dir": "/c/data/sample", "test_dir": "/c/data/sample/t",
              "output_dir": "/c/outputs/04/fold-1", "notebook": Path("/c/notebooks/x.py"),
              "store": "/srv/store", "visual": ["c3d"], "n": 3}  # fmt: skip
    assert portable(params, roots) == {
        "data_dir": "<data>", "test_dir": "<data>/t", "output_dir": "<outputs>/04/fold-1",
        "notebook": "<project>/notebooks/x.py", "store": "/srv/store", "visual": ["c3d"], "n": 3,
    }  # fmt: skip


def test_the_backend_is_the_variable_else_keras_json_else_tensorflow(tmp_path: Path) -> None:
    assert keras_backend({"KERAS_BACKEND": "torch", "KERAS_HOME": str(tmp_path)}) == "torch"
    assert keras_backend({"KERAS_HOME": str(tmp_path)}) == "tensorflow"
    (tmp_path / "keras.json").write_text('{"backend": "jax"}')
    assert keras_backend({"KERAS_HOME": str(tmp_path)}) == "jax"
    assert "jax" in environment({"KERAS_BACKEND": "jax"})["libraries"]
    assert "torch" not in environment({"KERAS_BACKEND": "jax"})["libraries"]


def test_the_book_plan_names_every_run_and_what_it_reads(tmp_path: Path) -> None:
    data = tmp_path / "sample"
    (data / "mediaeval2017test").mkdir(parents=True)
    parameters = {"data_dir": str(data)}
    runs = Book(
        discover(ROOT / "notebooks"), tmp_path / "book", parameters, tmp_path / "out", BOOK_EXTRA_RUNS
    ).runs()
    by_name = {run.name: run for run in runs}
    fours = [
        "04_lstm_training",
        *(f"04_lstm_training/fold-{k}" for k in (1, 2, 3)),
        "04_lstm_training_test_set",
    ]
    assert [r.name for r in runs if r.name.startswith("04")] == fours
    assert by_name["07_evaluation"].upstream == (*fours, "05_autoencoder")
    assert by_name["06_activation_maps"].upstream == ("05_autoencoder",)
    assert by_name["04_lstm_training"].upstream == () and by_name["05_autoencoder"].upstream == ()
    assert (
        by_name["07_evaluation"].reads and by_name["07_evaluation"].reads_root == (tmp_path / "out").resolve()
    )
    assert [f.name for f in by_name["03_feature_extraction"].files] == ["features.json"]
    assert all(f.is_file() for f in by_name["03_feature_extraction"].files)
    fold = by_name["04_lstm_training/fold-1"]
    assert (
        fold.parameters["fold"] == 1
        and fold.output_dir == (tmp_path / "out" / "04_lstm_training" / "fold-1").resolve()
    )
    assert fold.executed == fold.output_dir / "04_lstm_training.ipynb"
    assert by_name["04_lstm_training_test_set"].parameters["test_dir"] == str(data / "mediaeval2017test")
    assert by_name["01_dataset_exploration"].executed == tmp_path / "book" / "01_dataset_exploration.ipynb"


class _Papermill:
    """Stands in for :func:`emolib.runs.notebooks.execute`: writes the outputs and the executed notebook."""

    def __init__(self) -> None:
        self.ran: list[str] = []
        self.fail: set[str] = set()

    def __call__(self, source: Path, output: Path, parameters: dict, failed_copy: Path | None = None) -> Path:
        out = Path(parameters["output_dir"])
        out.mkdir(parents=True, exist_ok=True)
        if Path(source).stem in self.fail:
            Path(failed_copy).write_text("{}")
            raise NotebookFailed(f"{Path(source).name} failed in cell 2: RuntimeError")
        self.ran.append(out.name)
        (out / "metrics.json").write_text(json.dumps({"from": Path(source).read_text()}))
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text("{}")
        return Path(output)


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, _Papermill]:
    """Three notebooks, the last reading the first (as 07 reads 04), built with a stand-in papermill."""
    sources = tmp_path / "notebooks"
    sources.mkdir()
    for name in ["01_a", "02_b", "03_c"]:
        (sources / f"{name}.py").write_text(f"# {name}\n")
    (tmp_path / "sample").mkdir()
    (tmp_path / "sample" / "manifest.json").write_text(json.dumps(MANIFEST))
    papermill = _Papermill()
    monkeypatch.setattr(notebooks, "execute", papermill)
    monkeypatch.setitem(notebooks.BOOK_READS, "03_c", ("01_a",))
    return tmp_path, papermill


def _build(root: Path, capsys: pytest.CaptureFixture[str], **options: Any) -> list[str]:
    options.setdefault("workers", 1)  # one run at a time: the order of the lines is the runs' order
    parameters = {"data_dir": str(root / "sample"), "profile": "tiny", "seed": 0}
    execute_all(Book(discover(root / "notebooks"), root / "book", parameters, root / "outputs"), **options)
    return capsys.readouterr().out.splitlines()


def test_a_second_build_reuses_every_run_and_prints_one_line_each(book, capsys) -> None:
    root, papermill = book
    first = _build(root, capsys)
    assert papermill.ran == ["01_a", "02_b", "03_c"]
    assert [line.split(" (")[0] for line in first] == ["ran  01_a", "ran  02_b", "ran  03_c"]
    assert all(line.endswith(" s)") for line in first)
    second = _build(root, capsys)
    assert papermill.ran == ["01_a", "02_b", "03_c"]  # nothing executed again
    key = json.loads((root / "outputs" / "02_b" / KEY_FILE).read_text())["key"]
    assert second[1] == f"reused 02_b (key {key[:12]})"
    assert [line.split(" (")[0] for line in second] == ["reused 01_a", "reused 02_b", "reused 03_c"]
    times = read_times(root / "outputs")
    assert [(t.run, t.reused) for t in times] == [("01_a", True), ("02_b", True), ("03_c", True)]
    assert all(t.seconds >= 0 and t.cpus >= 1 for t in times)


def test_a_changed_notebook_runs_again_with_the_runs_that_read_it(book, capsys) -> None:
    root, papermill = book
    _build(root, capsys)
    (root / "notebooks" / "01_a.py").write_text("# 01_a, a sentence changed\n")
    lines = _build(root, capsys)
    assert papermill.ran[3:] == ["01_a", "03_c"]  # 03 reads 01's outputs; 02 does not
    assert lines[1].startswith("reused 02_b")
    (root / "notebooks" / "03_c.py").write_text("# 03_c changed\n")
    _build(root, capsys)
    assert papermill.ran[5:] == ["03_c"]


def test_force_reruns_everything_and_only_chooses_notebooks(book, capsys) -> None:
    root, papermill = book
    _build(root, capsys)
    _build(root, capsys, force=True)
    assert papermill.ran[3:] == ["01_a", "02_b", "03_c"]
    (root / "notebooks" / "01_a.py").write_text("# changed\n")
    lines = _build(root, capsys, only=["03"])
    assert papermill.ran[6:] == [] and lines[-1].startswith("reused 03_c")  # 01 has not run again yet
    _build(root, capsys, only=["01"])
    _build(root, capsys, only=["03"])
    assert papermill.ran[6:] == ["01_a", "03_c"]  # 03 reads 01's new key, recorded by the earlier build
    assert [t.run for t in read_times(root / "outputs")] == ["01_a", "02_b", "03_c"]  # the whole table


def test_a_run_without_its_executed_notebook_or_key_runs_again(book, capsys) -> None:
    root, papermill = book
    _build(root, capsys)
    (root / "book" / "02_b.ipynb").unlink()  # outputs incomplete
    (root / "outputs" / "01_a" / KEY_FILE).unlink()  # a run killed before its key was written
    _build(root, capsys)
    assert papermill.ran[3:] == ["01_a", "02_b"]  # 01's key is the same: 03 is reused


def test_a_failing_run_records_no_key_and_runs_again_next_time(book, capsys) -> None:
    root, papermill = book
    _build(root, capsys)
    (root / "notebooks" / "02_b.py").write_text("# 02_b broken\n")
    papermill.fail.add("02_b")
    with pytest.raises(NotebookFailed):
        _build(root, capsys)
    assert not (root / "outputs" / "02_b" / KEY_FILE).exists()  # removed before the run started
    assert (root / "outputs" / "02_b" / "FAILED.ipynb").is_file()
    assert [t.run for t in read_times(root / "outputs")] == ["01_a"]  # the runs before the failure
    papermill.fail.clear()
    _build(root, capsys)
    assert papermill.ran[3:] == ["02_b"] and not (root / "outputs" / "02_b" / "FAILED.ipynb").exists()


def test_outdated_lists_what_a_build_would_run(book, capsys) -> None:
    root, _ = book
    parameters = {"data_dir": str(root / "sample"), "profile": "tiny", "seed": 0}
    book = Book(discover(root / "notebooks"), root / "book", parameters, root / "outputs")
    runs, roots = book.runs(), book.roots
    assert outdated(runs, roots) == ["01_a", "02_b", "03_c"]
    _build(root, capsys)
    assert outdated(runs, roots) == []
    (root / "notebooks" / "01_a.py").write_text("# changed\n")
    assert outdated(runs, roots) == ["01_a", "03_c"]
    assert [t.run for t in execute_runs(runs, roots, log=lambda line: None)] == ["01_a", "02_b", "03_c"]


def test_the_book_page_table_is_rewritten_only_when_it_changes(tmp_path: Path) -> None:
    rows = [RunTime("01_a", 61.2, False, 2, "abc", ""), RunTime("04_b/fold-1", 3599.6, True, 16, "def", "")]
    text = times_markdown(rows)
    assert "| 01_a | 61 | 1 min 01 s | 2 |" in text and "| 04_b/fold-1 | 3600 | 60 min 00 s | 16 |" in text
    assert "| **all runs** | **3661** | **61 min 01 s** | |" in text
    page = tmp_path / TIMES_MARKDOWN
    assert write_markdown(rows, page) and page.read_text() == text
    os.utime(page, (0, 0))
    assert not write_markdown([RunTime("01_a", 61.2, True, 2, "abc", ""), rows[1]], page)  # same seconds
    assert page.stat().st_mtime == 0  # untouched: Jupyter Book rebuilds nothing
    assert write_markdown(rows[:1], page)


def test_the_notebooks_command_passes_force_and_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: dict[str, Any] = {}
    monkeypatch.setattr(notebooks, "execute_all", lambda book, **kw: seen.update(kw, sources=book.sources))
    assert main(["notebooks", "--data", str(tmp_path), "--force", "--only", "07"]) == 0
    assert seen["force"] is True and seen["only"] == ["07"]
    assert len(seen["sources"]) == len(discover(ROOT / "notebooks"))  # all: 07 reads the others' keys
    assert main(["notebooks", "--data", str(tmp_path), "--only", "99"]) == 2


def test_the_chapter_times_script_prints_the_table_with_the_cpu_count(book, capsys) -> None:
    root, _ = book
    script = runpy.run_path(str(ROOT / "benchmarks" / "chapter_times.py"))
    assert script["main"](["--times", str(root / "outputs" / "run_times.json")]) == 1  # no build yet
    _build(root, capsys)
    assert script["main"](["--times", str(root / "outputs")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("this machine: ") and "CPUs" in lines[0] and "3 runs, 0 reused" in lines[0]
    assert lines[1] == "| run | seconds | time | CPUs |" and lines[-1].startswith("| **all runs** |")


def test_the_tests_read_the_clone_build_only_when_it_is_current(tmp_path: Path, monkeypatch, capsys) -> None:
    clone = tmp_path / "clone"
    assert clone_book_problems(clone) == ["no outputs/: `make book` has not run in this clone"]
    (clone / "data" / "sample").mkdir(parents=True)
    (clone / "data" / "sample" / "manifest.json").write_text(json.dumps(MANIFEST))
    monkeypatch.setattr(notebooks, "execute", _Papermill())
    parameters = {"data_dir": str(clone / "data" / "sample"), "profile": "tiny", "seed": 0}
    book = Book(discover(ROOT / "notebooks"), clone / "book" / "notebooks", parameters, clone / "outputs",
                BOOK_EXTRA_RUNS)  # fmt: skip
    execute_all(book)  # what `make book` does
    (clone / "outputs" / "tests").mkdir()  # the test artifacts may lie there
    assert clone_book_problems(clone) == []
    (clone / "outputs" / "folds").mkdir()  # a sweep: notebook 07 would show its runs
    assert clone_book_problems(clone) == ["outputs/folds is not part of the book"]
    (clone / "outputs" / "folds").rmdir()
    (clone / "data" / "sample" / "manifest.json").write_text(json.dumps({**MANIFEST, "profile": "full"}))
    assert "01_dataset_exploration is not current" in clone_book_problems(clone)


class _TimedPapermill(_Papermill):
    """A stand-in papermill that takes a while and records when each run started and ended."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, str]] = []

    def __call__(self, source: Path, output: Path, parameters: dict, failed_copy: Path | None = None) -> Path:
        import time

        name = Path(source).stem
        self.events.append(("start", name))
        time.sleep(0.3)
        try:
            return super().__call__(source, output, parameters, failed_copy)
        finally:
            self.events.append(("end", name))


def test_runs_execute_side_by_side_once_what_they_wait_for_has_finished(
    book, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = book
    papermill = _TimedPapermill()
    monkeypatch.setattr(notebooks, "execute", papermill)
    monkeypatch.setitem(notebooks.BOOK_AFTER, "03_c", ("02_b",))  # 03 reads 01 and comes after 02
    lines = _build(root, capsys, workers=2)
    events = papermill.events
    assert events[:2] == [("start", "01_a"), ("start", "02_b")]  # two at a time
    assert events.index(("start", "03_c")) > max(events.index(("end", "01_a")), events.index(("end", "02_b")))
    assert sorted(line.split(" (")[0] for line in lines) == ["ran  01_a", "ran  02_b", "ran  03_c"]
    assert [t.run for t in read_times(root / "outputs")] == ["01_a", "02_b", "03_c"]  # the runs' order
    key = json.loads((root / "outputs" / "03_c" / KEY_FILE).read_text())["key"]
    _build(root, capsys, workers=1, force=True)  # one at a time: the same keys
    assert json.loads((root / "outputs" / "03_c" / KEY_FILE).read_text())["key"] == key


def test_a_failure_side_by_side_starts_nothing_more_and_is_raised_once_the_others_end(
    book, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = book
    papermill = _TimedPapermill()
    papermill.fail.add("01_a")
    monkeypatch.setattr(notebooks, "execute", papermill)
    with pytest.raises(NotebookFailed, match="01_a"):
        _build(root, capsys, workers=2)
    assert ("end", "02_b") in papermill.events  # the run under way finished
    assert ("start", "03_c") not in papermill.events  # 03 reads 01: it never started
    assert (root / "outputs" / "02_b" / KEY_FILE).is_file() and not (
        root / "outputs" / "01_a" / KEY_FILE
    ).exists()
    with pytest.raises(ValueError, match="at least 1"):
        _build(root, capsys, workers=0)

"""Which notebook runs need executing again: a key of each run's inputs, recorded beside its outputs.

A *run* (:class:`Run`) is one papermill execution of a notebook: its source, its parameters (with its
``output_dir``), where the executed copy goes, and the runs whose outputs it reads. Its **key**
(:func:`run_key`) is the SHA-256 of everything the run's result depends on (:func:`run_inputs`):

- the notebook's source (the ``.py`` file's bytes) and any other project file it reads (``files``);
- the emolib package's sources (every file of the package, by path and content: :func:`package_digest`);
- the data: a synthetic sample by its ``manifest.json`` (generator, version, profile, seed and every
  file it wrote, by name: the same bytes wherever the sample lives), any other folder by the names,
  sizes and modification times of its files (:func:`data_identity`);
- the parameters, with every absolute path under the data folder, the outputs root or the project
  written relative to it (``<data>/mediaeval2017test``, :func:`portable`), so that the key does not
  depend on where the clone lives; a path outside these roots stays absolute, since nothing says what
  it holds;
- the Keras backend (``KERAS_BACKEND``, else Keras's own ``keras.json``, else TensorFlow), the Python
  version and the versions of the libraries that compute or render the results (:func:`environment`);
- the keys of the runs it reads (``upstream``): when one of those ran again, this run does too; and,
  for a run that searches a folder for results (notebook 07 gathers every ``metrics.json`` under the
  outputs), the names and contents of the files matching its ``reads`` patterns there.

The key is kept in ``<output_dir>/.run-key.json`` (:data:`KEY_FILE`) with the seconds the run took and
the inputs it was computed from (to see what changed, compare two of these files). A run is reused
when that file's key equals the key computed now **and** its executed notebook exists
(:func:`reusable`). The file is removed before a run starts and written last, atomically, after the
executed notebook, so a run that failed or was killed is never taken for a finished one.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from emolib.core.atomic import write_text
from emolib.core.files import file_digest as _file_digest
from emolib.core.files import source_digest

__all__ = ["CACHE_FORMAT", "KEY_FILE", "LIBRARIES", "Roots", "Run", "cpu_count", "data_identity",
           "environment", "keras_backend", "package_digest", "portable", "read_record", "reusable",
           "run_inputs", "run_key", "write_record"]  # fmt: skip

CACHE_FORMAT = 1
"""Version of the key's contents: bump it to invalidate every recorded run."""
KEY_FILE = ".run-key.json"
"""File of a run's output folder holding its key, seconds and inputs."""
PACKAGE_ROOT = Path(__file__).resolve().parents[1]
"""The emolib package whose sources are part of every key."""
PROJECT_ROOT = PACKAGE_ROOT.parent
"""The checkout: paths under it are written relative to it in a key."""
MANIFEST = "manifest.json"
"""The synthetic sample's manifest (:mod:`emolib.synth.generate`)."""
SAMPLE_GENERATOR = "emolib.synth"
DERIVED_DATA = ("features",)
"""Folders of a data folder that the notebooks write (the feature store): not part of its identity."""
LIBRARIES = (
    "keras", "tensorflow", "keras-hub", "numpy", "scipy", "pandas", "scikit-learn", "matplotlib", "seaborn",
    "librosa", "soundfile", "opencv-python-headless", "imageio-ffmpeg", "h5py", "papermill", "nbclient",
    "nbformat", "jupytext", "ipykernel", "myst-nb",
)  # fmt: skip
"""Distributions whose versions are part of every key (absent ones are recorded as ``None``)."""
BACKEND_LIBRARIES = {"jax": ("jax", "jaxlib"), "torch": ("torch",)}
"""Frameworks added to :data:`LIBRARIES` when Keras runs on them (installing torch for the backend tests
does not change the key of a TensorFlow build)."""


@dataclass(frozen=True)
class Run:
    """One notebook execution of a build.

    Attributes
    ----------
    name
        Its name in the build's report: the notebook's stem for a chapter (``04_lstm_training``),
        ``<stem>/<label>`` for a further run of it (``04_lstm_training/fold-1``).
    source
        The ``notebooks/NN_name.py`` source.
    executed
        Where the executed ``.ipynb`` goes.
    parameters
        Papermill parameters; ``output_dir`` names the run's own folder (where its key is kept).
    upstream
        Names of the runs whose outputs it reads (their keys are part of its key).
    reads
        Glob patterns, relative to ``reads_root``, of files it searches for and reads besides its
        upstream runs' (notebook 07: every ``metrics.json`` under the outputs, a sweep's included).
    reads_root
        Folder of ``reads`` (``None``: the folder above ``output_dir``).
    files
        Other files it reads (notebook 03: the project's benchmark figures).
    after
        Names of runs that must finish before it starts, without being part of its key (notebook 04
        after 03, whose feature extraction it would otherwise repeat; a run that searches the outputs
        after every run before it).
    """

    name: str
    source: Path
    executed: Path
    parameters: Mapping[str, Any]
    upstream: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    reads_root: Path | None = None
    files: tuple[Path, ...] = field(default=())
    after: tuple[str, ...] = ()

    @property
    def output_dir(self) -> Path:
        """The run's output folder (``parameters["output_dir"]``)."""
        if not self.parameters.get("output_dir"):
            raise ValueError(f"run {self.name}: its parameters name no output_dir")
        return Path(self.parameters["output_dir"])

    @property
    def key_file(self) -> Path:
        """Where its key is recorded: ``<output_dir>/.run-key.json``."""
        return self.output_dir / KEY_FILE


@dataclass(frozen=True)
class Roots:
    """The folders whose absolute location a key leaves out (see :func:`portable`)."""

    data: Path
    outputs: Path
    project: Path = PROJECT_ROOT


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tree_digest(files: Iterable[tuple[str, str | None]]) -> str:
    """Digest of (name, content digest) pairs, in name order."""
    return _sha256(json.dumps(sorted(files)).encode())


def package_digest(package: Path = PACKAGE_ROOT) -> str:
    """SHA-256 over every file of the package (relative path and content), compiled files left out
    (:func:`emolib.core.files.source_digest`)."""
    return source_digest(package)


def data_identity(data_dir: str | Path) -> dict[str, Any]:
    """What a key records of the data folder.

    A complete synthetic sample (its ``manifest.json`` written by ``emolib.synth``, written last) is
    known by its manifest: generator, version, profile, seed and the digest of the manifest's bytes,
    which list every movie and file by name relative to the sample, so a copy of the sample elsewhere
    has the same identity. Any other folder (real data) is known by the relative names, sizes and
    modification times of its files, the feature store that the notebooks write (:data:`DERIVED_DATA`)
    left out; a missing folder by ``{"missing": True}``.

    Examples
    --------
    >>> data_identity("/nowhere/at/all")
    {'missing': True}
    """
    root = Path(data_dir)
    if not root.is_dir():
        return {"missing": True}
    manifest = root / MANIFEST
    try:
        content = manifest.read_bytes()
        parsed = json.loads(content)
    except (OSError, ValueError):
        parsed = None
    if isinstance(parsed, dict) and parsed.get("generator") == SAMPLE_GENERATOR:
        fields = {k: parsed.get(k) for k in ("generator", "version", "profile", "seed")}
        return {"sample": fields, "manifest": _sha256(content)}
    listing = []
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if relative.parts[0] in DERIVED_DATA or not path.is_file():
            continue
        stat = path.stat()
        listing.append((relative.as_posix(), f"{stat.st_size}:{stat.st_mtime_ns}"))
    return {"files": _tree_digest(listing), "count": len(listing)}


def portable(value: Any, roots: Roots) -> Any:
    """``value`` with every absolute path under one of ``roots`` written as ``<root>/relative``.

    Lists, tuples and dictionaries are converted item by item; the data folder is tried first, then
    the outputs, then the project (the sample and the outputs usually lie inside the clone).

    Examples
    --------
    >>> roots = Roots(data=Path("/c/data/sample"), outputs=Path("/c/outputs"), project=Path("/c"))
    >>> portable({"data_dir": "/c/data/sample", "test_dir": "/c/data/sample/t", "fold": 1}, roots)
    {'data_dir': '<data>', 'test_dir': '<data>/t', 'fold': 1}
    >>> portable(["/c/outputs/04/fold-1", "/elsewhere/x", "relative/y"], roots)
    ['<outputs>/04/fold-1', '/elsewhere/x', 'relative/y']
    """
    if isinstance(value, Mapping):
        return {str(k): portable(v, roots) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [portable(v, roots) for v in value]
    if isinstance(value, Path) or (isinstance(value, str) and os.path.isabs(value)):
        path = Path(os.path.normpath(value))
        if not path.is_absolute():
            return path.as_posix()
        for name, root in (("data", roots.data), ("outputs", roots.outputs), ("project", roots.project)):
            root = Path(os.path.normpath(Path(root).absolute()))
            if path == root or root in path.parents:
                relative = path.relative_to(root).as_posix()
                return f"<{name}>" if relative == "." else f"<{name}>/{relative}"
        return path.as_posix()
    return value


def keras_backend(env: Mapping[str, str] | None = None) -> str:
    """The Keras backend a kernel started now would use, without importing Keras.

    ``KERAS_BACKEND`` when set, else the ``backend`` of Keras's configuration file
    (``$KERAS_HOME/keras.json``, by default ``~/.keras/keras.json``), else ``"tensorflow"``.
    """
    env = os.environ if env is None else env
    if env.get("KERAS_BACKEND"):
        return env["KERAS_BACKEND"]
    home = Path(env.get("KERAS_HOME") or Path.home() / ".keras")
    try:
        config = json.loads((home / "keras.json").read_text())
    except (OSError, ValueError):
        return "tensorflow"
    backend = config.get("backend") if isinstance(config, dict) else None
    return str(backend) if backend else "tensorflow"


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def environment(env: Mapping[str, str] | None = None, package: Path = PACKAGE_ROOT) -> dict[str, Any]:
    """The inputs every run of a build shares: the package's sources, the backend and the versions.

    Computed once per build (it reads every file of the package).
    """
    backend = keras_backend(env)
    names = (*LIBRARIES, *BACKEND_LIBRARIES.get(backend, ()))
    return {
        "package": package_digest(package),
        "keras_backend": backend,
        "python": platform.python_version(),
        "libraries": {name: _version(name) for name in names},
    }


def _reads_digest(run: Run, roots: Roots) -> dict[str, Any] | None:
    if not run.reads:
        return None
    base = Path(run.reads_root or run.output_dir.parent)
    own = run.output_dir.resolve()
    found = {
        path
        for pattern in run.reads
        for path in base.glob(pattern)
        if path.is_file() and own not in path.resolve().parents
    }
    files = [(path.relative_to(base).as_posix(), _file_digest(path)) for path in found]
    return {"patterns": list(run.reads), "files": _tree_digest(files), "count": len(files)}


def run_inputs(
    run: Run,
    roots: Roots,
    shared: Mapping[str, Any],
    upstream_keys: Mapping[str, str | None],
) -> dict[str, Any]:
    """Everything the key of ``run`` covers, as a JSON-ready dictionary.

    Parameters
    ----------
    run
        The run.
    roots
        The data folder, the outputs root and the project, left out of the paths (:func:`portable`).
    shared
        :func:`environment`, computed once for the build.
    upstream_keys
        The current key of every run named in ``run.upstream`` (``None``: not run yet).
    """
    source = Path(run.source)
    return {
        "format": CACHE_FORMAT,
        "notebook": {"name": source.name, "sha256": _file_digest(source)},
        "files": {portable(str(Path(f).absolute()), roots): _file_digest(Path(f)) for f in run.files},
        "data": data_identity(roots.data),
        "parameters": portable(dict(run.parameters), roots),
        **shared,
        "upstream": {name: upstream_keys.get(name) for name in run.upstream},
        "reads": _reads_digest(run, roots),
    }


def run_key(inputs: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of the canonical JSON of a run's inputs (:func:`run_inputs`)."""
    return _sha256(json.dumps(inputs, sort_keys=True, separators=(",", ":"), default=str).encode())


def read_record(run: Run) -> dict[str, Any] | None:
    """The run's recorded key file, or ``None`` when there is none (or it cannot be read)."""
    try:
        record = json.loads(run.key_file.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("key"), str) else None


def reusable(run: Run, key: str) -> dict[str, Any] | None:
    """The run's record when its outputs can be reused for ``key``: same key, executed notebook present."""
    record = read_record(run)
    if record is None or record["key"] != key or not Path(run.executed).is_file():
        return None
    return record


def cpu_count() -> int:
    """CPUs this process may use (its affinity where the system says, else every CPU)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def write_record(run: Run, key: str, inputs: Mapping[str, Any], seconds: float) -> dict[str, Any]:
    """Record a finished run: its key, seconds, CPUs, finishing time and inputs (atomically, last)."""
    record = {
        "key": key,
        "run": run.name,
        "seconds": round(float(seconds), 1),
        "cpus": cpu_count(),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": dict(inputs),
    }
    write_text(run.key_file, json.dumps(record, indent=1, sort_keys=True, default=str) + "\n")
    return record

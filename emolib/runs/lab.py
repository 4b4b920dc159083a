"""JupyterLab for the project (``make lab``): the named kernel, jupytext's pairing and a loopback-only server.

``make lab`` installs the ``lab`` extra (JupyterLab; jupytext's Lab integration ships with jupytext)
and runs ``python -m emolib lab``, which

1. registers the project's kernel ``emolib`` ("Python 3 (emolib)") in the environment
   (:func:`emolib.runs.kernels.install_kernelspec`), so notebooks run with the project's packages whichever
   Jupyter opens them, and the native start-up log of TensorFlow stays out of the notebooks;
2. makes jupytext's notebook the default viewer of Python and Markdown files in this environment's
   Lab (``share/jupyter/lab/settings/overrides.json``), so ``notebooks/03_feature_extraction.py``
   opens as a notebook on a double click and saving it updates its paired ``.ipynb``;
3. starts Lab with jupytext's contents manager, bound to 127.0.0.1 with a token (printed in the URL):
   on a remote server, reach it through an ssh tunnel (``ssh -N -L 8888:127.0.0.1:8888 user@server``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from emolib.core.atomic import write_text
from emolib.runs.kernels import KERNEL_NAME, install_kernelspec

CONTENTS_MANAGER = "jupytext.TextFileContentsManager"
"""Jupytext's contents manager: a paired ``.py`` source is listed and opened as a notebook."""
DEFAULT_VIEWERS = {"python": "Jupytext Notebook", "markdown": "Jupytext Notebook"}
"""Lab's viewer for each file type (the factory jupytext's Lab extension registers)."""
HOST = "127.0.0.1"


def server_args(root: str | Path, port: int, token: str | None = None) -> list[str]:
    """Command-line options of a Jupyter server (Lab or bare) for the project.

    Parameters
    ----------
    root
        The folder the server shows.
    port
        TCP port on 127.0.0.1.
    token
        The access token; ``None`` lets Jupyter make a random one (printed in the URL). An empty
        token is refused: the server would be open to anyone on the machine. Run as root (a
        container), the server is allowed to run as root.

    Raises
    ------
    ValueError
        For an empty token.
    """
    if token == "":
        raise ValueError("an empty token would leave the server open to every user of the machine")
    args = [
        f"--ServerApp.ip={HOST}",
        f"--ServerApp.port={int(port)}",
        "--ServerApp.port_retries=0",
        "--ServerApp.open_browser=False",
        f"--ServerApp.root_dir={Path(root).resolve()}",
        f"--ServerApp.contents_manager_class={CONTENTS_MANAGER}",
    ]
    if _is_root():  # containers on GPU servers often run as root; Jupyter refuses that unless told
        args.append("--ServerApp.allow_root=True")
    return args if token is None else [*args, f"--IdentityProvider.token={token}"]


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def write_lab_overrides(prefix: str | Path = sys.prefix) -> Path:
    """Make jupytext's notebook Lab's default viewer of Python and Markdown files in ``prefix``.

    Other settings already in the environment's ``overrides.json`` are kept.

    Returns
    -------
    pathlib.Path
        The overrides file.
    """
    path = Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    settings = json.loads(path.read_text()) if path.is_file() else {}
    docmanager = settings.setdefault("@jupyterlab/docmanager-extension:plugin", {})
    docmanager["defaultViewers"] = {**docmanager.get("defaultViewers", {}), **DEFAULT_VIEWERS}
    return write_text(path, json.dumps(settings, indent=2) + "\n")


def lab_command(root: str | Path, port: int, token: str | None = None) -> list[str]:
    """The ``jupyter lab`` command line :func:`run_lab` executes."""
    return [sys.executable, "-m", "jupyterlab", *server_args(root, port, token)]


def run_lab(root: str | Path, port: int, token: str | None = None, setup_only: bool = False) -> int:
    """Register the kernel, set jupytext as Lab's viewer, then run Lab until it stops; its exit status.

    Raises
    ------
    emolib.core.options.UsageError
        If JupyterLab is not installed in this environment.
    """
    import importlib.util
    import subprocess

    from emolib.core.options import UsageError

    if importlib.util.find_spec("jupyterlab") is None:
        raise UsageError("JupyterLab is not installed here: run `make lab` (or pip install -e '.[lab]')")
    print(f"kernel {KERNEL_NAME!r} in {install_kernelspec()}; Lab settings in {write_lab_overrides()}")
    if setup_only:
        return 0
    print(f"JupyterLab on http://{HOST}:{port}/ (the URL with its token follows); from another machine: "
          f"ssh -N -L {port}:{HOST}:{port} USER@SERVER, then open that URL there", flush=True)  # fmt: skip
    return subprocess.call(lab_command(root, port, token))

"""``make lab``: the loopback-only server options, the emolib kernel, jupytext as Lab's viewer, and a real
headless Jupyter server listing the paired ``.py`` sources as notebooks through its contents API."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from emolib.runs.kernels import install_kernelspec
from emolib.runs.lab import CONTENTS_MANAGER, server_args, write_lab_overrides

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 90


def test_server_binds_loopback_with_jupytext_and_never_without_a_token() -> None:
    args = server_args("notebooks", 8890, token="abc")
    assert "--ServerApp.ip=127.0.0.1" in args and "--ServerApp.port=8890" in args
    assert f"--ServerApp.contents_manager_class={CONTENTS_MANAGER}" in args
    assert "--IdentityProvider.token=abc" in args and "--ServerApp.open_browser=False" in args
    assert not any("token" in a for a in server_args("notebooks", 8890))  # Jupyter makes a random one
    assert ("--ServerApp.allow_root=True" in args) == (os.geteuid() == 0)
    with pytest.raises(ValueError, match="empty token"):
        server_args("notebooks", 8890, token="")


def test_lab_settings_and_kernel_go_into_the_environment(tmp_path: Path) -> None:
    settings = tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}))
    assert write_lab_overrides(tmp_path) == settings
    written = json.loads(settings.read_text())
    assert written["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}  # kept
    assert (
        written["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]["python"] == "Jupytext Notebook"
    )
    spec = json.loads((Path(install_kernelspec(tmp_path)) / "kernel.json").read_text())
    assert spec["display_name"] == "Python 3 (emolib)" and spec["argv"][0] == sys.executable
    assert (tmp_path / "share" / "jupyter" / "kernels" / "emolib" / "kernel.json").is_file()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.mark.slow  # about 15 s: a real server starts and stops
def test_headless_server_lists_py_sources_as_notebooks(tmp_path: Path) -> None:
    port, token = _free_port(), secrets.token_hex(16)
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", *server_args(ROOT / "notebooks", port, token)],
        stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path,
    )  # fmt: skip
    api = f"http://127.0.0.1:{port}/api/contents"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                listing = _get(f"{api}?token={token}")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, (tmp_path / "server.log").read_text()
                assert time.monotonic() < deadline, "server did not answer in time"
                time.sleep(0.5)
        with pytest.raises(urllib.error.HTTPError, match="403"):
            _get(api)  # no token, no listing
        kinds = {item["name"]: item["type"] for item in listing["content"]}
        sources = sorted(n for n in kinds if n.endswith(".py"))
        assert "03_feature_extraction.py" in sources and len(sources) >= 7
        assert {kinds[n] for n in sources} == {"notebook"}  # jupytext's contents manager is active
        notebook = _get(f"{api}/03_feature_extraction.py?token={token}")
        assert notebook["type"] == "notebook" and notebook["content"]["cells"]
        assert notebook["content"]["metadata"]["jupytext"]["formats"] == "ipynb,py:percent"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def test_lab_without_jupyterlab_says_how_to_install_it(monkeypatch, capsys) -> None:
    import importlib.util

    from emolib.runs.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "jupyterlab" else real(name, *a)
    )
    assert main(["lab", "--setup-only"]) == 2
    assert "JupyterLab is not installed here: run `make lab`" in capsys.readouterr().err

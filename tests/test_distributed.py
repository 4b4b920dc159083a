"""Sweeps and extraction on Dask: retries, a worker killed mid-sweep, the CLI against a running scheduler."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from features_fixtures import make_movie

from emolib.core.distributed import TaskError, open_client, run_tasks
from emolib.features import FeatureStore
from emolib.runs.cli import main
from emolib.runs.sweep import plan, read_summary, run_all

pytest.importorskip("distributed")

NOTEBOOK = """# %% tags=["parameters"]
output_dir = "."
fold = 0
fail = False
pause = 0.0

# %%
import json
import os
import time
from pathlib import Path

out = Path(output_dir)
with open(out / "started.txt", "a") as f:  # one line per attempt: the pid of the worker running it
    f.write(f"{os.getppid()}\\n")
time.sleep(pause)
if fail:
    raise RuntimeError("this run was asked to fail")
(out / ".metrics.part").write_text(json.dumps({"fold": fold, "output_dir": output_dir}))
(out / ".metrics.part").replace(out / "metrics.json")
"""


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    """A local Dask cluster of two single-threaded worker processes, shared by this module's tests."""
    with open_client(workers=2, threads=1) as c:
        yield c


@pytest.fixture()
def notebook(tmp_path: Path) -> Path:
    source = tmp_path / "nb.py"
    source.write_text(NOTEBOOK)
    return source


def _flaky(item: tuple[str, int]) -> str:
    """Fails its first ``n`` attempts (counted in a file), then returns the folder's name."""
    folder, n = Path(item[0]), item[1]
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "attempts", "a") as f:
        f.write("x")
    if len((folder / "attempts").read_text()) <= n:
        raise ValueError(f"attempt failed in {folder.name}")
    return folder.name


def test_run_tasks_retries_a_bounded_number_of_times(client, tmp_path: Path) -> None:
    items = [(str(tmp_path / "ok"), 0), (str(tmp_path / "second"), 1), (str(tmp_path / "never"), 5)]
    seen: list[tuple[str, int]] = []
    results = run_tasks(
        client, _flaky, items, retries=2, on_error=lambda item, err: f"failed: {err}",
        on_result=lambda res, attempts: seen.append((res, attempts)),
    )  # fmt: skip
    assert results == ["ok", "second", "failed: attempt failed in never"]
    assert sorted(seen) == [("failed: attempt failed in never", 3), ("ok", 1), ("second", 2)]
    assert len((tmp_path / "never" / "attempts").read_text()) == 3  # 1 + 2 retries, then reported
    with pytest.raises(TaskError, match="attempt failed in again"):
        run_tasks(client, _flaky, [(str(tmp_path / "again"), 5)], retries=0)


def _kill_first_worker(out: Path, killed: list[int]) -> None:
    """Kill -9 the worker running the first run that starts (the pid its notebook wrote)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        started = sorted(out.rglob("started.txt"))
        if started and started[0].read_text().strip():
            pid = int(started[0].read_text().split()[0])
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            return
        time.sleep(0.02)


def test_sweep_survives_a_worker_killed_mid_sweep(client, notebook: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    workers_before = set(client.run(os.getpid).values())
    tasks = plan(out, {"pause": 1.5}, {"units": [8, 16]}, [0, 1], source=notebook)
    killed: list[int] = []
    killer = threading.Thread(target=_kill_first_worker, args=(out, killed))
    killer.start()
    table = run_all(tasks, client=client, summary=out / "summary.csv", retries=0)
    killer.join()
    assert len(killed) == 1 and killed[0] in workers_before
    assert killed[0] not in client.run(os.getpid).values()  # that worker is gone (Dask started another)
    assert list(table["status"]) == ["done"] * 4 and not table.duplicated(["config", "fold"]).any()
    started = {Path(t.output_dir): (Path(t.output_dir) / "started.txt").read_text().split() for t in tasks}
    assert sum(len(pids) for pids in started.values()) == 5  # the killed run ran again elsewhere
    assert any(str(killed[0]) in pids for pids in started.values())
    for task in tasks:  # every result exactly once, complete, and no temporary file left
        folder = Path(task.output_dir)
        metrics = sorted(p.name for p in folder.rglob("*") if p.is_file() and p.name != "started.txt")
        assert metrics == ["kernel.log", "metrics.json", "params.json", "run.ipynb"]
        assert json.loads((folder / "metrics.json").read_text()) == {
            "fold": task.fold,
            "output_dir": str(folder),
        }
    summary = read_summary(out / "summary.csv")
    assert sorted(summary["output_dir"]) == sorted(t.output_dir for t in tasks)


def test_folds_cli_on_a_running_scheduler(client, notebook: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "runs"
    args = ["folds", "--scheduler", client.scheduler.address, "--notebook", str(notebook),
            "--data", str(tmp_path), "--n-folds", "2", "--out", str(out), "--no-evaluate", "--no-features",
            "--retries", "1"]  # fmt: skip
    assert main([*args, "--grid", "fail=false,true"]) == 1
    captured = capsys.readouterr()
    assert "Dask scheduler " + client.scheduler.address in captured.err
    table = pd.read_csv(out / "summary.csv")
    assert sorted(zip(table["config"], table["status"], table["attempts"], strict=True)) == [
        ("fail-False", "done", 1), ("fail-False", "done", 1), ("fail-True", "failed", 2),
        ("fail-True", "failed", 2),
    ]  # fmt: skip
    assert "asked to fail" in (out / "fail-True" / "fold1" / "error.txt").read_text()
    assert main([*args, "--grid", "fail=false"]) == 0  # resumed: the finished runs are skipped
    assert capsys.readouterr().out.count("[skipped]") == 2


def test_extract_cli_on_a_running_scheduler(client, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "movies"
    folder.mkdir()
    make_movie(folder / "a.mp4", rate="25", seconds=2.0)
    make_movie(folder / "b.mp4", rate="24", seconds=2.5)
    (folder / "junk.mp4").write_text("not a movie")
    store = FeatureStore(tmp_path / "store")
    args = ["extract", "--data", str(folder), "--store", str(store.root), "--visual", "colour-motion",
            "--audio", "logmel-stats", "--no-progress", "--scheduler", client.scheduler.address]  # fmt: skip
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "failed: junk" in captured.err and "junk.mp4" in captured.err
    assert "3 movies: 2 computed, 0 up to date, 1 failed" in captured.out
    for movie in ("a", "b"):
        assert store.load_fused(movie, ["colour-motion", "logmel-stats"]).n_steps > 0
    (folder / "junk.mp4").unlink()
    assert main(args) == 0
    assert "2 movies: 0 computed, 2 up to date, 0 failed" in capsys.readouterr().out


def _certificates(folder: Path) -> dict[str, Path]:
    """Throw-away certificates: an authority, a scheduler/worker certificate, a client's, an intruder's."""
    trustme = pytest.importorskip("trustme")
    folder.mkdir()
    names = ("ca", "node", "client", "client-key", "other-ca", "other")
    files = {name: folder / f"{name}.pem" for name in names}
    ca, other = trustme.CA(), trustme.CA()
    ca.cert_pem.write_to_path(files["ca"])
    ca.issue_cert("127.0.0.1", "localhost").private_key_and_cert_chain_pem.write_to_path(files["node"])
    client = ca.issue_cert("emolib-client")
    client.cert_chain_pems[0].write_to_path(files["client"])
    client.private_key_pem.write_to_path(files["client-key"])
    other.cert_pem.write_to_path(files["other-ca"])
    other.issue_cert("intruder").private_key_and_cert_chain_pem.write_to_path(files["other"])
    return files


def test_folds_cli_over_tls_and_clients_without_certificates_refused(notebook: Path, tmp_path: Path,
                                                                     capsys) -> None:  # fmt: skip
    from distributed import Client, LocalCluster, Security

    certs = _certificates(tmp_path / "certs")
    node = Security(tls_ca_file=str(certs["ca"]), tls_scheduler_cert=str(certs["node"]),
                    tls_worker_cert=str(certs["node"]), tls_client_cert=str(certs["node"]),
                    require_encryption=True)  # the cluster's own (the test's) side  # fmt: skip
    out = tmp_path / "runs"
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tls", host="127.0.0.1",
                      security=node, dashboard_address=":0") as cluster:  # fmt: skip
        address = cluster.scheduler_address
        assert address.startswith("tls://127.0.0.1:")
        args = ["folds", "--scheduler", address, "--notebook", str(notebook), "--data", str(tmp_path),
                "--n-folds", "2", "--out", str(out), "--no-evaluate", "--no-features"]  # fmt: skip
        tls = ["--tls-ca-file", str(certs["ca"]), "--tls-cert", str(certs["client"]),
               "--tls-key", str(certs["client-key"])]  # fmt: skip
        assert main([*args, *tls]) == 0
        assert f"Dask scheduler {address}: 1 workers, 2 threads" in capsys.readouterr().err
        assert list(read_summary(out / "summary.csv")["status"]) == ["done", "done"]
        assert main(args) == 2  # no certificates: refused with the way to give them
        assert "needs certificates: give --tls-ca-file and --tls-cert" in capsys.readouterr().err
        intruder = Security(tls_ca_file=str(certs["other-ca"]), tls_client_cert=str(certs["other"]),
                            require_encryption=True)  # fmt: skip
        with pytest.raises(OSError, match="(?i)certificate"):  # another authority's certificate
            Client(address, security=intruder, timeout=5)
        with pytest.raises(OSError):  # no TLS at all
            Client(address.replace("tls://", "tcp://"), timeout=5)
        assert len(cluster.scheduler.workers) == 1  # the refused clients ran nothing, joined nothing

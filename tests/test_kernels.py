"""The project's notebook kernel: native library logs go to kernel.log, Python output stays on the page."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from emolib.runs.kernels import (
    KERNEL_ARGUMENTS,
    NATIVE_LOG,
    install_kernelspec,
    kernel_command,
    kernel_environment,
    log_tail,
)
from emolib.runs.notebooks import NotebookFailed, execute

NOISY = (
    '# %% tags=["parameters"]\nx = 0\noutput_dir = "out"\n\n'
    "# %%\nimport os\nimport warnings\n"
    'os.write(2, b"I0000 cudart_stub.cc:31] Could not find cuda drivers on your machine\\n")\n'
    'os.write(1, b"native stdout line\\n")\n'
    'print("python print", os.environ.get("TF_CPP_MIN_LOG_LEVEL"))\n'
    'warnings.warn("3 movies have no annotations", UserWarning, stacklevel=1)\n'
)


def _outputs_text(notebook: Path) -> str:
    cells = nbformat.read(notebook, as_version=4).cells
    return "\n".join(str(o.get("text", "")) for c in cells if c.cell_type == "code" for o in c.outputs)


def test_native_output_goes_to_the_log_and_python_output_to_the_page(tmp_path: Path) -> None:
    source = tmp_path / "96_noisy.py"
    source.write_text(NOISY)
    out_dir = tmp_path / "outputs"
    shown = _outputs_text(execute(source, tmp_path / "96.ipynb", {"output_dir": str(out_dir)}))
    assert "python print 2" in shown  # Python output stays, and TensorFlow's level was set
    assert "3 movies have no annotations" in shown  # a warning about the data still shows
    assert "cudart_stub" not in shown and "native stdout line" not in shown
    log = (out_dir / NATIVE_LOG).read_text()
    assert "cudart_stub" in log and "native stdout line" in log  # kept, not lost
    assert "KeyboardInterrupt" not in log and "ERROR" not in log  # a clean shutdown logs no error


def test_a_level_chosen_by_the_user_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    source = tmp_path / "95_level.py"
    source.write_text(NOISY)
    shown = _outputs_text(execute(source, tmp_path / "95.ipynb", {"output_dir": str(tmp_path / "o")}))
    assert "python print 0" in shown


def test_a_kernel_that_dies_is_reported_with_its_native_log(tmp_path: Path) -> None:
    source = tmp_path / "94_crash.py"
    source.write_text(
        '# %% tags=["parameters"]\nx = 0\n\n# %%\nimport os\n'
        'os.write(2, b"F0000 planted native failure\\n")\nos._exit(134)\n'
    )
    log = tmp_path / "native.log"
    with pytest.raises(NotebookFailed, match="planted native failure"):
        execute(source, tmp_path / "94.ipynb", {"x": 1}, native_log=log)
    assert not (tmp_path / "94.ipynb").exists()


def test_environment_and_command_helpers() -> None:
    assert kernel_environment({})["TF_CPP_MIN_LOG_LEVEL"] == "2"
    chosen = {"TF_CPP_MIN_LOG_LEVEL": "1", "A": "b"}
    assert kernel_environment(chosen) == chosen
    assert (
        kernel_environment({"KERAS_BACKEND": "jax"})["KERAS_BACKEND"] == "jax"
    )  # the backend passes through
    ipy = ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    assert kernel_command(ipy)[-len(KERNEL_ARGUMENTS) :] == list(KERNEL_ARGUMENTS)
    assert kernel_command(kernel_command(ipy)) == kernel_command(ipy)  # added once
    assert kernel_command(["R", "--slave"]) == ["R", "--slave"]  # other kernels untouched


def test_log_tail_reads_the_end_or_nothing(tmp_path: Path) -> None:
    log = tmp_path / "k.log"
    assert log_tail(log) == "" and log_tail(None) == ""
    log.write_text("".join(f"line {k}\n" for k in range(100)))
    assert log_tail(log, lines=2) == "line 98\nline 99"


def test_installed_kernelspec_is_quiet(tmp_path: Path) -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    folder = install_kernelspec(tmp_path)
    spec = json.loads((folder / "kernel.json").read_text())
    assert spec["env"] == {"TF_CPP_MIN_LOG_LEVEL": "2"} and KERNEL_ARGUMENTS[0] in spec["argv"]
    manager = KernelSpecManager(kernel_dirs=[str(folder.parent)])
    assert manager.get_kernel_spec("emolib").display_name.endswith("(emolib)")


def test_kernel_command_registers_the_kernel(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from emolib.runs.cli import main

    assert main(["kernel", "--prefix", str(tmp_path)]) == 0
    assert "registered" in capsys.readouterr().out
    assert (tmp_path / "share" / "jupyter" / "kernels" / "emolib" / "kernel.json").is_file()


def test_only_the_listed_library_warnings_are_filtered() -> None:
    import warnings

    from emolib.runs.kernels import filter_library_warnings

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        filter_library_warnings()
        warnings.warn("IProgress not found. Please update jupyter and ipywidgets.", UserWarning, stacklevel=1)
        warnings.warn("RNN module weights are not part of single contiguous chunk of memory. This means ...",
                      UserWarning, stacklevel=1)  # fmt: skip
        warnings.warn("movie 3 has no annotations", UserWarning, stacklevel=1)
    assert [str(w.message) for w in seen] == ["movie 3 has no annotations"]


def test_a_data_warning_is_shown_as_its_message_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    import warnings

    from emolib.core.errors import DataWarning
    from emolib.runs.kernels import plain_data_warnings

    monkeypatch.setattr(warnings, "formatwarning", warnings.formatwarning)  # restored afterwards
    before = warnings.formatwarning("late", UserWarning, "/tmp/ipykernel_1/2.py", 2, "load(x)")
    plain_data_warnings()
    installed = warnings.formatwarning
    plain_data_warnings()
    assert warnings.formatwarning is installed  # a second call does not wrap the first
    shown = warnings.formatwarning(
        "a.txt: short annotation file", DataWarning, "/tmp/ipykernel_1/2.py", 2, "x"
    )
    assert shown == "DataWarning: a.txt: short annotation file\n"
    assert warnings.formatwarning("late", UserWarning, "/tmp/ipykernel_1/2.py", 2, "load(x)") == before


def test_shutting_down_sends_no_interrupt(tmp_path: Path) -> None:
    """jupyter_client sends SIGINT before a shutdown; to an idle kernel that only logs an ERROR."""
    import asyncio
    import signal

    from emolib.runs.kernels import kernel_manager_class

    sent: list[int] = []

    async def run() -> None:
        manager = kernel_manager_class(tmp_path, tmp_path / "native.log")(kernel_name="python3")
        original = manager._async_signal_kernel

        async def record(signum: int) -> None:
            sent.append(signum)
            await original(signum)

        manager._async_signal_kernel = record
        await manager.start_kernel()
        await manager.interrupt_kernel()  # an interrupt while running code still goes through
        await manager.shutdown_kernel()

    asyncio.run(run())
    assert sent == [signal.SIGINT]


def test_threads_running_in_a_copied_context_each_get_their_own_event_loop(tmp_path: Path) -> None:
    """A Dask worker runs tasks in copies of one context: a notebook run first in this thread must not
    hand its event loop to two notebooks running at once in other threads."""
    import contextvars
    import threading

    source = tmp_path / "93_wait.py"
    source.write_text('# %% tags=["parameters"]\nx = 0\n\n# %%\nimport time\ntime.sleep(1)\nprint(x)\n')
    execute(source, tmp_path / "first.ipynb", {"x": 0})  # sets up this thread's loop
    results: dict[int, str] = {}

    def run(k: int) -> None:
        try:
            execute(source, tmp_path / f"t{k}.ipynb", {"x": k})
            results[k] = "done"
        except Exception as err:  # noqa: BLE001 - reported by the assertion below
            results[k] = repr(err)

    threads = [threading.Thread(target=contextvars.copy_context().run, args=(run, k)) for k in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert results == {1: "done", 2: "done"}

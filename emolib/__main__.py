"""``python -m emolib``: see :mod:`emolib.runs.cli`."""

from emolib.runs.cli import main

if __name__ == "__main__":  # not when a spawned worker process (Dask, multiprocessing) imports it
    raise SystemExit(main())

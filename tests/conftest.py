"""Shared fixtures: the tiny synthetic cinema, generated once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def tiny_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``tiny`` profile with seed 0, written once into a temporary folder."""
    from emolib.synth import generate_sample

    out = tmp_path_factory.mktemp("sample")
    generate_sample(out, profile="tiny", seed=0, workers=2)
    return out

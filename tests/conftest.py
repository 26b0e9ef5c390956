"""Shared fixtures: small priors and small runs built once per session."""
from __future__ import annotations

import os

import numba
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRIORS = os.path.join(ROOT, "priors")
BASELINE = os.path.join(PRIORS, "baseline.toml")
DATA = os.path.join(ROOT, "tests", "data")

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def baseline():
    from dieroll import load_priors
    return load_priors(BASELINE)


@pytest.fixture(scope="session")
def small_run(tmp_path_factory):
    """A baseline run of 3,000 draws with draws kept, written once."""
    from dieroll.api import run_to_folder
    d = tmp_path_factory.mktemp("runs")
    path = run_to_folder(BASELINE, runs_dir=str(d), name="small", draws=3000, keep_draws=True)
    return path


@pytest.fixture
def max_threads():
    return numba.config.NUMBA_NUM_THREADS


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)

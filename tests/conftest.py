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

#: dask's default dashboard port: the whole suite runs with it held by another process, as it
#: is on the machine of anyone who runs a dask dashboard of their own (nothing may bind it).
DASHBOARD_PORT = 8787
_HOLD = f"""
import socket, sys, time
s = socket.socket()
try:
    s.bind(("0.0.0.0", {DASHBOARD_PORT}))
    s.listen()
except OSError:
    print("taken", flush=True)  # another process of this suite, or the user's own, holds it
    sys.exit(0)
print("held", flush=True)
while True:
    time.sleep(60)
"""


@pytest.fixture(scope="session", autouse=True)
def dashboard_port_held():
    """Hold port 8787 in another process for the whole session (each test worker tries; the
    first holds it, the others find it taken)."""
    import subprocess
    import sys
    holder = subprocess.Popen([sys.executable, "-c", _HOLD], stdout=subprocess.PIPE, text=True)
    state = holder.stdout.readline().strip()
    yield state
    holder.kill()
    holder.wait()
    holder.stdout.close()


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

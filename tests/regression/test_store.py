"""The run folder: schema, round trip, reproducibility, atomicity, errors."""
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr

from dieroll.api import run_to_folder
from dieroll.errors import RunError, RunStoreError
from dieroll.store import list_runs, open_run
from dieroll.testing import assert_run_schema

from ..conftest import BASELINE, ROOT

DIEROLL = [sys.executable, "-m", "dieroll.cli"]


def test_schema_of_a_kept_run(small_run):
    assert_run_schema(small_run)
    run = open_run(small_run)
    assert run.manifest["draws"] == 3000
    assert sorted(os.listdir(small_run)) == ["ascend-yearly.csv", "ascend-yearly.png", "binding.csv", "binding.png",
                                             "channels.csv", "channels.png", "draws.zarr", "fan.csv", "fan.pdf",
                                             "fan.png", "fan.svg", "manifest.json", "priors.toml", "summary.nc"]
    assert run.prior.sizes["draw"] == 3000
    assert run.prior["smic_yield_claim"].attrs["flag_meanings"] == "csis ft morgan_stanley"


def test_draws_round_trip_matches_summary(small_run):
    run = open_run(small_run)
    pp = run.prior_predictive["china_total"].sel(metric="inference").load()
    exact = pp.quantile([0.05, 0.5, 0.95], dim="draw")
    got = run.summary["china_total"].sel(metric="inference", quantile=[0.05, 0.5, 0.95])
    # the kept draws are float32; N = 3000 <= pilot, so the summary is exact in float64
    np.testing.assert_allclose(got.transpose("quantile", "time").values, exact.values, rtol=2e-7)


def test_priors_toml_reloads_to_the_hash(small_run):
    from dieroll import load_priors
    ps = load_priors(os.path.join(small_run, "priors.toml"))
    assert ps.sha256 == open_run(small_run).summary.attrs["priors_sha256"]


def test_same_seed_same_bits_any_threads(tmp_path):
    code = ("import numba, sys; numba.set_num_threads(int(sys.argv[1])); from dieroll.api import run_to_folder; "
            f"run_to_folder({BASELINE!r}, runs_dir=sys.argv[2], name=sys.argv[3], draws=20000, charts=False)")
    for threads, name in ((1, "a"), (2, "b")):
        subprocess.run([sys.executable, "-c", code, str(threads), str(tmp_path), name], check=True, cwd=ROOT)
    a = xr.open_dataset(tmp_path / "a" / "summary.nc", engine="h5netcdf")
    b = xr.open_dataset(tmp_path / "b" / "summary.nc", engine="h5netcdf")
    assert list(a.data_vars) == list(b.data_vars)
    for v in a.data_vars:
        assert a[v].values.tobytes() == b[v].values.tobytes(), v
    assert a.attrs["priors_sha256"] == b.attrs["priors_sha256"]


def test_existing_run_is_refused_without_force(tmp_path):
    p = run_to_folder(BASELINE, runs_dir=str(tmp_path), name="x", draws=500, charts=False)
    before = pathlib.Path(os.path.join(p, "manifest.json")).read_text()
    with pytest.raises(RunError, match="already exists"):
        run_to_folder(BASELINE, runs_dir=str(tmp_path), name="x", draws=600, charts=False)
    assert pathlib.Path(os.path.join(p, "manifest.json")).read_text() == before
    run_to_folder(BASELINE, runs_dir=str(tmp_path), name="x", draws=600, charts=False, force=True)
    assert open_run(p).manifest["draws"] == 600
    assert [r["name"] for r in list_runs(str(tmp_path))] == ["x"]


def test_failed_run_leaves_nothing(tmp_path, monkeypatch):
    import dieroll.api as api

    def boom(*a, **k):
        raise RuntimeError("disk full")
    monkeypatch.setattr(api, "summary_dataset", boom)
    with pytest.raises(RuntimeError):
        run_to_folder(BASELINE, runs_dir=str(tmp_path), name="y", draws=300, charts=False)
    assert os.listdir(tmp_path) == []


def test_sigkill_mid_run_leaves_no_complete_run(tmp_path):
    other = run_to_folder(BASELINE, runs_dir=str(tmp_path), name="other", draws=300, charts=False)
    before = {f: pathlib.Path(os.path.join(other, f)).read_bytes() for f in ("manifest.json", "summary.nc")}
    proc = subprocess.Popen(DIEROLL + ["--runs-dir", str(tmp_path), "run", BASELINE, "--name", "victim",
                                       "--draws", "5000000", "--quiet"], cwd=ROOT)
    deadline = time.time() + 60
    while time.time() < deadline and not any(n.startswith(".tmp-victim") for n in os.listdir(tmp_path)):
        time.sleep(0.05)
    time.sleep(1.0)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    runs = {r["name"]: r["status"] for r in list_runs(str(tmp_path))}
    assert runs.pop("other") == "complete"
    assert "victim" not in runs and runs and all(s == "leftover" for s in runs.values())
    assert {f: pathlib.Path(os.path.join(other, f)).read_bytes() for f in before} == before
    with pytest.raises(RunStoreError):
        open_run(os.path.join(tmp_path, "victim"))


def test_two_runs_at_once(tmp_path):
    procs = [subprocess.Popen(DIEROLL + ["--runs-dir", str(tmp_path), "run", BASELINE, "--name", n,
                                         "--draws", "2000", "--quiet"], cwd=ROOT) for n in ("p", "q")]
    assert [p.wait() for p in procs] == [0, 0]
    assert {r["name"]: r["status"] for r in list_runs(str(tmp_path))} == {"p": "complete", "q": "complete"}


def test_corrupt_and_partial_runs_are_named(tmp_path, small_run):
    bad = tmp_path / "bad"
    shutil.copytree(small_run, bad)
    with open(bad / "summary.nc", "r+b") as fh:
        fh.seek(2000)
        fh.write(b"garbage!")
    with pytest.raises(RunStoreError, match="summary.nc does not match its SHA-256"):
        open_run(bad)
    part = tmp_path / "part"
    shutil.copytree(small_run, part)
    os.remove(part / "manifest.json")
    with pytest.raises(RunStoreError, match="manifest.json is missing"):
        open_run(part)
    gone = tmp_path / "gone"
    shutil.copytree(small_run, gone)
    os.remove(gone / "priors.toml")
    with pytest.raises(RunStoreError, match="priors.toml is listed in the manifest but missing"):
        open_run(gone)
    m = json.loads((gone / "manifest.json").read_text())
    m["status"] = "running"
    (gone / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(RunStoreError, match="does not mark a complete run"):
        open_run(gone)
    with pytest.raises(RunStoreError, match="no such directory"):
        open_run(tmp_path / "nothing")


def test_bad_run_names_are_refused(tmp_path):
    for name in ("../escape", ".hidden", "a/b", "x" * 101, "trailing\n"):
        with pytest.raises(RunError, match="not allowed"):
            run_to_folder(BASELINE, runs_dir=str(tmp_path), name=name, draws=10, charts=False)


def test_draws_store_carries_provenance_and_consolidated_metadata(small_run):
    import zarr
    run = open_run(small_run)
    root = zarr.open_consolidated(os.path.join(small_run, "draws.zarr"))  # fails without consolidated metadata
    for key in ("seed", "draws", "priors_sha256", "dieroll_version", "model"):
        assert root.attrs[key] == run.summary.attrs[key], key
    assert root.attrs["draws"] == run.prior.sizes["draw"] == 3000

"""A full disk is a message, never a crash: at every write stage, on a real small
file system (tmpfs, when the tests run as root) and with a writer that fails
part-way (everywhere)."""
import errno
import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest

import dieroll.store.files as files
from dieroll.api import run_to_folder
from dieroll.errors import RunStoreError
from dieroll.store import open_run

from ..conftest import BASELINE, ROOT

DIEROLL = [sys.executable, "-m", "dieroll.cli"]
pytestmark = pytest.mark.timeout(300)
STAGES = ["priors.toml", "summary.nc", "fan.png", "fan.svg", "fan.pdf", "manifest.json"]


def _can_mount():
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    import tempfile
    d = tempfile.mkdtemp(prefix="dieroll-mount-probe-")  # one per process: test workers probe at once
    ok = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", d], capture_output=True).returncode == 0
    if ok:
        subprocess.run(["umount", d], check=True)
    os.rmdir(d)
    return ok


MOUNT = _can_mount()
needs_tmpfs = pytest.mark.skipif(not MOUNT, reason="mounting a small tmpfs needs root and mount(8); the "
                                                   "failing-writer tests cover the same paths")


@pytest.fixture
def small_fs(tmp_path):
    """A tmpfs of a chosen size: ``small_fs(size, ro=False)`` returns its runs folder."""
    mounted = []

    def make(size, ro=False):
        d = tmp_path / f"fs{len(mounted)}"
        d.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}" + (",ro" if ro else ""), "tmpfs", str(d)],
                       check=True)
        mounted.append(d)
        return d
    yield make
    for d in mounted:
        subprocess.run(["umount", "-l", str(d)], check=False)


@pytest.fixture(scope="module")
def old_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("old")
    return run_to_folder(BASELINE, runs_dir=str(d), name="x", draws=200, keep_draws=True)


def _settled_listing(folder):
    """The folder's entries after any straggling background write could have landed."""
    time.sleep(0.5)
    return sorted(os.listdir(folder))


# ------------------------------------------------------------ a failing writer
@pytest.mark.parametrize("stage", STAGES)
def test_a_write_failing_part_way_at_each_stage_is_one_message(tmp_path, old_run, monkeypatch, stage):
    shutil.copytree(old_run, tmp_path / "x")
    before = pathlib.Path(tmp_path / "x" / "manifest.json").read_text()
    real = files._os_write

    def write(fd, data):
        if os.readlink(f"/proc/self/fd/{fd}").endswith("/" + stage):
            real(fd, bytes(data[: len(data) // 2]))  # half of it lands, then the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, data)
    monkeypatch.setattr(files, "_os_write", write)
    with pytest.raises(RunStoreError, match=rf"writing {stage} failed: the disk is full .*nothing was kept"):
        run_to_folder(BASELINE, runs_dir=str(tmp_path), name="x", draws=300, force=True)
    assert _settled_listing(tmp_path) == ["x"]
    assert pathlib.Path(tmp_path / "x" / "manifest.json").read_text() == before
    assert open_run(tmp_path / "x").manifest["draws"] == 200


@pytest.mark.parametrize("stage", STAGES + ["draws.zarr"])
def test_too_little_space_at_each_stage_is_refused_with_the_estimate(tmp_path, monkeypatch, stage):
    real = files.check_free

    def check(folder, need, what):
        if what.startswith(stage):  # this stage finds the disk nearly full; those before it found room
            monkeypatch.setattr(files, "free_bytes", lambda f: 4096)
        return real(folder, need, what)
    monkeypatch.setattr(files, "check_free", check)
    with pytest.raises(RunStoreError, match=rf"not enough disk space for {stage}.*: it needs about [\d.]+ [KMG]iB, "
                                            r"4\.0 KiB is free"):
        run_to_folder(BASELINE, runs_dir=str(tmp_path), name="x", draws=300, keep_draws=True)
    assert _settled_listing(tmp_path) == []


def test_zarr_failing_part_way_leaves_no_partial_folder(tmp_path, monkeypatch):
    import xarray as xr
    real = xr.Dataset.to_zarr

    def to_zarr(self, store, *a, group=None, **k):
        real(self, store, *a, group=group, **k)
        if group == "prior_predictive":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(xr.Dataset, "to_zarr", to_zarr)
    with pytest.raises(RunStoreError, match="writing run 'x' failed: the disk is full"):
        run_to_folder(BASELINE, runs_dir=str(tmp_path), name="x", draws=300, keep_draws=True)
    assert _settled_listing(tmp_path) == []


# -------------------------------------------------------- a real small file system
@needs_tmpfs
def test_kept_draws_that_cannot_fit_are_refused_before_sampling(small_fs):
    runs = small_fs("4m")
    t0 = time.time()
    r = subprocess.run(DIEROLL + ["--runs-dir", str(runs), "run", BASELINE, "--draws", "2000000", "--keep-draws",
                                  "--quiet"], capture_output=True, text=True, cwd=ROOT, timeout=240)
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "not enough disk space for draws.zarr (2,000,000 draws x" in r.stderr and "GiB" in r.stderr
    assert time.time() - t0 < 60  # 2e6 draws were never sampled
    assert _settled_listing(runs) == []


@needs_tmpfs
def test_a_real_full_disk_during_zarr_writes(small_fs, monkeypatch):
    runs = small_fs("6m")
    monkeypatch.setattr(files, "check_free", lambda folder, need, what: None)  # let the writes hit the wall
    with pytest.raises(RunStoreError, match="failed: the disk is full"):
        run_to_folder(BASELINE, runs_dir=str(runs), name="z", draws=20000, keep_draws=True, charts=False)
    assert _settled_listing(runs) == []
    assert shutil.disk_usage(runs).used < 1 << 20


@pytest.fixture(scope="module")
def sizes(tmp_path_factory):
    """Bytes each file of a 300-draw baseline run takes on a tmpfs (whole 4 KiB pages),
    measured on a run like the one the tests below make: no size is written in here."""
    path = run_to_folder(BASELINE, runs_dir=str(tmp_path_factory.mktemp("sizes")), name="s", draws=300)
    return {f: -(-os.path.getsize(os.path.join(path, f)) // 4096) * 4096 for f in os.listdir(path)}


def _kib(n):
    return f"{-(-n // 1024)}k"


SPARE = files.MARGIN  # what the free-space check keeps spare


@needs_tmpfs
@pytest.mark.parametrize("stage", ["summary.nc", "fan.png"])
def test_a_real_full_disk_at_summary_and_charts(small_fs, monkeypatch, sizes, stage):
    # file systems sized from the run's own files: one where the check refuses ``stage``
    # (the files before it fit with the spare, ``stage`` does not), and one where the
    # check is fooled and ``stage``'s write hits the wall half-way
    before = sum(sizes[f] for f in STAGES[:STAGES.index(stage)])
    runs = small_fs(_kib(before + SPARE + sizes[stage] // 2))
    r = subprocess.run(DIEROLL + ["--runs-dir", str(runs), "run", BASELINE, "--draws", "300", "--quiet"],
                       capture_output=True, text=True, cwd=ROOT, timeout=240)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr  # refused by the free-space check
    assert f"not enough disk space for {stage}" in r.stderr
    assert _settled_listing(runs) == []
    runs = small_fs(_kib(before + sizes[stage] // 4))
    monkeypatch.setattr(files, "check_free", lambda folder, need, what: None)  # and when the check is fooled
    with pytest.raises(RunStoreError, match=f"writing {stage} failed: the disk is full"):
        run_to_folder(BASELINE, runs_dir=str(runs), name="s", draws=300)
    assert _settled_listing(runs) == []


@needs_tmpfs
def test_a_read_only_runs_folder(small_fs, old_run):
    runs = small_fs("4m", ro=True)
    r = subprocess.run(DIEROLL + ["--runs-dir", str(runs), "run", BASELINE, "--draws", "300", "--quiet"],
                       capture_output=True, text=True, cwd=ROOT, timeout=240)
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "Read-only file system" in r.stderr and "choose a writable --runs-dir" in r.stderr

"""The same run on dask.distributed: the same bits, whatever the task size or a dead worker."""
import os
import re
import signal
import threading
import time

import numpy as np
import pytest

from dieroll import open_run, run, run_to_folder
from dieroll.engine.distributed import plan
from dieroll.engine.reduce import BLOCK, FOLD, PILOT, Reducer
from dieroll.errors import Interrupted, RunError

from ..conftest import BASELINE

distributed = pytest.importorskip("dask.distributed", reason="dask.distributed is part of the test extra")

N = 300_000  # past 4 x 65,536, so the windows narrow: both phases run on the cluster


def test_plan_cuts_at_task_size_and_the_switch():
    assert plan(300_000, FOLD, 65_536) == [(0, 65_536), (65_536, 131_072), (131_072, 196_608),
                                          (196_608, 262_144), (262_144, 300_000)]
    assert plan(300_000, 2 * FOLD, 98_304) == [(0, 98_304), (98_304, 131_072), (131_072, 262_144),
                                              (262_144, 300_000)]
    for bad in (0, FOLD + 1, 1.5, True):
        with pytest.raises(RunError, match="multiple of 65,536"):
            plan(10**6, bad, None)


def test_partials_merged_in_order_equal_one_pass():
    """The reducer alone: tasks cut at fold points, merged in draw order, give one pass's bits."""
    rng = np.random.default_rng(11)
    n = 5 * FOLD + 12_345
    rows = np.stack([rng.normal(5, 2, n), np.exp(rng.normal(0, 1, n)), np.full(n, 3.0),
                     np.where(rng.random(n) < 0.4, 0.0, rng.gamma(2, 9, n))]).astype(np.float32)
    th = np.array([[5.0], [1.0], [3.0], [10.0]])
    one = Reducer(rows[:, :PILOT], th, [0.05, 0.5, 0.95], n, switch=FOLD + 3 * BLOCK)
    for f in range(0, n, 7_777):
        one.add(rows[:, f:f + 7_777], f)
    many = Reducer(rows[:, :PILOT], th, [0.05, 0.5, 0.95], n, switch=FOLD + 3 * BLOCK)
    tasks = plan(n, FOLD, many.switch)
    for phase in ([t for t in tasks if t[1] <= many.switch], [t for t in tasks if t[0] >= many.switch]):
        many.narrow_now()
        tmpl = many.template()
        parts = []
        for a, b in reversed(phase):  # computed in any order ...
            red = tmpl.for_task(a)
            for f in range(a, b, 5_000):
                red.add(rows[:, f:min(f + 5_000, b)], f)
            parts.append(red.partial())
        for p in sorted(parts, key=lambda p: p.start):  # ... merged in draw order
            many.merge(p)
    assert one.narrow is not None and many.narrow is not None
    for a, b in zip(one.quantiles() + one.moments() + (one.exceedance(),),
                    many.quantiles() + many.moments() + (many.exceedance(),)):
        assert a.tobytes() == b.tobytes()
    with pytest.raises(ValueError, match="draw order"):
        many.merge(parts[0])


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of two processes (its dashboard on a free port: no fixed port to collide with)."""
    from dieroll.engine.distributed import local_cluster
    cl, client = local_cluster(2)
    assert client.scheduler_info()["workers"]
    yield client
    client.close()
    cl.close()


@pytest.fixture(scope="module")
def local_summary():
    return run(BASELINE, draws=N).summary


def _same(a, b):
    assert list(a.data_vars) == list(b.data_vars)
    for v in a.data_vars:
        assert a[v].dims == b[v].dims, v
        assert a[v].values.tobytes() == b[v].values.tobytes(), v
    for k in ("seed", "draws", "priors_sha256", "thresholds", "model"):
        assert a.attrs[k] == b.attrs[k], k


@pytest.mark.parametrize("task_size", [FOLD, 3 * FOLD])
def test_a_local_cluster_of_two_processes_gives_the_local_bits(cluster, local_summary, task_size):
    got = run(BASELINE, draws=N, client=cluster, task_size=task_size)
    _same(local_summary, got.summary)
    import json
    eng = json.loads(got.summary.attrs["engine"])
    assert eng["tasks"] == len(plan(N, task_size, 65_536)) and eng["task_size"] == task_size


def test_a_cluster_run_writes_its_folder_like_a_local_one(cluster, tmp_path):
    """With a Client active, the run folder (summary.nc, charts, manifest) is written and reopens."""
    path = run_to_folder(BASELINE, runs_dir=str(tmp_path), name="c", draws=100_000, client=cluster, task_size=FOLD)
    got = open_run(path).summary
    _same(run(BASELINE, draws=100_000).summary, got)
    assert os.path.exists(os.path.join(path, "fan.png"))


def _store_files(path):
    """Every file of a zarr store by relative path, its bytes (the root's provenance
    attributes aside: ``created_at`` is the time each run was made)."""
    import json
    files = {}
    for dirpath, _, names in os.walk(path):
        for f in names:
            full = os.path.join(dirpath, f)
            rel = os.path.relpath(full, path)
            with open(full, "rb") as fh:
                data = fh.read()
            if rel == "zarr.json":
                meta = json.loads(data)
                meta["attributes"].pop("created_at")
                data = json.dumps(meta, sort_keys=True).encode()
            files[rel] = data
    return files


def test_kept_draws_are_written_by_the_workers_with_the_local_bytes(cluster, tmp_path):
    """--keep-draws on a cluster: each task's worker writes its own batches of draws.zarr."""
    from dieroll.store import BATCH
    n = 2 * BATCH + 12_345  # two whole batches and a partial one
    local = run_to_folder(BASELINE, runs_dir=str(tmp_path), name="local", draws=n, keep_draws=True, charts=False)
    pids = set(cluster.run(os.getpid).values())
    far = run_to_folder(BASELINE, runs_dir=str(tmp_path), name="far", draws=n, keep_draws=True, charts=False,
                        client=cluster, task_size=BATCH)
    a, b = _store_files(os.path.join(local, "draws.zarr")), _store_files(os.path.join(far, "draws.zarr"))
    assert sorted(a) == sorted(b) and len(a) > 50
    assert [k for k in a if a[k] != b[k]] == []
    pp = open_run(far).prior_predictive
    assert pp.sizes["draw"] == n and int(pp.draw[-1]) == n - 1
    assert float(pp.china_total.isel(draw=-1, time=-1, metric=0)) > 0  # the last, partial batch was written
    _same(open_run(local).summary, open_run(far).summary)
    assert os.getpid() not in pids  # the draws were made (and written) in other processes
    with pytest.raises(RunError, match="not gathered from a cluster"):
        run(BASELINE, draws=1000, keep_draws=True, client=cluster)


def test_workers_run_numba_on_one_thread(cluster):
    import numba
    got = cluster.run(lambda: (os.environ.get("NUMBA_NUM_THREADS"), numba.config.NUMBA_NUM_THREADS))
    assert len(got) == 2 and all(v == ("1", 1) for v in got.values())


def test_a_worker_killed_mid_run_is_retried_and_the_bits_hold(cluster, local_summary):
    pids = cluster.run(os.getpid)
    killed = []

    def kill_when_busy():
        deadline = time.time() + 120
        while time.time() < deadline:
            for addr, keys in cluster.processing().items():
                if any(re.match(r"dieroll-\d", str(k)) for k in keys):  # a task of draws
                    time.sleep(0.5)  # into the task
                    os.kill(pids[addr], signal.SIGKILL)
                    killed.append(addr)
                    return
            time.sleep(0.05)

    t = threading.Thread(target=kill_when_busy)
    t.start()
    got = run(BASELINE, draws=N, client=cluster, task_size=FOLD)
    t.join()
    assert killed, "no worker was busy with a task to kill"
    _same(local_summary, got.summary)
    cluster.wait_for_workers(2, timeout=60)  # the nanny brought the killed one back
    assert pids[killed[0]] not in cluster.run(os.getpid).values()


def test_a_run_interrupted_on_the_client_leaves_no_complete_folder(cluster, tmp_path):
    from dieroll.engine import STOP
    STOP.clear()
    timer = threading.Timer(4.0, STOP.set)
    timer.start()
    try:
        with pytest.raises(Interrupted, match="temporary folder was removed"):
            run_to_folder(BASELINE, runs_dir=str(tmp_path), name="x", draws=2_000_000, client=cluster,
                          task_size=FOLD, charts=False)
    finally:
        timer.cancel()
        STOP.clear()
    assert not os.path.exists(tmp_path / "x")
    assert [e for e in os.listdir(tmp_path) if not e.startswith(".")] == []
    with pytest.raises(Exception):
        open_run(tmp_path / "x")


def test_cluster_options_refused_with_one_line(tmp_path):
    import subprocess
    import sys
    base = [sys.executable, "-m", "dieroll.cli", "--runs-dir", str(tmp_path), "run", BASELINE, "--draws", "20000"]
    for extra, words in ((["--workers", "0"], "workers must be a whole number from 1"),
                         (["--workers", "1", "--task-size", "1000"], "multiple of 65,536"),
                         (["--task-size", "65536"], "--task-size is for a cluster run"),
                         (["--workers", "1", "--scheduler", "tcp://x:1"], "not both"),
                         (["--scheduler", "tcp://127.0.0.1:9"], "cannot reach the dask scheduler")):
        p = subprocess.run(base + extra, capture_output=True, text=True, timeout=120)
        assert p.returncode != 0 and words in p.stderr and "Traceback" not in p.stderr, (extra, p.stderr[-800:])
    assert [e for e in os.listdir(tmp_path) if not e.startswith(".")] == []  # no run folder left


@pytest.mark.slow
def test_a_run_on_an_existing_scheduler_started_as_the_readme_says(tmp_path):
    """`dask scheduler` and `dask worker` started from the command line (the README's recipe),
    then `dieroll run --scheduler`: the local run's summary, bit for bit."""
    import socket
    import subprocess
    import sys
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    addr = f"tcp://127.0.0.1:{port}"
    dask = os.path.join(os.path.dirname(sys.executable), "dask")
    env = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        time.sleep(3)
        procs.append(subprocess.Popen([dask, "worker", addr, "--nthreads", "1", "--nworkers", "2", "--no-dashboard"],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from dask.distributed import Client
        with Client(addr, timeout=30) as c:
            c.wait_for_workers(2, timeout=60)
        p = subprocess.run([sys.executable, "-m", "dieroll.cli", "--runs-dir", str(tmp_path), "run", BASELINE,
                            "--name", "far", "--draws", "200000", "--scheduler", addr, "--task-size", "65536",
                            "--quiet"], capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr[-2000:]
    finally:
        for pr in reversed(procs):
            pr.terminate()
            pr.wait(timeout=30)
    _same(run(BASELINE, draws=200_000).summary, open_run(tmp_path / "far").summary)


def test_a_model_file_runs_on_the_cluster_with_the_local_bits(cluster):
    """A model file's kernel travels to the workers as its generated source (CompiledKernel
    pickles so) and gives the local bits there."""
    priors = os.path.join(os.path.dirname(BASELINE), "examples", "smuggling-cases.toml")
    local = run(priors, draws=2 * FOLD + 1000).summary
    got = run(priors, draws=2 * FOLD + 1000, client=cluster, task_size=FOLD).summary
    _same(local, got)
    assert got.attrs["model"] == "smuggling-cases" and got.attrs["model_sha256"] == local.attrs["model_sha256"]


def test_the_suite_runs_with_the_dashboard_port_held(dashboard_port_held):
    """conftest holds port 8787 in another process for the whole session: the cluster tests
    above ran beside it (a LocalCluster that bound 8787 would have failed to start)."""
    import socket

    from ..conftest import DASHBOARD_PORT
    assert dashboard_port_held in ("held", "taken")
    s = socket.socket()
    with pytest.raises(OSError):
        s.bind(("0.0.0.0", DASHBOARD_PORT))
    s.close()


def test_model_v3_on_a_cluster_gives_the_local_bits(cluster):
    """Model v3's priors: competing paths, a scalar correlated with a path, dated claims."""
    v3 = os.path.join(os.path.dirname(BASELINE), "v3.toml")
    _same(run(v3, draws=N).summary, run(v3, draws=N, client=cluster, task_size=FOLD).summary)

"""The same run on dask.distributed: block ranges of draws as tasks, merged in a fixed order.

How a run is split (:func:`plan`)
    Draws ``0 .. N-1`` are cut into tasks of ``task_size`` draws (a multiple of
    :data:`~dieroll.engine.reduce.FOLD`), and once more at the narrowing
    switch.  Every cut is a fold point of the reducer, so the mean/sd sums of a
    task are whole folds, and a task's histogram counts, exceedance counts and
    min/max are integers or exact.

Phases
    The client samples the pilot (the first ``PILOT`` draws, as a local run does)
    and places the windows.  Phase one sends the tasks before the switch with
    the pilot's windows; the client merges their partials in draw order, narrows
    the windows exactly as a local run does at the switch, and phase two sends
    the rest with the narrowed windows.  Each task regenerates its own random
    numbers from its draw indices (Philox: a pure function of seed, quantity and
    draw), so where a task runs, and how often it is retried, changes nothing.

Workers
    Each worker process runs numba single-threaded (``NUMBA_NUM_THREADS=1``,
    set for a LocalCluster; on your own cluster, set it in the workers'
    environment) and loads the kernels from the on-disk cache once
    (:func:`warm`) before the first task.

Kept draws
    With a ``sink`` (:class:`dieroll.store.DrawsWriter`, its store created by the
    client), each task hands its chunks to ``sink.for_task(start, stop)`` in its
    worker: the worker writes the task's own batches of ``draws.zarr`` (task
    cuts are fold points, a batch is one fold), so nothing is gathered on the
    client and the store has a local run's bytes.

The result is a :class:`~dieroll.engine.simulate.Simulation` with the same bits
as :func:`~dieroll.engine.simulate.simulate` (tested on a LocalCluster of two
processes, with two task sizes, and with a worker killed mid-run).
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

from ..errors import RunError
from .chunks import RUN_DTYPE, ChunkBuffers, numba_threads, reduce_range
from .reduce import FOLD

__all__ = ["DEFAULT_TASK_SIZE", "check_task_size", "plan", "local_cluster", "connect", "simulate_on", "warm"]

#: Draws per task unless told: 64 folds (4,194,304 draws), a minute or two of one worker on
#: the China model (benchmarks/bench_distributed.py measures it): long enough that the
#: scheduler's per-task cost and each first-phase task's returned counts are small beside
#: it, short enough that a lost worker costs minutes; 240 tasks for 1e9 draws.
DEFAULT_TASK_SIZE = 64 * FOLD


def plan(n_draws: int, task_size: int, switch: int | None) -> list[tuple[int, int]]:
    """The tasks' draw ranges ``[(start, stop), ...]`` in order: cuts every ``task_size``
    draws and at ``switch``.  ``task_size`` must be a positive multiple of ``FOLD``."""
    check_task_size(task_size)
    cuts = set(range(0, n_draws, int(task_size))) | {n_draws}
    if switch is not None and 0 < switch < n_draws:
        cuts.add(int(switch))
    cuts = sorted(cuts)
    return list(zip(cuts[:-1], cuts[1:]))


def check_task_size(task_size) -> int:
    """``task_size`` as an int, or a RunError: tasks are whole multiples of ``FOLD`` draws."""
    if isinstance(task_size, bool) or not isinstance(task_size, (int, np.integer)) or task_size < FOLD \
            or task_size % FOLD:
        raise RunError(f"task size must be a whole multiple of {FOLD:,} draws (the reducer's fold), "
                       f"got {task_size!r}")
    return int(task_size)


def warm(model) -> str:
    """Import ``model``'s kernel in this worker (a model file's generated module; the
    engine's kernels come with this module) before any task is timed; returns the pid."""
    getattr(model.run_chunk, "module", None)
    return str(os.getpid())


def _identity(x):
    return x


def _task(prior, model, layout, sink, seed, abs0, template, start, stop, chunk_size):
    """Run draws ``start .. stop - 1`` into a fresh reducer and hand back its partial;
    with a ``sink`` (kept draws), every chunk goes to ``sink.for_task(start, stop)`` too."""
    red = template.for_task(start)
    out = sink.for_task(start, stop) if sink is not None else None
    n = min(chunk_size, stop - start)
    bufs = ChunkBuffers(layout, model.n_series, prior.run.n_steps, n, dtype=RUN_DTYPE)
    with numba_threads(1):  # the worker's processes are the parallelism
        for ch in reduce_range(bufs, model, layout, prior, seed, abs0, red, start, stop, n,
                               reduced_only=out is None):
            if out is not None:
                out.add(ch)
    if out is not None:
        out.flush()
    return red.partial()


def local_cluster(workers: int):
    """A dask LocalCluster of ``workers`` single-threaded processes, numba on one thread each,
    and a Client to it.  Returns ``(cluster, client)``; close both when done."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise RunError("--workers needs dask.distributed: pip install 'dask[distributed]'") from None
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or not 1 <= workers <= 1024:
        raise RunError(f"workers must be a whole number from 1 to 1024, got {workers!r}")
    # the dashboard on a free port (":0"): dashboard_address=None still binds 8787 and fails when
    # another cluster or program holds it (dask/distributed#8136)
    cluster = LocalCluster(n_workers=int(workers), threads_per_worker=1, processes=True,
                           dashboard_address=":0", env={"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
                           silence_logs=40)
    return cluster, Client(cluster)


def connect(address: str):
    """A Client to an existing dask scheduler (``tcp://host:8786``), with a clear error."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise RunError("--scheduler needs dask.distributed: pip install 'dask[distributed]'") from None
    try:
        return Client(address, timeout=10)
    except (OSError, TimeoutError, ValueError) as exc:
        raise RunError(f"--scheduler {address}: cannot reach the dask scheduler ({exc})") from None


def simulate_on(client, prior, model, layout, reducer, *, N, seed, abs0, chunk_size, task_size=None,
                progress=False, stop_event=None, sink=None):
    """Run the draws past the pilot's placement on ``client``; ``reducer`` (windows placed,
    nothing counted) receives every task's partial in draw order; ``sink`` (kept draws)
    receives every task's chunks in its worker.  Returns the tasks' ranges."""
    from dask.distributed import as_completed
    task_size = DEFAULT_TASK_SIZE if task_size is None else task_size
    tasks = plan(N, task_size, reducer.switch)
    client.run(warm, model)  # every worker loads the kernels before the first task is timed
    # held as tasks, not scattered: a worker that dies takes scattered data with it, while the
    # scheduler recomputes a task's result from the graph on another worker
    shared = [client.submit(_identity, x, pure=False, key=f"dieroll-{name}-{time.time_ns()}")
              for name, x in (("priors", prior), ("model", model), ("layout", layout), ("sink", sink))]
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=N, unit="draw", unit_scale=True, delay=2.0, file=sys.stderr,
                   desc=prior.run.title[:30], leave=False)
    try:
        switch = reducer.switch
        phases = [[t for t in tasks if switch is None or t[1] <= switch],
                  [t for t in tasks if switch is not None and t[0] >= switch]]
        for phase in phases:
            if not phase:
                continue
            reducer.narrow_now()
            tmpl = client.submit(_identity, reducer.template(), pure=False, key=f"dieroll-windows-{time.time_ns()}")
            futs = {client.submit(_task, *shared, seed, abs0, tmpl, a, b, chunk_size,
                                  key=f"dieroll-{seed}-{a}-{b}-{time.time_ns()}", pure=False, retries=3): (a, b)
                    for a, b in phase}
            ready, order = {}, [a for a, _ in phase]
            i = 0
            try:
                for fut in as_completed(futs):
                    if stop_event is not None and stop_event.is_set():
                        raise KeyboardInterrupt
                    a, b = futs[fut]
                    ready[a] = fut.result()
                    fut.release()
                    while i < len(order) and order[i] in ready:  # merge in draw order
                        reducer.merge(ready.pop(order[i]))
                        i += 1
                    if bar is not None:
                        bar.update(b - a)
            finally:
                client.cancel(list(futs))
    finally:
        if bar is not None:
            bar.close()
    if reducer.n != N:
        raise RunError(f"internal error: merged {reducer.n:,} of {N:,} draws")
    return tasks


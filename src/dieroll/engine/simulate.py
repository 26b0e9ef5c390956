"""Run a model over a PriorSet in chunks of draws: sample, model, reduce.

Memory is bounded by the chunk: the inputs and outputs of one chunk are the
largest arrays, whatever the number of draws.  Random numbers are a pure
function of ``(seed, quantity, draw, step)``, so the result is bit-identical for
any chunk size or thread count, and draws ``0..N-1`` do not change when ``N`` grows.
"""
from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numba
import numpy as np

from ..catalog import Model
from ..errors import RunError
from ..priors import PriorSet
from ..selection import year_ends
from .chunks import RUN_DTYPE, Chunk, ChunkBuffers, numba_threads, raise_non_finite, reduce_range, sample_inputs
from .distributed import DEFAULT_TASK_SIZE, check_task_size, simulate_on
from .layout import InputLayout, build_layout
from .reduce import BLOCK, PILOT, Reducer

__all__ = ["Chunk", "Simulation", "evaluate", "simulate", "whole", "sample_inputs", "reduce_range", "DEFAULT_CHUNK_BYTES",
           "default_chunk_size", "same_rows", "summarised_rows", "STOP"]

#: Set (e.g. by a SIGINT handler) to stop a running simulation at the next chunk
#: boundary with ``KeyboardInterrupt``, never inside a parallel kernel.
STOP = threading.Event()

#: Bytes of float32 outputs per chunk unless told (6,144 draws of the baseline).  Large
#: chunks spread each row's fixed cost in the reducers (its counters and sums, read and
#: written once a chunk) over more draws, and the model streams the chunk past the caches
#: (:mod:`dieroll._stream`), so that its size does not cost the model.
DEFAULT_CHUNK_BYTES = 128 * 2**20
#: The largest chunk a caller may ask for (its outputs are held in memory at once).
MAX_CHUNK = 1 << 22


@dataclass
class Simulation:
    """What a run produced, before it is turned into datasets."""

    prior: PriorSet
    model: Model
    layout: InputLayout
    draws: int
    seed: int
    chunk_size: int
    threads: int
    reducer: Reducer
    thresholds: dict[str, tuple[float, ...]]
    seconds: float
    settings: dict = field(default_factory=dict)


def whole(value, name: str, low: int, high: int) -> int:
    """``value`` as an int from ``low`` to ``high``, or a RunError naming ``name``: an int, or a
    float with no fraction (``1e6``); ``2.9`` is refused, never truncated, and so is a bool."""
    ok = (isinstance(value, (int, np.integer)) and not isinstance(value, bool)) or \
        (isinstance(value, (float, np.floating)) and float(value).is_integer())
    if not ok or not low <= value <= high:
        raise RunError(f"{name} must be a whole number from {low:,} to {high:,}, got {value!r}")
    return int(value)


def evaluate(prior: PriorSet, model: Model, *, draws: int = 1, first: int = 0,
             seed: int | None = None, dtype=np.float64) -> Chunk:
    """Sample and run draws ``first .. first + draws - 1`` and return every number.

    For small numbers of draws (tests, notebooks, checking a single scenario by
    hand): the outputs of all draws are held in memory.  ``dtype=np.float32``
    gives the outputs as runs hold them (each value rounded once, by the model's
    kernel as it writes them).
    """
    seed = prior.run.seed if seed is None else whole(seed, "seed", 0, 2**64 - 1)
    draws = whole(draws, "draws", 1, MAX_CHUNK)
    first = whole(first, "first", 0, 10**10)
    layout = build_layout(prior, model.scalar_names, model.path_names)
    abs0 = prior.run.start.year * 12 + prior.run.start.month - 1
    bufs = ChunkBuffers(layout, model.n_series, prior.run.n_steps, draws, dtype=np.dtype(dtype))
    return bufs.chunk(model, layout, seed, abs0, first, draws)


def default_chunk_size(model: Model, n_steps: int) -> int:
    """Draws per chunk unless told: as many as fit in ``DEFAULT_CHUNK_BYTES`` of float32
    outputs, a multiple of 256 (at least 256)."""
    return max(256, DEFAULT_CHUNK_BYTES // (RUN_DTYPE.itemsize * model.n_series * n_steps) // 256 * 256)


def same_rows(model: Model, T: int) -> np.ndarray:
    """For every reducer row (series x month), the row it equals by construction
    (:attr:`Model.identical <dieroll.catalog.Model.identical>`), or itself."""
    src = model.contract.sources(model.identical)
    return (src[:, None] * T + np.arange(T)[None, :]).ravel()


def summarised_rows(model: Model, prior: PriorSet) -> np.ndarray:
    """For every reducer row (series x month), whether runs summarise it: all rows
    but those of a calendar-year flow (:attr:`OutputSpec.year_end
    <dieroll.catalog.OutputSpec.year_end>`) between the run's year ends (its
    Decembers and its last month)."""
    ends = year_ends(prior.run.dates())
    return np.concatenate([np.tile(ends if o.year_end else np.ones(len(ends), bool), o.size)
                           for o in model.contract.outputs])


def _threshold_rows(model, prior, T):
    th = {}
    for name, vals in prior.run.thresholds.items():
        names = [o.name for o in model.outputs]
        if name not in names:
            import difflib
            close = difflib.get_close_matches(name, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise RunError(f"run.thresholds.{name}: the model has no output {name!r}{hint}; outputs are "
                           + ", ".join(names))
        th[name] = vals
    K = max((len(v) for v in th.values()), default=0)
    rows = []
    for o in model.outputs:
        v = np.full(K, np.nan)
        v[: len(th.get(o.name, ()))] = th.get(o.name, ())
        rows += [v] * (o.size * T)
    return np.array(rows).reshape(len(rows), K), th


def simulate(prior: PriorSet, model: Model, *, draws: int | None = None,
             seed: int | None = None, chunk_size: int | None = None, threads: int | None = None,
             on_chunk: Callable[[Chunk], None] | None = None, progress: bool = False,
             layout: InputLayout | None = None, client=None, task_size: int | None = None,
             sink=None) -> Simulation:
    """Run ``model`` over ``prior``.

    Parameters
    ----------
    prior : PriorSet
    model : Model
        The model to run (``dieroll.simulate`` picks the one ``prior`` names).
    draws, seed : int, optional
        Override ``[run]`` settings.
    chunk_size : int, optional
        Draws per chunk (default: as many as fit in 128 MiB of float32 outputs).
    threads : int, optional
        numba threads (default: numba's).
    on_chunk : callable, optional
        Called with each :class:`Chunk` in draw order (e.g. to store draws).
    progress : bool
        Show a progress bar on stderr for runs longer than about two seconds.
    layout : InputLayout, optional
        ``prior`` already packed for ``model`` (see :func:`build_layout`), when the
        caller needs it too (e.g. to store draws).
    client : dask.distributed.Client, optional
        Run the draws as tasks on this cluster (:mod:`dieroll.engine.distributed`);
        the result has the same bits.  ``on_chunk`` is not called then.
    task_size : int, optional
        Draws per task on a cluster (a multiple of ``FOLD``; default
        :data:`~dieroll.engine.distributed.DEFAULT_TASK_SIZE`).
    sink : object, optional
        On a cluster, what receives each task's chunks in the worker (kept draws):
        ``sink.for_task(start, stop)`` returns an object whose ``add(chunk)`` gets
        every chunk of the task in draw order and whose ``flush()`` ends it (see
        :meth:`dieroll.store.DrawsWriter.for_task`).  Picklable.

    Returns
    -------
    Simulation
    """
    N = prior.run.draws if draws is None else whole(draws, "draws", 1, 10**10)
    seed = prior.run.seed if seed is None else whole(seed, "seed", 0, 2**64 - 1)
    if not 1 <= N <= 10**10:
        raise RunError(f"draws must be from 1 to 1e10, got {N}")
    if not 0 <= seed < 2**64:
        raise RunError(f"seed must be from 0 to 2**64 - 1, got {seed}")
    T = prior.run.n_steps
    abs0 = prior.run.start.year * 12 + prior.run.start.month - 1
    if chunk_size is None:
        chunk_size = default_chunk_size(model, T)
    elif isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or \
            not 1 <= chunk_size <= MAX_CHUNK:
        raise RunError(f"chunk size must be a whole number of draws from 1 to {MAX_CHUNK:,}, got {chunk_size!r}")
    chunk_size = int(min(chunk_size, N))
    most = numba.config.NUMBA_NUM_THREADS
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, (int, np.integer))
                                or not 1 <= threads <= most):
        raise RunError(f"threads must be a whole number from 1 to {most} (the cores numba may use here), "
                       f"got {threads!r}")
    threads = numba.get_num_threads() if threads is None else int(threads)
    if (on_chunk is not None and client is not None) or (sink is not None and client is None):
        raise RunError("on_chunk is for a local run and sink for a cluster run")
    if client is not None and task_size is not None:
        check_task_size(task_size)
    if layout is None:
        layout = build_layout(prior, model.scalar_names, model.path_names)
    th_rows, th = _threshold_rows(model, prior, T)
    t0 = time.perf_counter()
    with numba_threads(threads):
        # Pilot: the first min(N, PILOT) draws place the histogram windows.  They are
        # run as one chunk into the array that the reducer then sorts in place (no
        # pieces copied and joined, no fresh pages for a sorted copy)
        npilot = min(N, PILOT)
        if STOP.is_set():
            raise KeyboardInterrupt
        pbufs = ChunkBuffers(layout, model.n_series, T, npilot, dtype=RUN_DTYPE)
        pilot = pbufs.chunk(model, layout, seed, abs0, 0, npilot).out.reshape(model.n_series * T, npilot)
        if not np.isfinite(pilot).all():
            raise_non_finite(model, prior, pilot, 0)
        reducer = Reducer(pilot, th_rows, prior.run.quantiles, N, same=same_rows(model, T), sort_pilot=True,
                          skip=~summarised_rows(model, prior))
        del pilot, pbufs
        if STOP.is_set():
            raise KeyboardInterrupt
        bufs = ChunkBuffers(layout, model.n_series, T, chunk_size, dtype=RUN_DTYPE)
        if client is not None and reducer.exact is None:
            tasks = simulate_on(client, prior, model, layout, reducer, N=N, seed=seed, abs0=abs0,
                                   chunk_size=chunk_size, task_size=task_size, progress=progress, stop_event=STOP,
                                   sink=sink)
            return Simulation(prior=prior, model=model, layout=layout, draws=N, seed=seed,
                              chunk_size=chunk_size, threads=threads, reducer=reducer, thresholds=th,
                              seconds=time.perf_counter() - t0,
                              settings={"chunk_size": chunk_size, "threads": threads, "pilot": PILOT,
                                        "block": BLOCK, "rng": "philox4x32-10", "tasks": len(tasks),
                                        "task_size": int(task_size or DEFAULT_TASK_SIZE)})
        bar = None
        if progress:
            from tqdm import tqdm
            bar = tqdm(total=N, unit="draw", unit_scale=True, delay=2.0, file=sys.stderr,
                       desc=prior.run.title[:30], leave=False)
        try:
            if STOP.is_set():
                raise KeyboardInterrupt
            for ch in reduce_range(bufs, model, layout, prior, seed, abs0, reducer, 0, N, chunk_size,
                                   reduced_only=on_chunk is None):
                if on_chunk is not None:
                    on_chunk(ch)
                if bar is not None:
                    bar.update(ch.scalars.shape[0])
                if STOP.is_set():
                    raise KeyboardInterrupt
        finally:
            if bar is not None:
                bar.close()
    return Simulation(prior=prior, model=model, layout=layout, draws=N, seed=seed,
                      chunk_size=chunk_size, threads=threads, reducer=reducer, thresholds=th,
                      seconds=time.perf_counter() - t0,
                      settings={"chunk_size": chunk_size, "threads": threads, "pilot": PILOT,
                                "block": BLOCK, "rng": "philox4x32-10"})

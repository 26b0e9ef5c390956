"""Run a model over a PriorSet in chunks of draws: sample, model, reduce.

Memory is bounded by the chunk: the inputs and outputs of one chunk are the
largest arrays, whatever the number of draws.  Random numbers are a pure
function of ``(seed, quantity, draw, step)``, so the result is bit-identical for
any chunk size or thread count, and draws ``0..N-1`` do not change when ``N`` grows.
"""
from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numba
import numpy as np

from .._stream import aligned_empty
from ..catalog import Model
from ..errors import RunError
from ..priors import PriorSet
from ..selection import year_ends
from ._sampling import sample_chunk
from .layout import InputLayout, build_layout
from .reduce import BLOCK, PILOT, Reducer, RowsDiffer

__all__ = ["Chunk", "Simulation", "evaluate", "simulate", "sample_inputs", "reduce_range", "DEFAULT_CHUNK_BYTES",
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
#: Runs round each output to this type once, as stored draws are (see reduce.py).
RUN_DTYPE = np.dtype(np.float32)


@dataclass
class Chunk:
    """One chunk of draws: sampled inputs, chosen claims and outputs.

    The arrays are reused for the next chunk: copy what you keep.
    """

    first: int
    scalars: np.ndarray   # (n, S)
    claims: np.ndarray    # (n, S) int16 claim index
    knots: np.ndarray     # (n, K)
    out: np.ndarray       # (n_series, T, n): float32 in runs, float64 from evaluate()
    model: Model | None = None

    def output(self, name: str, **labels) -> np.ndarray:
        """One output series ``(T, n)``, e.g. ``output("stock", region="north", kind="low")``."""
        return self.out[self.model.contract.row(name, **labels)]


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


def sample_inputs(layout: InputLayout, seed: int, first: int, n: int):
    """Sample the inputs of draws ``first .. first + n - 1``.

    Returns
    -------
    scalars : ndarray (n, S); claims : ndarray (n, S) int16; knots : ndarray (n, K)
    """
    S, K = layout.n_scalars, layout.n_knots
    scalars = np.empty((n, S))
    claims = np.zeros((n, S), dtype=np.int16)
    knots = np.empty((n, K))
    _fill_inputs(layout, seed, first, scalars, claims, knots)
    return scalars, claims, knots


def _fill_inputs(layout, seed, first, scalars, claims, knots):
    sample_chunk(np.uint64(seed), np.int64(first), layout.dists, layout.scalars, layout.paths,
                 numba.get_num_threads(), scalars, claims, knots)


class _Buffers:
    """Chunk arrays allocated once and reused (fresh pages cost page faults)."""

    def __init__(self, layout, n_series, T, n, dtype=np.float64):
        self.scalars = np.empty((n, layout.n_scalars))
        self.claims = np.zeros((n, layout.n_scalars), dtype=np.int16)
        self.knots = np.empty((n, layout.n_knots))
        self.out = aligned_empty((n_series, T, n), dtype)  # aligned for streaming stores

    def chunk(self, model, layout, seed, abs0, first, n, needed=None) -> Chunk:
        """Sample and run draws ``first .. first + n - 1``; with ``needed`` (a model with
        ``partial_chunks``) only those rows of ``out`` are sure to be written."""
        if n == self.out.shape[2]:
            sc, cl, kn, out = self.scalars, self.claims, self.knots, self.out
        else:
            sc, cl, kn = self.scalars[:n], self.claims[:n], self.knots[:n]
            out = aligned_empty(self.out.shape[:2] + (n,), self.out.dtype)
        _fill_inputs(layout, seed, first, sc, cl, kn)
        if needed is None:
            model.run_chunk(layout, sc, kn, abs0, out)
        else:
            model.run_chunk(layout, sc, kn, abs0, out, needed=needed)
        return Chunk(first, sc, cl, kn, out, model)


def reduce_range(bufs, model, layout, prior, seed, abs0, reducer, start, stop, chunk_size, reduced_only=False):
    """Sample, run and reduce draws ``start .. stop - 1`` chunk by chunk (a local run's
    loop, and a cluster task's); yields each Chunk once reduced.  A non-finite output
    raises a RunError naming it.  With ``reduced_only`` (nothing else reads the chunks)
    a model with ``partial_chunks`` may leave the rows the reducer skips unwritten."""
    T = prior.run.n_steps
    needed = ~reducer.skip if reduced_only and model.partial_chunks and reducer.skip.any() else None
    for first in range(start, stop, chunk_size):
        n = min(chunk_size, stop - first)
        ch = bufs.chunk(model, layout, seed, abs0, first, n, needed)
        rows = ch.out.reshape(model.n_series * T, n)
        try:
            reducer.add(rows, first)
        except RowsDiffer as e:
            raise RunError(f"internal error in model {model.name!r}: it declares "
                           f"{model.contract.where(e.row // T)} equal to {model.contract.where(e.source // T)} "
                           f"by construction (Model.identical), but at {str(prior.run.dates()[e.row % T])[:7]}, "
                           f"draw {e.draw:,} they are {e.value!r} and {e.source_value!r}") from None
        # the reducer's run-wide min and max become inf or nan with any such value (rows not
        # summarised keep their initial inf and -inf: a year's flow is checked at the year's end)
        c = reducer.counted
        if not (np.isfinite(reducer.vmin[c]).all() and np.isfinite(reducer.vmax[c]).all()):
            _non_finite(model, prior, rows[c], first, c)
        yield ch


def _non_finite(model, prior, rows, first, which=None):
    """Raise a RunError naming the first non-finite output: variable, labels, month and
    draw (``rows`` are reducer rows ``which``, default all)."""
    bad = ~np.isfinite(rows)
    draw = int(np.argmax(bad.any(axis=0)))
    i = int(np.argmax(bad[:, draw]))
    r = i if which is None else int(which[i])
    T = prior.run.n_steps
    series, t = divmod(r, T)
    where = model.contract.where(series)
    month = str(prior.run.dates()[t])[:7]
    raise RunError(f"{prior.path}: the model produced {rows[i, draw]} for {where} at {month}, draw "
                   f"{first + draw:,}: an input is too large or too small for the model's arithmetic "
                   f"(outputs are stored as float32, at most {float(np.finfo(RUN_DTYPE).max):.3g}); "
                   f"check `dieroll.evaluate(prior, draws=1, first={first + draw})` for the inputs of that draw")


def evaluate(prior: PriorSet, model: Model | None = None, *, draws: int = 1, first: int = 0,
             seed: int | None = None, dtype=np.float64) -> Chunk:
    """Sample and run draws ``first .. first + draws - 1`` and return every number.

    For small numbers of draws (tests, notebooks, checking a single scenario by
    hand): the outputs of all draws are held in memory.  ``dtype=np.float32``
    gives the outputs as runs hold them (each value rounded once, by the model's
    kernel as it writes them).
    """
    if model is None:
        from ..modelfile import model_for
        model = model_for(prior)
    seed = prior.run.seed if seed is None else int(seed)
    layout = build_layout(prior, model.scalar_names, model.path_names)
    abs0 = prior.run.start.year * 12 + prior.run.start.month - 1
    bufs = _Buffers(layout, model.n_series, prior.run.n_steps, draws, dtype=np.dtype(dtype))
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


@contextlib.contextmanager
def _threads(n):
    old = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        yield
    finally:
        numba.set_num_threads(old)


def simulate(prior: PriorSet, model: Model | None = None, *, draws: int | None = None,
             seed: int | None = None, chunk_size: int | None = None, threads: int | None = None,
             on_chunk: Callable[[Chunk], None] | None = None, progress: bool = False,
             layout: InputLayout | None = None, client=None, task_size: int | None = None,
             sink=None) -> Simulation:
    """Run ``model`` over ``prior``.

    Parameters
    ----------
    prior : PriorSet
    model : Model, optional
        Defaults to the China AI compute model.
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
    if model is None:
        from ..modelfile import model_for
        model = model_for(prior)
    N = prior.run.draws if draws is None else int(draws)
    seed = prior.run.seed if seed is None else int(seed)
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
        from .distributed import check_task_size
        check_task_size(task_size)
    if layout is None:
        layout = build_layout(prior, model.scalar_names, model.path_names)
    th_rows, th = _threshold_rows(model, prior, T)
    t0 = time.perf_counter()
    with _threads(threads):
        # Pilot: the first min(N, PILOT) draws place the histogram windows.  They are
        # run as one chunk into the array that the reducer then sorts in place (run in
        # pieces, copied and joined, the baseline's 350 MB pilot took about 2 s of the
        # 3 s before a 1e7 run's first chunk, most of it writing fresh pages)
        npilot = min(N, PILOT)
        if STOP.is_set():
            raise KeyboardInterrupt
        pbufs = _Buffers(layout, model.n_series, T, npilot, dtype=RUN_DTYPE)
        pilot = pbufs.chunk(model, layout, seed, abs0, 0, npilot).out.reshape(model.n_series * T, npilot)
        if not np.isfinite(pilot).all():
            _non_finite(model, prior, pilot, 0)
        reducer = Reducer(pilot, th_rows, prior.run.quantiles, N, same=same_rows(model, T), sort_pilot=True,
                          skip=~summarised_rows(model, prior))
        del pilot, pbufs
        if STOP.is_set():
            raise KeyboardInterrupt
        bufs = _Buffers(layout, model.n_series, T, chunk_size, dtype=RUN_DTYPE)
        if client is not None and reducer.exact is None:
            from .distributed import DEFAULT_TASK_SIZE, simulate_on
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

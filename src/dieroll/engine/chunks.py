"""A chunk of draws: its arrays, and the loop that samples, runs and reduces a range of
draws chunk by chunk.

Both a local run (:func:`dieroll.engine.simulate.simulate`) and a cluster task
(:mod:`dieroll.engine.distributed`) go through :func:`reduce_range`, so that
they give the same bits.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numba
import numpy as np

from .._stream import aligned_empty
from ..catalog import Model
from ..errors import RunError
from ._sampling import sample_chunk
from .layout import InputLayout
from .reduce import RowsDiffer

__all__ = ["RUN_DTYPE", "Chunk", "ChunkBuffers", "sample_inputs", "reduce_range", "raise_non_finite",
           "numba_threads"]

#: Runs round each output to this type once, as stored draws are (see reduce.py).
RUN_DTYPE = np.dtype(np.float32)


@dataclass
class Chunk:
    """One chunk of draws: sampled inputs, chosen claims and outputs.

    The arrays are reused for the next chunk: copy what you keep.
    """

    first: int
    scalars: np.ndarray   # (n, S)
    claims: np.ndarray    # (n, S + Pc) int16 claim index: scalars, then paths with competing claims
    knots: np.ndarray     # (n, K)
    out: np.ndarray       # (n_series, T, n): float32 in runs, float64 from evaluate()
    model: Model | None = None

    def output(self, name: str, **labels) -> np.ndarray:
        """One output series ``(T, n)``, e.g. ``output("stock", region="north", kind="low")``."""
        return self.out[self.model.contract.row(name, **labels)]



def sample_inputs(layout: InputLayout, seed: int, first: int, n: int):
    """Sample the inputs of draws ``first .. first + n - 1``.

    Returns
    -------
    scalars : ndarray (n, S); claims : ndarray (n, S + Pc) int16; knots : ndarray (n, K)
    """
    S, K = layout.n_scalars, layout.n_knots
    scalars = np.empty((n, S))
    claims = np.zeros((n, layout.n_claim_cols), dtype=np.int16)
    knots = np.empty((n, K))
    _fill_inputs(layout, seed, first, scalars, claims, knots)
    return scalars, claims, knots


def _fill_inputs(layout, seed, first, scalars, claims, knots):
    sample_chunk(np.uint64(seed), np.int64(first), layout.dists, layout.scalars, layout.paths,
                 layout.path_claims, numba.get_num_threads(), scalars, claims, knots)


class ChunkBuffers:
    """Chunk arrays allocated once and reused (fresh pages cost page faults)."""

    def __init__(self, layout, n_series, T, n, dtype=np.float64):
        self.scalars = np.empty((n, layout.n_scalars))
        self.claims = np.zeros((n, layout.n_claim_cols), dtype=np.int16)
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
            raise_non_finite(model, prior, rows[c], first, c)
        yield ch


def raise_non_finite(model, prior, rows, first, which=None):
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



@contextlib.contextmanager
def numba_threads(n):
    """numba's thread count set to ``n`` inside the block, restored after."""
    old = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        yield
    finally:
        numba.set_num_threads(old)

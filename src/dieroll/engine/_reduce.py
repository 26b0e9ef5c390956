"""Kernels of the streaming reducers (see :mod:`dieroll.engine.reduce`).

Each row (an output series at a time step) has ``W`` window slots, sorted and
disjoint; slot ``k`` holds ``lo, inv, nbins`` with ``inv = nbins / (hi - lo)``.
A value ``x`` goes to one *cell* of the row's counters::

    t_k  = (x - lo_k) * inv_k,  or -1 where that is below 0 (x below the window)
    t_k  = min(t_k, nbins_k)                                (x above the window)
    cell = floor(W + sum_k t_k)

A window wholly below ``x`` adds ``nbins``, one above adds ``-1``, so cell
``B_k = sum_{j<k} (nbins_j + 1)`` is the gap below window ``k`` and cells
``B_k + 1 .. B_k + nbins_k`` are window ``k``'s bins; the last cell is the gap
above every window.  Lower edges are exact (``x - lo`` has the sign of
``x - lo``); a value within a few thousandths of a bin of another edge may be
counted in the neighbouring cell (one rounding of the sum, and of ``inv``),
which the reported error bound covers (see :mod:`dieroll.engine.reduce`).
Unused slots have ``lo = +inf``, ``inv = 1``, ``nbins = 0`` and add ``-1``;
``nan`` and ``-inf`` go to gap 0, ``+inf`` to the top gap.  This is six vector
instructions per value and window, no branches.

Per row the work is split into loops: *locate* (the cell of every value,
vectorised), *count* (one increment per value), min and max (vectorised), sums
about a pilot shift in four lanes chosen by the absolute draw index, closed in
a fixed order at every ``block`` boundary (so sums never depend on the
chunking or the threads), and exceedance counts.
"""
from __future__ import annotations

import numpy as np
from numba import prange

from .._jit import kernel

W = 8     # most window slots per row for the unrolled kernels (7 slots when 7 quantiles)
NPAR = 3  # parameters per window slot: lo, inv, nbins


@kernel(inline=True)
def _locate(row, p, idx, c, slots):
    """Counter cell of every value of ``row`` (window slots ``p (slots, NPAR)``).

    ``slots`` is passed as a literal (7 or 8) by the unrolled callers: the
    function is inlined, so the window loop has a constant trip count, is
    unrolled and the loop over values vectorised (eight float32 values per
    AVX2 instruction).  ``c`` holds ``0, -1, slots`` in the rows' float type.
    """
    zero, minus_one, start = c[0], c[1], c[2]
    n = row.shape[0]
    for i in range(n):
        x = row[i]
        u = start
        for k in range(slots):
            t = (x - p[k, 0]) * p[k, 1]
            t = t if t >= zero else minus_one  # nan (from inf - inf) counts as below
            t = t if t < p[k, 2] else p[k, 2]
            u += t
        idx[i] = np.uint32(np.int32(u))  # u >= 0


@kernel(no_nan=True)
def _minmax(row, mn, mx):
    """Smallest and largest of ``row`` and ``mn, mx``.

    Compiled with ``no_nan`` (no-nan, no-signed-zero) so that the loop is
    vectorised (the order of a min does not change it, except for the sign of
    a zero, which ``==`` and ``np.array_equal`` do not see); rows of model
    outputs hold no ``nan``.
    """
    for i in range(row.shape[0]):
        x = row[i]
        mn = x if x < mn else mn
        mx = x if x > mx else mx
    return mn, mx


@kernel(inline=True)
def _add_one(lanes, lane, d):
    lanes[lane] += d
    lanes[4 + lane] += d * d


@kernel(inline=True)
def _sums(row, first_draw, block, shift, lanes, tsum, tsq):
    """Add ``row - shift`` and its squares to four lanes by absolute draw index.

    ``lanes`` holds the open block's partial sums ``(s0..s3, q0..q3)``; at each
    block boundary they are closed into ``tsum``/``tsq`` as ``(s0 + s1) + (s2 + s3)``.
    Blocks start at multiples of 4, so the values before the first multiple of
    4 and after the last go one by one; the rest four at a time in registers.
    Returns the closed totals.
    """
    n = row.shape[0]
    j = 0
    while j < n:
        stop = min(n, j + block - (first_draw + j) % block)
        i = j
        while i < stop and (first_draw + i) & 3 != 0:
            _add_one(lanes, (first_draw + i) & 3, row[i] - shift)
            i += 1
        s0, s1, s2, s3 = lanes[0], lanes[1], lanes[2], lanes[3]
        q0, q1, q2, q3 = lanes[4], lanes[5], lanes[6], lanes[7]
        while i + 4 <= stop:
            d0 = row[i] - shift
            d1 = row[i + 1] - shift
            d2 = row[i + 2] - shift
            d3 = row[i + 3] - shift
            s0 += d0
            s1 += d1
            s2 += d2
            s3 += d3
            q0 += d0 * d0
            q1 += d1 * d1
            q2 += d2 * d2
            q3 += d3 * d3
            i += 4
        lanes[0], lanes[1], lanes[2], lanes[3] = s0, s1, s2, s3
        lanes[4], lanes[5], lanes[6], lanes[7] = q0, q1, q2, q3
        while i < stop:
            _add_one(lanes, (first_draw + i) & 3, row[i] - shift)
            i += 1
        if (first_draw + stop) % block == 0:
            tsum += (lanes[0] + lanes[1]) + (lanes[2] + lanes[3])
            tsq += (lanes[4] + lanes[5]) + (lanes[6] + lanes[7])
            lanes[:] = 0.0
        j = stop
    return tsum, tsq


@kernel(parallel=True)
def accumulate(out, first_draw, block, win, counts, cbase, vmin, vmax, shift, lanes, tsum, tsq,
               thresholds, nth, exceed, nthreads, consts):
    """Add a chunk ``out (R, n)`` (draws in order) to the reducers of every row.

    ``win (R, K, NPAR)`` holds each row's window slots (see the module
    docstring) in the float type of ``out``; ``counts[cbase[r]:]`` holds row
    ``r``'s cells; ``vmin`` and ``vmax`` have the rows' type; ``consts`` holds
    0, -1 and ``K`` in it.  Rows are split into ``nthreads`` contiguous ranges,
    one per thread (the result does not depend on it).
    """
    R, n = out.shape
    K = win.shape[1]
    nthr = max(1, min(nthreads, R))
    for tid in prange(nthr):
        idx = np.empty(n, np.uint32)  # scratch, once per thread (unsigned: no negative-index check)
        for r in range(tid * R // nthr, (tid + 1) * R // nthr):
            row = out[r]
            if K == 7:
                _locate(row, win[r], idx, consts, 7)
            elif K == 8:
                _locate(row, win[r], idx, consts, 8)
            else:
                _locate(row, win[r], idx, consts, K)
            base = np.uint64(cbase[r])
            for i in range(n):
                counts[base + idx[i]] += 1
            vmin[r], vmax[r] = _minmax(row, vmin[r], vmax[r])
            tsum[r], tsq[r] = _sums(row, first_draw, block, shift[r], lanes[r], tsum[r], tsq[r])
            for k in range(nth[r]):
                th = thresholds[r, k]
                c = 0
                for i in range(n):
                    c += row[i] > th
                exceed[r, k] += c

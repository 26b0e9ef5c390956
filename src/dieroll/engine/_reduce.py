"""Kernels of the streaming reducers (see :mod:`dieroll.engine.reduce`).

Each row (an output series at a time step) has ``W`` window slots, sorted and
disjoint; a slot ``k`` holds ``lo, hi_next, inv, nbins - 1, offset`` where
``hi_next`` is the next float above the window's top (so ``x >= hi_next`` is
``x > hi``) and unused slots have ``lo = hi_next = nan``, which no value
compares at or above.  A value falls into
one window's bin or into the gap below window ``k`` (gap ``W`` lies above every
window).

Per row the work is split into loops that the compiler vectorises:

1. *locate*: for every value, ``g`` = the number of window edges at or below it
   (odd: inside window ``g // 2``) and the bin inside that window, computed with
   compares, selects and one multiply per window, no branches and no
   data-dependent loads; the result is a counter index per value;
2. *count*: one increment per value.  Gap counters have ``REP`` replicas chosen
   by the value's position, so runs of values in the same gap do not wait on
   each other;
3. min and max; sums about a pilot shift in four lanes chosen by the absolute
   draw index, closed in a fixed order at every ``block`` boundary, so sums
   never depend on the chunking or the threads.
"""
from __future__ import annotations

import numpy as np
from numba import prange

from .._jit import kernel

REP = 16  # replicas of gap counters
W = 8     # most window slots per row for the unrolled kernels (7 slots when 7 quantiles)
NPAR = 5  # parameters per window slot: lo, hi_next, inv, nbins - 1, offset


@kernel(inline=True)
def _locate_unrolled(row, p, gaps, idx, zero, one, slots):
    """Counter index of every value of ``row`` (windows ``p (slots, NPAR)``; bins after ``gaps`` slots).

    ``slots`` is passed as a literal (7 or 8): the function is inlined, so the
    window loop has a constant trip count, is unrolled and the loop over values
    vectorised.  ``zero`` and ``one`` have the rows' float type, so float32 rows
    are located eight values per AVX2 instruction, float64 rows four.
    """
    n = row.shape[0]
    for i in range(n):
        x = row[i]
        g = zero
        u = zero
        for k in range(slots):
            lo = p[k, 0]
            a = one if x >= lo else zero
            b = one if x >= p[k, 1] else zero
            t = (x - lo) * p[k, 2]
            t = t if t > zero else zero  # keeps far-away values (even -inf) from poisoning u
            t = t if t < p[k, 3] else p[k, 3]
            g += a + b
            u += (a - b) * (p[k, 4] + t)
        gi = np.int32(g)
        ins = gi & 1  # arithmetic, not a conditional expression: that compiles to a branch
        idx[i] = ins * (np.int32(u) + gaps) + (1 - ins) * ((gi >> 1) * REP + (i & (REP - 1)))


@kernel(inline=True)
def _locate(row, p, gaps, idx):
    """As :func:`_locate_unrolled` for any number of window slots (not unrolled)."""
    n = row.shape[0]
    K = p.shape[0]
    for i in range(n):
        x = row[i]
        g = 0
        u = 0.0
        for k in range(K):
            lo = p[k, 0]
            a = x >= lo
            b = x >= p[k, 1]
            if a and not b:
                t = (x - lo) * p[k, 2]
                u = p[k, 4] + (t if t < p[k, 3] else p[k, 3])
            g += a + b
        idx[i] = np.int32(u) + gaps if g & 1 else (g >> 1) * REP + (i & (REP - 1))


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
    docstring); ``counts[cbase[r]:]`` holds row ``r``'s ``(K + 1) * REP`` gap
    counters and then its window bins; ``win`` has the float type of ``out``
    and ``consts`` holds 0 and 1 in it.  Rows are split into ``nthreads``
    contiguous ranges, one per thread (the result does not depend on it).
    """
    R, n = out.shape
    K = win.shape[1]
    gaps = np.int32((K + 1) * REP)
    nthr = max(1, min(nthreads, R))
    for tid in prange(nthr):
        idx = np.empty(n, np.int32)  # scratch, once per thread
        for r in range(tid * R // nthr, (tid + 1) * R // nthr):
            row = out[r]
            if K == 7:
                _locate_unrolled(row, win[r], gaps, idx, consts[0], consts[1], 7)
            elif K == 8:
                _locate_unrolled(row, win[r], gaps, idx, consts[0], consts[1], 8)
            else:
                _locate(row, win[r], gaps, idx)
            base = cbase[r]
            for i in range(n):
                counts[base + idx[i]] += 1
            mn, mx = vmin[r], vmax[r]
            for i in range(n):
                x = row[i]
                mn = min(mn, x)
                mx = max(mx, x)
            vmin[r], vmax[r] = mn, mx
            tsum[r], tsq[r] = _sums(row, first_draw, block, shift[r], lanes[r], tsum[r], tsq[r])
            for k in range(nth[r]):
                th = thresholds[r, k]
                c = 0
                for i in range(n):
                    c += row[i] > th
                exceed[r, k] += c

"""Kernels of the streaming reducers (see :mod:`dieroll.engine.reduce`).

Each row (an output series at a time step) has up to a few sorted, disjoint
windows ``[wlo[k], whi[k]]`` with ``nbins[k]`` equal bins each; a value falls
either into a window's bin or into the gap before window ``k`` (gap ``K`` is
above the last window).  Sums are accumulated per row in draw order with a
block structure, so they do not depend on chunking or threads.
"""
from __future__ import annotations

from numba import prange

from .._jit import kernel

REP = 16  # replicas of busy counters


@kernel(parallel=True)
def accumulate(out, first_draw, block, nwin, wlo, whi, winv, wbins, woff, counts, cbase,
               vmin, vmax, shift, bsum, bsq, tsum, tsq, thresholds, nth, exceed):
    """Add a chunk ``out (R, n)`` (draws in order) to the reducers of every row.

    ``counts[cbase[r]:]`` holds row ``r``'s gap counters (``P + 1`` gaps, each in
    ``REP`` replicas) and then its window bins (window ``k`` at offset
    ``woff[r, k]`` after the gaps; a one-bin window also has ``REP`` replicas).
    The bin is found without data-dependent branches: ``k`` windows start at or
    below ``x``; ``x`` is inside window ``k - 1`` if it is not above its end.
    Replicas, chosen by draw index, keep consecutive increments of a busy
    counter on different addresses, so they do not wait on each other.
    """
    R, n = out.shape
    G = (wlo.shape[1] + 1) * REP
    for r in prange(R):
        K = nwin[r]
        base = cbase[r]
        mn, mx = vmin[r], vmax[r]
        sh = shift[r]
        s, q = bsum[r], bsq[r]
        j = 0
        while j < n:
            stop = min(n, j + block - (first_draw + j) % block)
            for i in range(j, stop):
                x = out[r, i]
                mn = min(mn, x)
                mx = max(mx, x)
                k = 0
                for m in range(K):
                    k += x >= wlo[r, m]
                w = k - 1 if k > 0 else 0
                nb = wbins[r, w]
                b = int((x - wlo[r, w]) * winv[r, w])
                b = min(max(b, 0), nb - 1) + (nb == 1) * (i & (REP - 1))
                rep = i & (REP - 1)
                inside = (k > 0) & (x <= whi[r, w])
                counts[base + k * REP + rep + inside * (G + woff[r, w] + b - k * REP - rep)] += 1
                d = x - sh
                s += d
                q += d * d
            if (first_draw + stop) % block == 0:
                tsum[r] += s
                tsq[r] += q
                s = 0.0
                q = 0.0
            j = stop
        for k in range(nth[r]):
            th = thresholds[r, k]
            c = 0
            for i in range(n):
                if out[r, i] > th:
                    c += 1
            exceed[r, k] += c
        vmin[r], vmax[r] = mn, mx
        bsum[r], bsq[r] = s, q

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
instructions per value and window, no branches.  Float32 rows with at most
seven windows (every run with seven quantiles or fewer) are located instead by
counting the windows at or below each value and looking the one it may be in
up in a small table (:func:`_locate_table`, tables made by
:func:`dieroll.engine.reduce.tables`): two instructions per window instead of
six.

Per row the work is split into loops: *locate* (the cell of every value,
vectorised), *count* (one increment per value; when the row has fewer cells
than the chunk has values, into ``COPIES`` copies of its cells that are then
added to its counters in one pass), min and max (vectorised), sums
about a pilot shift in ``LANES`` lanes chosen by the absolute draw index (vectorised),
closed in a fixed order at every ``block`` boundary (so sums never depend on the
chunking or the threads), and exceedance counts.  A row that is constant over
a chunk (a channel that has not started yet: about 7 % of the baseline's rows)
is located once and counted ``n`` times; when its value is the shift its sums
only close the blocks it crosses.  Either way the result is the same, bit for
bit, as value by value.

A row declared equal to another by construction (``Model.identical``: 495 of
the baseline's 5,346 rows, e.g. smuggled chips' training H100e, which is their
inference H100e) is not counted at all: right after its source is counted,
while the source is still in the cache, it is compared with it bit for bit
and counted against its own thresholds.  The threads take contiguous ranges of rows of about equal work rather
than of equal number, since a copied or constant row costs a tenth of another.
"""
from __future__ import annotations

import numpy as np
from collections import namedtuple

from numba import prange

from .._jit import kernel

W = 8     # most window slots per row for the unrolled kernels (7 slots when 7 quantiles)
NPAR = 3  # parameters per window slot: lo, inv, nbins
LANES = 32  # partial sums per row, by absolute draw index (BLOCK must be a multiple)
COPIES = 4  # copies of a row's counters while a chunk is counted (see _count)
TABLE = 8   # entries of a lookup table: below every window, then up to TABLE - 1 windows

#: A phase's quantile windows and their counters (the first phase's, or the narrow ones).
#: ``win (R, K, NPAR)``: window slots in the rows' float type; ``tabs (R, 4, TABLE)``: the
#: same windows as lookup tables (float32 rows of at most ``TABLE - 1`` windows), or no
#: rows; ``counts[cbase[r]:cbase[r] + ncell[r]]``: row ``r``'s cells; ``consts``: 0, -1
#: and ``K`` in the rows' type.
Windows = namedtuple("Windows", "win tabs counts cbase ncell consts")
#: What every row accumulates besides its counts: the run's min and max (rows' type),
#: the pilot ``shift`` of the sums, the open block's ``lanes (R, 2 LANES)``, the open
#: fold's closed sums ``tsum``/``tsq``, and ``exceed (R, M)``, the values above each of
#: the row's ``nth`` ``thresholds (R, M)``.
Moments = namedtuple("Moments", "vmin vmax shift lanes tsum tsq thresholds nth exceed")
#: Rows equal by construction: ``src[r]`` is the row ``r`` equals (itself if none);
#: ``rows[ptr[s]:ptr[s + 1]]`` are row ``s``'s copies; ``differs[copy]`` becomes one more
#: than the first column where a copy differs from its source.
Copies = namedtuple("Copies", "src ptr rows differs")


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


@kernel(inline=True)
def _locate_table(row, tab, idx):
    """Counter cell of every value of a float32 ``row`` by its lookup table ``tab (4, TABLE)``.

    ``j``, the number of windows whose lower edge is at or below ``x`` (the lower
    edges rise, so it is the last such entry), picks table entry ``j`` (entry 0: below every window; entry ``k + 1``: window
    ``k``, unused entries have ``lo = nan``, which no value is at or above)::

        cell = base[j] + int(min((x - lo[j]) * inv[j], nbins[j]))

    A value at or above window ``j - 1``'s upper edge gets ``nbins``: the gap
    above it.  ``nan`` and ``-inf`` go to gap 0.  Lower edges are exact (compared,
    not computed); ``t`` is rounded once, where the per-slot formula
    (:func:`_locate`) also rounds its sum over the slots, so near an inner edge
    the two may put a value in neighbouring cells (the reported error covers it).
    """
    # the table's entries as scalars (a tuple the loop below unrolls over): loaded once,
    # so that the loop over values vectorises (read from the arrays in the loop, they
    # are reloaded for every value, since idx might share their memory)
    lo = _entries(tab[0])
    inv = _entries(tab[1])
    nb = _entries(tab[2])
    base = _entries(tab[3].view(np.int32))
    for i in range(row.shape[0]):
        x = row[i]
        # the last entry whose lower edge is at or below x is entry j, since the edges
        # rise: found by selects rather than a count and a lookup, which does not vectorise
        a, s, m, b = lo[0], inv[0], nb[0], base[0]
        for k in range(1, TABLE):
            up = x >= lo[k]
            a = lo[k] if up else a
            s = inv[k] if up else s
            m = nb[k] if up else m
            b = base[k] if up else b
        t = (x - a) * s
        t = t if t < m else m  # nan (j = 0 and x = +-inf) -> 0
        idx[i] = np.uint32(b + np.int32(t))


@kernel
def _entries(v):
    """The ``TABLE`` entries of a table row as a tuple (not inlined: numba's parallel
    array analysis fails on the tuple inside ``accumulate``)."""
    return (v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])


@kernel(no_nan=True)
def _minmax(row, mn, mx):
    """Smallest and largest of ``row`` and ``mn, mx`` (float64 rows).

    Compiled with ``no_nan`` (no-nan, no-signed-zero); rows of model outputs
    hold no ``nan``.
    """
    for i in range(row.shape[0]):
        x = row[i]
        mn = x if x < mn else mn
        mx = x if x > mx else mx
    return mn, mx


@kernel(inline=True)
def _key32(b):
    """An int32 that orders as the float32 whose bits are ``b`` (its own inverse)."""
    return np.int32(b ^ np.int32((b >> np.int32(31)) & np.int32(0x7FFFFFFF)))


@kernel
def _minmax32(row, mn, mx, tmp):
    """Smallest and largest of a float32 ``row`` and ``mn, mx``, as integer keys.

    LLVM does not vectorise a floating-point min without fast-math function
    attributes, but it does an integer one: this is eight values per
    instruction.  The keys order ``-0.0`` below ``0.0`` (equal as floats);
    rows hold no ``nan``.  ``tmp`` is an int32 scratch of two.
    """
    f = tmp.view(np.float32)
    f[0] = mn
    f[1] = mx
    a = _key32(tmp[0])
    b = _key32(tmp[1])
    bits = row.view(np.int32)
    for i in range(bits.shape[0]):
        k = _key32(bits[i])
        a = k if k < a else a
        b = k if k > b else b
    tmp[0] = _key32(a)
    tmp[1] = _key32(b)
    return f[0], f[1]


@kernel(inline=True)
def _tree(v, off):
    """Sum of ``v[off:off + LANES]`` in a fixed pairwise order, overwriting them."""
    h = LANES // 2
    while h >= 1:
        for k in range(h):
            v[off + k] = v[off + 2 * k] + v[off + 2 * k + 1]
        h //= 2
    return v[off]


@kernel
def lane_totals(lanes):
    """The open block's sums and sums of squares per row (``lanes (R, 2 LANES)``),
    closed in the same order as at a block boundary (``lanes`` is overwritten)."""
    R = lanes.shape[0]
    s, q = np.empty(R), np.empty(R)
    for r in range(R):
        s[r] = _tree(lanes[r], 0)
        q[r] = _tree(lanes[r], LANES)
    return s, q


@kernel
def _groups(seg, shift, lanes):
    """Add whole groups of ``LANES`` values (``seg`` starts at a group) to the lanes.

    The loop over the lanes is vectorised: the lanes are independent, so no
    reassociation is needed and the result does not depend on the vector width.
    (Not inlined: inside a larger function LLVM vectorises it less well.)
    """
    for g in range(seg.shape[0] // LANES):
        for k in range(LANES):
            d = seg[g * LANES + k] - shift
            lanes[k] += d
            lanes[LANES + k] += d * d


@kernel(inline=True)
def _add_one(lanes, lane, d):
    lanes[lane] += d
    lanes[LANES + lane] += d * d


@kernel(inline=True)
def _sums(row, first_draw, block, shift, lanes, tsum, tsq, adds):
    """Add ``row - shift`` and its squares to ``LANES`` lanes by absolute draw index.

    ``lanes`` holds the open block's partial sums (``LANES`` sums, then
    ``LANES`` sums of squares); draw ``d`` goes to lane ``d % LANES``, so
    each lane adds its values one after another in draw order.  At each block
    boundary the lanes are closed into ``tsum``/``tsq`` in a fixed pairwise
    order (:func:`_tree`).  Whole groups of ``LANES`` draws go through
    :func:`_groups` (vectorised); the draws before the first group and after
    the last go one by one.  With ``adds`` false the values are all
    ``shift`` (a constant row) and only the block boundaries are closed: adding
    a zero leaves a lane as it is, since a lane is never ``-0.0``.
    Returns the closed totals.
    """
    n = row.shape[0]
    j = 0
    while j < n:
        stop = min(n, j + block - (first_draw + j) % block)
        i = j if adds else stop
        while i < stop and (first_draw + i) % LANES != 0:
            _add_one(lanes, (first_draw + i) % LANES, row[i] - shift)
            i += 1
        m = (stop - i) // LANES * LANES
        _groups(row[i:i + m], shift, lanes)
        i += m
        while i < stop:
            _add_one(lanes, (first_draw + i) % LANES, row[i] - shift)
            i += 1
        if (first_draw + stop) % block == 0:
            tsum += _tree(lanes, 0)
            tsq += _tree(lanes, LANES)
            lanes[:] = 0.0
        j = stop
    return tsum, tsq


@kernel(inline=True)
def _touch(a, start, stop):
    """Read one element per 64-byte cache line of ``a[start:stop]``, in order; return their sum.

    For counters about to be updated at scattered places: read in order, the
    loads run many at a time and the hardware prefetcher follows, where
    scattered stores would wait for each line in turn.  The caller stores the
    sum somewhere it cannot be dropped, so that the loads are kept.
    """
    s = 0
    for c in range(start, stop, 64 // a.itemsize):
        s += a[c]
    return s


@kernel(inline=True)
def _count(idx, n, nc, hist, counts, base):
    """Add one to cell ``idx[i]`` of a row's ``nc`` counters ``counts[base:]`` for every ``i < n``.

    Most values of a row fall in a few cells (the gaps between the quantile
    windows), so one increment after another to the same counter would wait
    for the last: each must read what the one before stored.  The values are
    counted first in ``COPIES`` copies of the row's cells, value ``i`` in copy
    ``i % COPIES`` (``hist[k * nc + cell]``), so that increments to one address
    are ``COPIES`` values apart; the copies are then added to ``counts`` in one
    vectorised pass.  Counts are integers: the result is the same as counting
    one by one.
    """
    m = np.uint64(nc)
    for c in range(COPIES * m):
        hist[c] = 0
    full = n // COPIES * COPIES
    for i in range(0, full, COPIES):
        for k in range(COPIES):
            hist[np.uint64(k) * m + idx[i + k]] += 1
    for i in range(full, n):
        hist[idx[i]] += 1
    for c in range(m):
        t = hist[c]
        for k in range(1, COPIES):
            t += hist[np.uint64(k) * m + c]
        counts[base + c] += t


@kernel(parallel=True)
def accumulate(out, lo, hi, first_draw, block, cuts, wins, mom, cop):
    """Add columns ``lo .. hi - 1`` of a chunk ``out (R, N)`` (draws in order, column
    ``lo`` being draw ``first_draw``) to the reducers of every row.

    ``wins`` (:data:`Windows`) holds each row's window slots (see the module
    docstring) and counters; float32 rows of at most ``TABLE - 1`` windows are
    located by its lookup tables, other rows by the per-slot formula.  ``mom``
    (:data:`Moments`) holds what each row accumulates besides its counts, ``cop``
    (:data:`Copies`) the rows equal by construction.  Thread ``t`` takes rows
    ``cuts[t] .. cuts[t + 1] - 1`` (contiguous ranges of about equal work; the
    result does not depend on them).

    A row ``r`` with ``cop.src[r] != r`` is equal by construction to row
    ``cop.src[r]`` (see :class:`dieroll.engine.reduce.Reducer`): it is not counted.
    Right after row ``s`` is counted, while it is still in the cache, each of
    its copies is compared with it bit for bit, given the source's minimum and
    maximum and its own exceedance counts.
    """
    R = out.shape[0]
    n = hi - lo
    win, tabs, counts, cbase, ncell, consts = wins
    vmin, vmax, shift, lanes, tsum, tsq, thresholds, nth, exceed = mom
    src, copies_ptr, copies, differs = cop
    K = win.shape[1]
    nthr = cuts.shape[0] - 1
    if n == 0:
        return
    for tid in prange(nthr):
        idx = np.empty(n + 8, np.uint32)  # scratch, once per thread (unsigned: no negative-index check)
        hist = np.empty(COPIES * min(ncell.max(), n), np.uint32)  # for rows of at most n cells
        tmp = np.empty(2, np.int32)
        ends = np.empty(2, out.dtype)
        for r in range(cuts[tid], cuts[tid + 1]):
            if src[r] != r:
                continue  # a copy: compared after its source
            row = out[r, lo:hi]
            # this chunk's min and max, then the run's
            if out.itemsize == 4:
                ends[0], ends[1] = _minmax32(row, row[0], row[0], tmp)
                vmin[r], vmax[r] = _minmax32(ends, vmin[r], vmax[r], tmp)
            else:
                ends[0], ends[1] = _minmax(row, row[0], row[0])
                vmin[r], vmax[r] = _minmax(ends, vmin[r], vmax[r])
            # a row constant over the chunk (a channel not yet started) is
            # located once and counted n times
            const = ends[0] == ends[1]
            seg = row[:1] if const else row
            base = np.uint64(cbase[r])
            if tabs.shape[0] == R:  # float32 rows, at most 7 windows: by lookup tables
                _locate_table(seg, tabs[r], idx)
            elif K == 7:
                _locate(seg, win[r], idx, consts, 7)
            elif K == 8:
                _locate(seg, win[r], idx, consts, 8)
            else:
                _locate(seg, win[r], idx, consts, K)
            if const:
                counts[base + idx[0]] += n
            elif ncell[r] <= n:
                _count(idx, n, ncell[r], hist, counts, base)
            else:
                # more cells than values (the first phase of a long run): counted in place,
                # the row's counters read in order first so that they arrive many at a time
                tmp[0] = _touch(counts, cbase[r], cbase[r] + ncell[r])
                for i in range(n):
                    counts[base + idx[i]] += 1
            adds = not (const and row[0] - shift[r] == 0.0)
            tsum[r], tsq[r] = _sums(row, first_draw, block, shift[r], lanes[r], tsum[r], tsq[r], adds)
            _exceed(row, n, const, thresholds[r], nth[r], exceed[r])
            for c in range(copies_ptr[r], copies_ptr[r + 1]):
                a = copies[c]
                other = out[a, lo:hi]
                if out.itemsize == 4:
                    d = _first_difference(row.view(np.int32), other.view(np.int32))
                else:
                    d = _first_difference(row.view(np.int64), other.view(np.int64))
                if d >= 0:
                    differs[a] = lo + d + 1
                vmin[a], vmax[a] = vmin[r], vmax[r]
                _exceed(other, n, False, thresholds[a], nth[a], exceed[a])


@kernel(inline=True)
def _exceed(row, n, const, th, nth, exceed):
    """Add the number of values of ``row`` above each of its ``nth`` thresholds ``th``."""
    for k in range(nth):
        c = 0
        if const:
            c = n if row[0] > th[k] else 0
        else:
            for i in range(n):
                c += row[i] > th[k]
        exceed[k] += c


@kernel(inline=True)
def _first_difference(ia, ib):
    """The first index where the integer arrays ``ia`` and ``ib`` (two rows' bits, of
    the same length) differ, or -1: the rows are read in order, whole vectors at a
    time, and the index is looked for only if they differ.  Compared as bits, a
    ``nan`` equals a ``nan`` of the same bits."""
    bad = 0
    for i in range(ia.shape[0]):
        bad |= ia[i] ^ ib[i]
    if bad == 0:
        return -1
    for i in range(ia.shape[0]):
        if ia[i] != ib[i]:
            return i
    return -1

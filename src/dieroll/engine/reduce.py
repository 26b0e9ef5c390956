"""Streaming reducers: quantiles, mean, sd and exceedance per output series and time step.

Quantiles, single pass.  A pilot — the first ``PILOT`` draws, whatever the
chunk size — locates each requested quantile ``p`` of each row (an output
series at a time step) to within ``+/- 6`` pilot standard errors: a window from
the pilot's quantile at ``p - d`` to its quantile at ``p + d``, with
``d = 6 sqrt(p (1 - p) / PILOT)``.  Over the whole run every draw is counted
either in a window's bins or in the gap between windows.  Each window has
``ceil(14 sqrt(N / PILOT))`` bins (at least 32, at most 4096): the window is
12 pilot standard errors wide, a pilot standard error is ``sqrt(N / PILOT)``
final ones, so a bin is about 0.86 Monte Carlo standard errors of the quantile
at the run's ``N`` (the tests check the reported bound against the reported
standard error).
The quantile is interpolated linearly within its bin; its error is at most the
bin's width plus 1 % of a bin (the kernel finds a value's bin by arithmetic,
which can put a value lying within a few thousandths of a bin of an edge into
the neighbouring bin or gap), reported per quantile (``quantile_error``) beside
the Monte Carlo standard error estimated from the window's density
(``quantile_mcse``).  A window holding a single value ``c`` (an atom, e.g. the
zeros of a channel that has not started) spans ``[c, next float above c)`` — at
zero ``[0, smallest normal number)`` — and reports ``c`` with that width as its
error.  If a quantile falls outside its window (a 6-sigma event for the pilot)
its error is reported as infinite rather than guessed.  Counts are integers, so quantiles are
identical for any chunking or thread count.  Runs of at most ``PILOT`` draws get
exact quantiles (``numpy.quantile``, linear interpolation) and zero error.

Long runs narrow their windows once.  After ``switch = max(4 PILOT, N / 16)``
draws (rounded down to a multiple of ``FOLD``, where a cluster run cuts its
tasks and kept draws their batches) each quantile is known far better than the pilot knew it, and the rest
of the run counts only the first phase's bins within ``+/- 6`` standard errors
*at that point* (see :class:`_Narrow`): the same bins, so the counts of the
two phases add up bin by bin and the error bound is unchanged, but about 55
bins a window instead of hundreds, so that the counters stay in cache.

Rows may be float32 or float64.  Runs (:func:`dieroll.engine.simulate.simulate`)
pass float32: the model computes in float64 and rounds each output once, as
draws are stored; this halves the memory traffic and lets the kernel locate
eight values per instruction.  For float32 rows the reported error adds the
rounding of the values (``2**-23 |q|``); exact small runs report ``2**-23 |q|``
instead of zero.

Rows that a model declares equal to another by construction
(:attr:`Model.identical <dieroll.catalog.Model.identical>`, passed as
``Reducer(..., same=)``) are reduced once: a copy reports its source's
quantiles, mean and sd, and every chunk compares the two bit for bit.

Mean and sd are accumulated in float64, in draw order, in blocks of ``BLOCK``
draws (``_reduce.LANES`` lanes by absolute draw index), about a pilot shift, so they too are
bit-identical across chunkings and threads.  The closed blocks are summed within
*folds* of ``FOLD`` draws (and at the narrowing switch, itself a multiple of
``BLOCK``); each fold's total is then added to the run's in draw order.  Fold
points are absolute draw indices, so a run split into tasks at fold points (see
:mod:`dieroll.engine.distributed`) merges to the same bits: each task returns its
fold totals (:meth:`Reducer.partial`) and :meth:`Reducer.merge` adds them in order.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numba
import numpy as np

from . import _reduce

__all__ = ["Reducer", "Partial", "RowsDiffer", "PILOT", "BLOCK", "FOLD"]

PILOT = 16_384
BLOCK = 4_096
#: Draws per fold of the mean/sd sums: task boundaries of a distributed run are multiples of it.
FOLD = 16 * BLOCK
_SIGMAS = 6.0
_SLACK = 0.01  # of a bin: what the locate arithmetic may blur at an edge (a few thousandths)


def tables(win: np.ndarray) -> np.ndarray:
    """Lookup tables ``(R, 4, TABLE)`` float32 for window slots ``win (R, K, 3)`` (``lo, inv,
    nbins`` per slot; unused slots have ``lo = +inf``; see :mod:`dieroll.engine._reduce`).

    Rows ``[lo, inv, nbins, base]``; entry ``k + 1`` is window ``k``, entry 0 is
    below every window (all zeros); ``base`` holds the int32 bits of the cell of
    the entry's first bin.  Unused entries get ``lo = nan``, which no value is at
    or above.
    """
    V = _reduce.TABLE
    R, K = win.shape[:2]
    if K > V - 1 and np.isfinite(win[:, V - 1:, 0]).any():
        raise ValueError(f"a lookup table holds at most {V - 1} windows")
    k = min(K, V - 1)
    lo = win[:, :k, 0].astype(np.float64)
    used = np.isfinite(lo)
    nb = np.where(used, win[:, :k, 2], 0).astype(np.int64)
    first_bin = np.cumsum(nb + used, axis=1) - (nb + used) + 1  # cell of each window's first bin
    out = np.zeros((R, 4, V), np.float32)
    out[:, 0, 1:] = np.nan
    out[:, 0, 1:1 + k] = np.where(used, lo, np.nan)
    out[:, 1, 1:1 + k] = np.where(used, win[:, :k, 1], 0.0)
    out[:, 2, 1:1 + k] = nb
    out[:, 3].view(np.int32)[:, 1:1 + k] = np.where(used, first_bin, 0)
    return out


def _tables_for(win: np.ndarray, dtype) -> np.ndarray:
    """Lookup tables for window slots ``win`` (:func:`tables`) where the kernel locates
    by them (float32 rows, at most ``TABLE - 1`` windows a row); else an array with no
    rows, and the kernel locates slot by slot."""
    used = np.isfinite(win[:, :, 0]).sum(axis=1)
    if dtype == np.float32 and used.max(initial=0) <= _reduce.TABLE - 1:
        return tables(win)
    return np.zeros((0, 4, _reduce.TABLE), np.float32)


def _sorted_quantiles(s: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """``np.quantile(s, probs, axis=1).T`` for rows ``s`` sorted along axis 1, with its bits.

    numpy's linear method (type 7), step by step: the virtual index
    ``v = (n - 1) p``, its floor and the next index (both the last where
    ``v >= n - 1``), ``gamma = v - floor``, and numpy's ``_lerp``:
    ``a + (b - a) gamma``, or ``b - (b - a)(1 - gamma)`` where ``gamma >= 0.5``.
    Rows hold no ``nan``.  Tested against ``np.quantile`` bit for bit.
    """
    n = s.shape[1]
    v = (n - 1) * np.asarray(probs, dtype=np.float64)
    prev = np.floor(v)
    nxt = prev + 1
    above = v >= n - 1
    prev[above] = -1
    nxt[above] = -1
    prev, nxt = prev.astype(np.intp), nxt.astype(np.intp)
    a, b = s[:, prev], s[:, nxt]
    gamma = v - prev
    diff = b - a
    out = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5, casting="unsafe")
    return out


def _row_quantiles(rows: np.ndarray, probs: np.ndarray, in_place: bool = False) -> np.ndarray:
    """``np.quantile(rows, probs, axis=1).T`` (the same bits), rows split over numba's threads.

    Each row is sorted (numpy's vectorised sort of contiguous rows releases the
    GIL) and the quantiles read off it, rather than ``np.quantile`` along axis 1,
    which partitions strided columns.  With ``in_place`` the rows themselves are
    sorted (C-contiguous rows), so that no sorted copy of the pilot is made.
    """
    nthr = max(1, min(numba.get_num_threads(), rows.shape[0]))
    cuts = np.linspace(0, rows.shape[0], nthr + 1).astype(int)

    def part(ab):
        block = rows[ab[0]:ab[1]]
        if in_place:
            block.sort(axis=1)
        else:
            block = np.sort(block, axis=1)
        return _sorted_quantiles(block, probs)

    with ThreadPoolExecutor(nthr) as ex:
        return np.concatenate(list(ex.map(part, zip(cuts[:-1], cuts[1:]))), axis=0)


class Reducer:
    """Accumulate rows ``(R, n)`` of draws (R = series x time) chunk by chunk.

    Parameters
    ----------
    pilot : ndarray, shape (R, n_pilot)
        The first draws (all of them when the run has at most ``PILOT``).
    thresholds : ndarray, shape (R, K)
        Exceedance thresholds per row (``nan`` pads rows with fewer).
    probs : sequence of float
        The quantiles that will be asked for.
    n_total : int
        Draws the run will add in all.
    switch : int, optional
        In runs of at least ``4 * switch`` draws the windows narrow after
        ``switch`` draws (default ``max(4 * PILOT, n_total // 16)``; see the
        module docstring).
    same : ndarray of int, shape (R,), optional
        ``same[r]`` is a row that row ``r`` equals in every draw by
        construction (``r`` itself for most rows; see :attr:`Model.identical
        <dieroll.catalog.Model.identical>`).  Such a row is not counted: its
        quantiles, mean, sd, minimum and maximum are those of ``same[r]``, and
        each chunk checks the two rows bit for bit (:meth:`add` raises
        :class:`RowsDiffer` where they are not); its exceedance against its own
        thresholds is counted.  ``same[same[r]]`` must be ``same[r]``.
    sort_pilot : bool
        Sort the rows of ``pilot`` in place (a C-contiguous array the caller
        no longer needs) instead of sorting a copy: a run's pilot is hundreds
        of MB.
    skip : ndarray of bool, shape (R,), optional
        Rows not summarised at all: not counted, summed or checked, their
        quantiles, mean, sd and exceedance ``nan`` (a calendar-year flow between
        year ends, :attr:`OutputSpec.year_end <dieroll.catalog.OutputSpec.year_end>`).
        A skipped row's source (``same``) must be skipped too, and the other way round.
    """

    def __init__(self, pilot: np.ndarray, thresholds: np.ndarray, probs, n_total: int,
                 switch: int | None = None, same: np.ndarray | None = None, sort_pilot: bool = False,
                 skip: np.ndarray | None = None):
        R, npil = pilot.shape
        if pilot.dtype not in (np.float32, np.float64):
            raise TypeError(f"rows must be float32 or float64, got {pilot.dtype}")
        src = np.arange(R, dtype=np.int64) if same is None else np.asarray(same, dtype=np.int64)
        if src.shape != (R,) or ((src < 0) | (src >= R)).any() or (src[src] != src).any():
            raise ValueError(f"same must give each of the {R} rows a row that is its own source")
        self.src = src
        skip = np.zeros(R, bool) if skip is None else np.asarray(skip, dtype=bool)
        if skip.shape != (R,) or (skip != skip[src]).any():
            raise ValueError(f"skip must be {R} booleans, the same for a row and the row it equals (same)")
        self.skip = skip
        self.alias = np.flatnonzero((src != np.arange(R)) & ~skip)  # rows copied from another, compared
        # the rows the kernel counts: their own source; a copy's is its source, a skipped row's -1
        self._ksrc = np.where(skip, -1, src).astype(np.int64)
        self.dtype = pilot.dtype
        self.probs = np.asarray(sorted(set(float(p) for p in probs)))
        self.exact = pilot.copy() if n_total <= npil else None
        self.shift = pilot.mean(axis=1, dtype=np.float64)  # float64 even for float32 rows; before sorting
        d = _SIGMAS * np.sqrt(self.probs * (1 - self.probs) / npil)
        edges_p = np.clip(np.stack([self.probs - d, self.probs + d], axis=1), 0.0, 1.0)
        in_place = bool(sort_pilot) and pilot.flags.c_contiguous and pilot.flags.writeable
        wq = _row_quantiles(pilot, edges_p.ravel(), in_place).reshape(R, len(self.probs), 2)
        # window edges exactly representable in the rows' type
        wq = wq.astype(self.dtype).astype(np.float64)
        nb = int(np.clip(np.ceil(14 * np.sqrt(max(n_total, 1) / npil)), 32, 4096))
        P = len(self.probs)
        wlo = np.zeros((R, P))
        whi = np.zeros((R, P))
        nwin = np.zeros(R, np.int64)
        for r in range(R):  # merge overlapping windows
            k = -1
            for lo, hi in wq[r]:
                if k >= 0 and lo <= whi[r, k]:
                    whi[r, k] = max(whi[r, k], hi)
                else:
                    k += 1
                    wlo[r, k], whi[r, k] = lo, hi
            nwin[r] = k + 1
        used = np.arange(P)[None, :] < nwin[:, None]
        self.wbins = np.where(used & (whi > wlo), nb, 1).astype(np.int64)
        # A window must span at least the type's smallest normal number per
        # bin (so that ``inv`` is finite); an atom (a window of one value c)
        # spans [c, next float above c), or [0, tiny) at zero.
        tiny = float(np.finfo(self.dtype).tiny)
        self.atom = used & (whi <= wlo)
        up = np.nextafter(wlo.astype(self.dtype), self.dtype.type(np.inf)).astype(np.float64)
        whi = np.where(self.atom, np.maximum(up, wlo + tiny), whi)
        whi = np.where(used & (whi - wlo < self.wbins * tiny), wlo + self.wbins * tiny, whi)
        whi = np.where(used, whi.astype(self.dtype).astype(np.float64), whi)
        self.nwin, self.wlo, self.whi = nwin, wlo, whi
        self.winv = np.where(used, self.wbins / np.where(used, whi - wlo, 1.0), 0.0)
        # cells of a row: gap 0, window 0's bins, gap 1, ..., the top gap
        top = np.where(used, self.wbins + 1, 0)
        self.wcell = np.cumsum(top, axis=1) - top  # the gap cell below each window
        # window slots for the kernel (7 or 8 when they fit: those kernels are unrolled)
        K = 7 if P == 7 else _reduce.W if P <= _reduce.W else P
        win = np.zeros((R, K, _reduce.NPAR), dtype=self.dtype)
        win[:, :, 0] = np.inf  # unused slots add nothing
        win[:, :, 1] = 1.0
        win[:, :P, 0] = np.where(used, wlo, np.inf)
        win[:, :P, 1] = np.where(used, self.winv, 1.0)
        win[:, :P, 2] = np.where(used, self.wbins, 0)
        if not np.all(np.isfinite(win[:, :P, 1]) & (whi >= wlo)):  # guarded above
            raise RuntimeError("internal error: a quantile window has no finite bin scale")
        self.win = win
        self.tabs = _tables_for(win, self.dtype)
        self._consts = np.array([0, -1, K], dtype=self.dtype)
        per_row = top.sum(axis=1) + 1
        self.cbase = np.concatenate([[0], np.cumsum(per_row)[:-1]]).astype(np.int64)
        # int32 counts keep the histograms in cache; int64 only when a bin could overflow
        self.counts = np.zeros(int(per_row.sum()), dtype=np.int32 if n_total < 2**31 else np.int64)
        self.ncell = per_row.astype(np.int64)
        # the narrow windows after ``switch`` draws (a _Narrow, made by add())
        # by default at a fold point (where a cluster run cuts its tasks and kept draws their
        # batches); a switch given is rounded to a block, where the sums close
        switch = max(4 * PILOT, n_total // 16) // FOLD * FOLD if switch is None else int(switch)
        switch = max(BLOCK, switch // BLOCK * BLOCK)
        self.switch = switch if self.exact is None and n_total >= 4 * switch else None
        self.narrow = None
        self.vmin = np.full(R, np.inf, dtype=self.dtype)
        self.vmax = np.full(R, -np.inf, dtype=self.dtype)
        # work per row, to split the rows into ranges of equal work per thread: a row
        # copied from another is only compared, and a row that was one value in the pilot
        # (a single atom: a channel not yet started) is most likely constant, counted once
        weight = np.where((nwin == 1) & self.atom[:, 0], 0.1, 1.0)
        weight[self.alias] = 0.0
        weight[skip] = 0.0
        np.add.at(weight, src[self.alias], 0.1)  # a copy is compared with its source after it
        self._work = np.concatenate([[0.0], np.cumsum(weight)])
        order = np.argsort(src[self.alias], kind="stable")
        self._copies = self.alias[order].astype(np.int64)  # each source's copies, in row order
        self._copies_ptr = np.concatenate([[0], np.cumsum(np.bincount(src[self.alias], minlength=R))]).astype(np.int64)
        counted = np.flatnonzero(self._ksrc == np.arange(R))
        self.counted = counted
        self._differs = np.zeros(R, np.int64)
        self.lanes = np.zeros((R, 2 * _reduce.LANES))  # the open block's sums and sums of squares
        self.tsum, self.tsq = np.zeros(R), np.zeros(R)  # the open fold's closed blocks
        self.gsum, self.gsq = np.zeros(R), np.zeros(R)  # the closed folds, added in draw order
        self._folds = None  # a task's fold totals (see partial()); None: added into gsum
        th = np.asarray(thresholds, dtype=float).reshape(R, -1)
        self._pad = np.isnan(th)
        self.nth = (~self._pad).sum(axis=1).astype(np.int64)
        self.thresholds = np.ascontiguousarray(np.where(self._pad, np.inf, th))
        self.exceed = np.zeros(th.shape, np.int64)
        self.n = 0
        self.n_total, self._start = int(n_total), 0

    def add(self, rows: np.ndarray, first_draw: int) -> None:
        """Add draws ``first_draw .. first_draw + rows.shape[1] - 1`` (in order)."""
        if first_draw != self.n:
            raise ValueError(f"chunks must arrive in draw order: expected draw {self.n}, got {first_draw}")
        if rows.dtype != self.dtype:
            raise TypeError(f"rows are {rows.dtype}, the pilot was {self.dtype}")
        n = rows.shape[1]
        rows = np.ascontiguousarray(rows)
        a = 0
        while a < n:
            d = first_draw + a
            # a fold point inside the chunk splits it: the kernel takes columns a .. stop - 1
            # in place (no copy of either piece)
            stop = min(n, self.next_fold(d) - first_draw)
            if self.switch is not None and self.narrow is None and d >= self.switch:
                self.narrow = _Narrow(self)  # the windows narrow exactly at draw ``switch``
            if self.narrow is None:
                self._accumulate(rows, a, stop, d, self)
            else:
                self._accumulate(rows, a, stop, d, self.narrow)
            self.n = first_draw + stop
            if self.n == self.next_fold(d):
                self._fold()
            a = stop

    def next_fold(self, d: int) -> int:
        """The first fold point after draw ``d``: a multiple of ``FOLD``, or the switch."""
        nxt = (d // FOLD + 1) * FOLD
        return min(nxt, self.switch) if self.switch is not None and d < self.switch else nxt

    def _fold(self) -> None:
        if self._folds is not None:
            self._folds.append((self.tsum.copy(), self.tsq.copy()))
        else:
            self.gsum += self.tsum
            self.gsq += self.tsq
        self.tsum[:] = 0.0
        self.tsq[:] = 0.0

    def _cuts(self, nthreads: int) -> np.ndarray:
        """Row ranges of about equal work for ``nthreads`` threads (``nthreads + 1`` bounds)."""
        R = len(self.src)
        nthr = max(1, min(nthreads, R))
        w = self._work
        cuts = np.searchsorted(w, w[-1] * np.arange(nthr + 1) / nthr, side="left").astype(np.int64)
        cuts[0], cuts[-1] = 0, R
        return np.maximum.accumulate(cuts)

    def _accumulate(self, rows, lo, hi, first_draw, phase):
        """Columns ``lo .. hi - 1`` of ``rows`` into the windows and counters of ``phase``
        (this reducer or its narrow windows)."""
        wins = _reduce.Windows(phase.win, phase.tabs, phase.counts, phase.cbase, phase.ncell, self._consts)
        mom = _reduce.Moments(self.vmin, self.vmax, self.shift, self.lanes, self.tsum, self.tsq,
                              self.thresholds, self.nth, self.exceed)
        cop = _reduce.Copies(self._ksrc, self._copies_ptr, self._copies, self._differs)
        _reduce.accumulate(rows, lo, hi, first_draw, BLOCK, self._cuts(numba.get_num_threads()), wins, mom, cop)
        bad = self.alias[self._differs[self.alias] > 0]
        if len(bad):
            r = int(bad[0])
            col = int(self._differs[r]) - 1
            self._differs[:] = 0
            raise RowsDiffer(r, int(self.src[r]), first_draw + col - lo, rows[r, col], rows[self.src[r], col])

    # ------------------------------------------------------------ tasks and merging
    def template(self) -> "Reducer":
        """This reducer's windows without its counts (small to send to a worker):
        :meth:`for_task` makes a fresh reducer of it for a range of draws."""
        import copy
        t = copy.copy(self)
        t.counts = t.exact = None
        if self.narrow is not None:
            t.narrow = copy.copy(self.narrow)
            t.narrow.counts = None
        for name in ("vmin", "vmax", "lanes", "tsum", "tsq", "gsum", "gsq", "exceed"):
            setattr(t, name, None)
        t._folds = None
        return t

    def for_task(self, start: int) -> "Reducer":
        """A fresh reducer (zero counts) with these windows, for draws from ``start``
        (a fold point); made from :meth:`template` on a worker."""
        import copy
        t = copy.copy(self)
        R = len(self.nwin)
        t.counts = np.zeros(int(self.ncell.sum()), dtype=np.int32 if self.n_total < 2**31 else np.int64)
        if self.narrow is not None:
            t.narrow = copy.copy(self.narrow)
            t.narrow.counts = np.zeros(int(self.narrow.ncell.sum()), dtype=t.counts.dtype)
        t.vmin = np.full(R, np.inf, dtype=self.dtype)
        t.vmax = np.full(R, -np.inf, dtype=self.dtype)
        t.lanes = np.zeros((R, 2 * _reduce.LANES))
        t.tsum, t.tsq, t.gsum, t.gsq = (np.zeros(R) for _ in range(4))
        t.exceed = np.zeros(self._pad.shape, np.int64)
        t._differs = np.zeros(R, np.int64)
        t.n, t._start, t._folds = int(start), int(start), []
        return t

    def partial(self) -> "Partial":
        """What a task's reducer (from :meth:`for_task`) hands back to be merged."""
        nw = self.narrow
        return Partial(self._start, self.n, None if nw is not None and self._start >= self.switch else self.counts,
                       nw.counts if nw is not None else None, self.vmin, self.vmax, self.exceed,
                       list(self._folds), self.tsum, self.tsq, self.lanes)

    def merge(self, p: "Partial") -> None:
        """Add a task's :class:`Partial` (tasks in draw order, from fold points)."""
        if p.start != self.n:
            raise ValueError(f"partials must be merged in draw order: expected draw {self.n}, got {p.start}")
        if self.switch is not None and self.narrow is None and p.start >= self.switch:
            raise ValueError("a task past the switch needs the narrowed windows: call narrow_now() first")
        if p.counts is not None:
            self.counts += p.counts
        if p.narrow_counts is not None:
            self.narrow.counts += p.narrow_counts
        np.minimum(self.vmin, p.vmin, out=self.vmin)
        np.maximum(self.vmax, p.vmax, out=self.vmax)
        self.exceed += p.exceed
        for s, q in p.folds:
            self.gsum += s
            self.gsq += q
        # a task ends at a fold point (its open sums are zero) unless it is the run's last
        self.tsum, self.tsq, self.lanes = p.tsum.copy(), p.tsq.copy(), p.lanes.copy()
        self.n = p.stop

    def narrow_now(self) -> None:
        """Narrow the windows at the switch (a distributed run calls it between its two phases)."""
        if self.switch is not None and self.narrow is None and self.n >= self.switch:
            self.narrow = _Narrow(self)

    # ------------------------------------------------------------------ results
    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and sample standard deviation per row."""
        open_s, open_q = _reduce.lane_totals(self.lanes.copy())
        s = (self.gsum + self.tsum) + open_s
        q = (self.gsq + self.tsq) + open_q
        n = self.n
        mean = self.shift + s / n
        var = (q - s * s / n) / max(n - 1, 1)
        mean, sd = mean[self.src], np.sqrt(np.maximum(var, 0.0))[self.src]
        mean[self.skip] = sd[self.skip] = np.nan
        return mean, sd

    def exceedance(self) -> np.ndarray:
        """P(x > threshold) per row and threshold (nan where padded or the row is skipped)."""
        return np.where(self._pad | self.skip[:, None], np.nan, self.exceed / self.n)

    def quantiles(self, probs=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Quantiles (type-7 position), their error bounds and Monte Carlo standard errors.

        Parameters
        ----------
        probs : sequence of float, optional
            A subset of the probabilities given at construction (default: all).

        Returns
        -------
        values, errors, mcse : ndarray, shape (R, len(probs))
        """
        probs = self.probs if probs is None else np.asarray(probs, dtype=float)
        missing = set(probs.tolist()) - set(self.probs.tolist())
        if missing:
            raise ValueError(f"quantiles {sorted(missing)} were not requested before the run")
        R = len(self.nwin)
        out = np.empty((3, R, len(probs)))
        if self.exact is not None:
            out[0] = np.quantile(self.exact, probs, axis=1).T
            out[1] = 0.0

        for r in range(R):
            if self.src[r] != r or self.skip[r]:
                continue  # filled from its source below, or nan
            v, e, s = self._row(r, probs)
            if self.exact is None:
                out[0, r], out[1, r] = v, e
            out[2, r] = s
        out = out[:, self.src]
        out[:, self.skip] = np.nan
        if self.dtype == np.float32:
            # float32 rows: rounding to nearest keeps the order, so a quantile of the
            # rounded values is within 2**-24 |q| of the unrounded one.
            out[1] = out[1] + np.abs(out[0]) * 2.0**-23
        return out[0], out[1], out[2]

    def _cells(self, r) -> _Cells:
        """Row ``r``'s first-phase cells in order (gap 0, window 0's bins, gap 1, ...)."""
        cells = self.counts[self.cbase[r]:self.cbase[r] + self.ncell[r]].astype(float)
        out = _Cells()
        prev_hi, prev_bin = float(self.vmin[r]), 0.0
        for k in range(self.nwin[r] + 1):
            last = k == self.nwin[r]
            c0 = self.wcell[r, k - 1] + self.wbins[r, k - 1] + 1 if last else self.wcell[r, k]
            out.gap(cells[c0], prev_hi, float(self.vmax[r]) if last else self.wlo[r, k], prev_bin)
            if not last:
                nb = self.wbins[r, k]
                e = np.linspace(self.wlo[r, k], self.whi[r, k], nb + 1)
                w = np.diff(e)
                # values in an atom's [c, next float) are reported as c
                v = np.full(nb + 1, self.wlo[r, k]) if self.atom[r, k] else e
                out.bins(cells[c0 + 1:c0 + 1 + nb], v[:-1], v[1:], w * (1.0 + _SLACK), e[1:])
                prev_hi, prev_bin = self.whi[r, k], w.max()
        return out.done()

    def _row(self, r, probs):
        c = self._cells(r)
        if self.narrow is not None:
            c = self.narrow.cells(r, c)
        counts, lows, highs, err, inwin = c.counts, c.lows, c.highs, c.err, c.inwin
        cum = np.cumsum(counts)
        n = cum[-1]
        vals, errs, ses = np.empty(len(probs)), np.empty(len(probs)), np.empty(len(probs))
        for i, p in enumerate(probs):
            rank = p * (n - 1)
            k = min(int(np.searchsorted(cum, rank + 0.5, side="left")), len(cum) - 1)
            c = counts[k]
            frac = (rank - (cum[k] - c) + 0.5) / c if c > 0 else 0.5
            a, b = lows[k], highs[k]
            vals[i] = a + min(max(frac, 0.0), 1.0) * (b - a)
            errs[i] = err[k]
            # density from the whole window around the quantile
            j0, j1 = k, k
            while j0 > 0 and inwin[j0 - 1]:
                j0 -= 1
            while j1 < len(cum) - 1 and inwin[j1 + 1]:
                j1 += 1
            mass = counts[j0:j1 + 1].sum()
            w = (highs[j0:j1 + 1] - lows[j0:j1 + 1]).sum()  # 0 at an atom: no spread
            ses[i] = np.sqrt(p * (1 - p) / n) / (mass / (n * w)) if w > 0 and mass > 0 else 0.0
        return vals, errs, ses


class RowsDiffer(ValueError):
    """Two rows declared equal (``Reducer(..., same=)``) differ in a chunk.

    Attributes
    ----------
    row, source : int
        The row and the row it was declared to equal.
    draw : int
        The first draw where they differ (absolute index).
    value, source_value : float
    """

    def __init__(self, row, source, draw, value, source_value):
        self.row, self.source, self.draw = row, source, draw
        self.value, self.source_value = float(value), float(source_value)
        super().__init__(f"row {row} was declared equal to row {source}, but at draw {draw} it is "
                         f"{self.value!r} and that row {self.source_value!r}")


@dataclass
class Partial:
    """A task's share of a reducer: draws ``start .. stop - 1``."""

    start: int
    stop: int
    counts: np.ndarray | None          # first-phase cells (None for a task wholly past the switch)
    narrow_counts: np.ndarray | None   # second-phase cells
    vmin: np.ndarray
    vmax: np.ndarray
    exceed: np.ndarray
    folds: list                        # (sum, sum of squares) per fold closed, in order
    tsum: np.ndarray                   # the open fold's closed blocks (zero unless the run's last task)
    tsq: np.ndarray
    lanes: np.ndarray                  # the open block (zero unless the run's last task)


class _Narrow:
    """Phase two of a long run: windows narrowed to the first phase's bins.

    After ``switch`` draws every quantile is known to within a few Monte Carlo
    standard errors *at that N*, far better than the pilot knew it.  Each
    quantile's new window is the run of first-phase bins holding ranks
    ``p +/- 6 sqrt(p (1 - p) / switch)`` (overlapping runs merged): the same
    bins, so the two phases' counts add up bin by bin, but a small fraction
    of them, so the counters of the rest of the run stay in cache.  Cells of
    the first phase outside the new windows are added to the new gaps.  A row
    whose new windows would need more slots than the kernel has keeps its
    first-phase windows.  The new lower edges are rounded to the rows' type;
    the rounding (``delta``) is added to the row's errors.
    """

    def __init__(self, red: Reducer):
        R, K = red.win.shape[:2]
        n = red.n
        p = red.probs
        d = _SIGMAS * np.sqrt(p * (1 - p) / n)
        lo_rank = np.clip(p - d, 0.0, 1.0) * (n - 1) + 0.5
        hi_rank = np.clip(p + d, 0.0, 1.0) * (n - 1) + 0.5
        win = np.zeros((R, K, _reduce.NPAR), dtype=red.dtype)
        win[:, :, 0] = np.inf
        win[:, :, 1] = 1.0
        per_row = np.ones(R, np.int64)
        self.runs = []
        self.delta = np.zeros(R)
        for r in range(R):
            if red._ksrc[r] != r:  # a copy or a skipped row: never counted, no windows
                self.runs.append([])
                continue
            nw = red.nwin[r]
            cnt = red.counts[red.cbase[r]:red.cbase[r] + red.ncell[r]]
            cum = np.cumsum(cnt)
            gap_cells = np.append(red.wcell[r, :nw], red.ncell[r] - 1)
            sel = np.zeros(len(cnt), bool)
            for a, b in zip(np.searchsorted(cum, lo_rank), np.searchsorted(cum, hi_rank)):
                sel[a:b + 1] = True
            sel[gap_cells] = False
            edges = np.flatnonzero(np.diff(np.concatenate([[0], sel.astype(np.int8), [0]])))
            starts, ends = edges[::2], edges[1::2]
            if not 0 < len(starts) <= K:  # keep the first phase's windows
                starts = red.wcell[r, :nw] + 1
                ends = starts + red.wbins[r, :nw]
            runs = []
            for k, (a, b) in enumerate(zip(starts, ends)):
                k1 = int(np.searchsorted(red.wcell[r, :nw], a, side="right")) - 1
                b0 = a - red.wcell[r, k1] - 1
                exact = red.wlo[r, k1] + b0 * (red.whi[r, k1] - red.wlo[r, k1]) / red.wbins[r, k1]
                lo = red.dtype.type(exact)
                self.delta[r] = max(self.delta[r], abs(float(lo) - exact))
                win[r, k] = (lo, red.winv[r, k1], b - a)
                runs.append((int(a), int(b)))
            self.runs.append(runs)
            per_row[r] = sum(b - a + 1 for a, b in runs) + 1
        self.win = win
        self.tabs = _tables_for(win, red.dtype)
        self.ncell = per_row
        self.cbase = np.concatenate([[0], np.cumsum(per_row)[:-1]]).astype(np.int64)
        self.counts = np.zeros(int(per_row.sum()), dtype=red.counts.dtype)

    def cells(self, r, first: _Cells) -> _Cells:
        """Row ``r``'s cells over the whole run: the narrow windows' bins and the
        gaps between them, with the first phase's counts (``first``) added in."""
        c2 = self.counts[self.cbase[r]:self.cbase[r] + self.ncell[r]].astype(float)
        dl = self.delta[r]
        out = _Cells()
        prev_end, prev_hi, prev_bin, g = 0, first.lows[0], 0.0, 0
        for a, b in self.runs[r] + [(len(first.counts), None)]:
            lo = first.highs[-1] if b is None else first.lows[a]
            out.gap(c2[g] + first.counts[prev_end:a].sum(), prev_hi, lo, prev_bin, dl)
            if b is not None:
                out.bins(c2[g + 1:g + 1 + b - a] + first.counts[a:b], first.lows[a:b], first.highs[a:b],
                         first.err[a:b] + dl, first.upper[a:b])
                prev_end, prev_hi = b, first.upper[b - 1]
                prev_bin = first.err[a:b].max() / (1.0 + _SLACK)
                g += b - a + 1
        return out.done()


class _Cells:
    """A row's cells in order, built gap by gap and window by window.

    Per cell: ``counts``, a value range ``lows..highs`` to interpolate in (an
    atom's is its value), the true ``upper`` edge, ``inwin`` (a window's bin),
    and ``err``: the cell's width plus ``_SLACK`` of a bin of the window whose
    upper edge (or own bins) the locate arithmetic may have blurred; a gap
    wider than nothing has no bound (``inf``).
    """

    _FIELDS = ("counts", "lows", "highs", "err", "inwin", "upper")

    def __init__(self):
        self._parts = {f: [] for f in self._FIELDS}

    def gap(self, count, low, next_lo, prev_bin, extra=0.0):
        """The gap from ``low`` (the top of the window below, or the minimum) to
        ``next_lo``; ``prev_bin`` is the width of a bin of the window below."""
        high = max(next_lo, low)
        err = _SLACK * prev_bin + extra if next_lo <= low else np.inf
        self._add([count], [low], [high], [err], [False], [high])

    def bins(self, counts, lows, highs, err, upper):
        self._add(counts, lows, highs, err, np.ones(len(counts), bool), upper)

    def _add(self, *cols):
        for f, c in zip(self._FIELDS, cols):
            self._parts[f].append(c)

    def done(self) -> _Cells:
        for f in self._FIELDS:
            setattr(self, f, np.concatenate(self._parts[f]))
        del self._parts
        return self

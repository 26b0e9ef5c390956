"""Locating float32 values by lookup tables (dieroll.engine._reduce._locate_table) against
a plain Python reference of the cells, and against the per-slot formula; counting
through copies of the counters against one increment per value."""
import numpy as np
import pytest
from numba import njit

from dieroll.engine import _reduce
from dieroll.engine.reduce import tables

SLOTS = _reduce.TABLE - 1


def _windows(rng, R, nwin_max=SLOTS):
    """Window slots (R, 7, 3) like the reducers': sorted disjoint windows, some atoms,
    some touching their neighbour, some rows with fewer windows."""
    win = np.zeros((R, 7, 3), np.float32)
    win[:, :, 0], win[:, :, 1] = np.inf, 1.0
    his = np.zeros((R, 7))
    for r in range(R):
        k = rng.integers(1, nwin_max + 1)
        x = float(rng.normal(0, 100))
        for s in range(k):
            nb = int(rng.choice([1, 32, 55, 400]))
            if nb == 1 and rng.random() < 0.5:  # an atom: [c, next float above c)
                lo = np.float32(x)
                hi = np.nextafter(lo, np.float32(np.inf))
            else:
                lo = np.float32(x)
                hi = np.float32(x + rng.uniform(0.01, 50))
            win[r, s] = (lo, nb / (float(hi) - float(lo)), nb)
            his[r, s] = hi
            x = float(hi) + (0.0 if rng.random() < 0.3 else rng.uniform(0.001, 30))  # touching or not
    return win, his


def _reference(x, win, his):
    """The cell of ``x`` by exact comparisons with each bin's edges (float64 arithmetic)."""
    cell = 0
    for s in range(win.shape[0]):
        lo, inv, nb = float(win[s, 0]), float(win[s, 1]), int(win[s, 2])
        if not np.isfinite(lo):
            break
        if not x >= lo:  # below this window (nan too)
            return cell
        b = int(np.floor((x - lo) * inv)) if x < his[s] else nb
        if b < nb:
            return cell + 1 + b
        cell += nb + 1
    return cell


@njit
def _cells_by_table(rows, tabs, out):
    for r in range(rows.shape[0]):
        _reduce._locate_table(rows[r], tabs[r], out[r])


@njit
def _cells_by_slot(rows, win, consts, out):
    for r in range(rows.shape[0]):
        _reduce._locate(rows[r], win[r], out[r], consts, 7)


def _values(rng, win, his, n):
    """Values around the windows: inside, at every edge and a float either side, in the gaps,
    far out, and the infinities and nan."""
    R = win.shape[0]
    rows = np.empty((R, n), np.float32)
    for r in range(R):
        used = np.isfinite(win[r, :, 0])
        lo, hi = win[r, used, 0].astype(np.float64), his[r, used]
        edges = np.concatenate([lo, hi, [np.float32(a + (b - a) * f) for a, b in zip(lo, hi) for f in (0.25, 0.5)]])
        edges = edges.astype(np.float32)
        near = np.concatenate([edges, np.nextafter(edges, np.float32(np.inf)), np.nextafter(edges, np.float32(-np.inf))])
        spread = rng.uniform(lo.min() - 10, hi.max() + 10, n).astype(np.float32)
        special = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 3e38, -3e38], np.float32)
        v = np.concatenate([near, special, spread])[:n]
        rows[r] = rng.permutation(np.resize(v, n))
    return rows


def _assert_near_edges(rows, got, want, win, his):
    """Where ``got`` and ``want`` differ, by one cell, the value is within 1 % of a bin
    of an upper or inner bin edge (never at a lower edge: those are compared exactly)."""
    for r, i in zip(*np.nonzero(got != want)):
        assert abs(int(got[r, i]) - int(want[r, i])) == 1, (r, rows[r, i], got[r, i], want[r, i])
        x = float(rows[r, i])
        used = np.isfinite(win[r, :, 0])
        lo, hi, nb = win[r, used, 0].astype(float), his[r, used], win[r, used, 2]
        s = int(np.searchsorted(lo, x, side="right")) - 1
        width = (hi[s] - lo[s]) / nb[s]
        e = lo[s] + np.round((x - lo[s]) / width) * width  # the nearest bin edge of the window
        assert abs(x - e) <= 0.01 * width and abs(x - lo[s]) > 0, (x, e, width)


@pytest.mark.parametrize("n", [1, 7, 8, 9, 4096 + 5])
def test_cells_by_table_are_the_reference_cells(n):
    rng = np.random.default_rng(n)
    win, his = _windows(rng, 300)
    rows = _values(rng, win, his, n)
    got = np.zeros(rows.shape, np.uint32)
    _cells_by_table(rows, tables(win), got)
    ref = np.array([[_reference(float(x), win[r], his[r]) for x in rows[r]] for r in range(len(rows))])
    _assert_near_edges(rows, got, ref, win, his)


def test_cells_by_table_are_the_per_slot_formula_cells_away_from_edges():
    rng = np.random.default_rng(5)
    win, his = _windows(rng, 200)
    rows = np.stack([rng.uniform(win[r, 0, 0] - 5, np.nanmax(his[r]) + 5, 5000) for r in range(200)]).astype(np.float32)
    a, b = np.zeros(rows.shape, np.uint32), np.zeros(rows.shape, np.uint32)
    _cells_by_table(rows, tables(win), a)
    _cells_by_slot(rows, win, np.array([0, -1, 7], np.float32), b)
    _assert_near_edges(rows, a, b, win, his)
    assert (a != b).mean() < 1e-4


def test_tables_refuse_more_windows_than_they_hold():
    win = np.zeros((1, 8, 3), np.float32)
    win[0, :, 0] = np.arange(8) * 10
    win[0, :, 1], win[0, :, 2] = 1.0, 1.0
    with pytest.raises(ValueError, match="at most 7 windows"):
        tables(win)


@njit
def _counts_cell_by_cell(rows, tabs, ncell, cbase, counts):
    idx = np.empty(rows.shape[1], np.uint32)
    for r in range(rows.shape[0]):
        _reduce._locate_table(rows[r], tabs[r], idx)
        for i in range(rows.shape[1]):
            counts[cbase[r] + idx[i]] += 1


@njit
def _counts_in_copies(rows, tabs, ncell, cbase, counts):
    n = rows.shape[1]
    idx = np.empty(n + 8, np.uint32)
    hist = np.empty(_reduce.COPIES * ncell.max(), np.uint32)
    for r in range(rows.shape[0]):
        _reduce._locate_table(rows[r], tabs[r], idx)
        _reduce._count(idx, n, ncell[r], hist, counts, np.uint64(cbase[r]))


@pytest.mark.parametrize("n", [1, 3, 4, 7, 64, 4096 + 5])
def test_counting_in_copies_gives_the_counts_of_counting_cell_by_cell(n):
    # _count (COPIES copies of a row's counters, added up after) against one increment
    # per value: the same counts, at every edge, the infinities and nan included
    rng = np.random.default_rng(100 + n)
    win, his = _windows(rng, 300)
    rows = _values(rng, win, his, n)
    tabs = tables(win)
    used = np.isfinite(win[:, :, 0])
    ncell = (np.where(used, win[:, :, 2], 0).astype(np.int64) + used).sum(axis=1) + 1
    cbase = np.concatenate([[0], np.cumsum(ncell)[:-1]]).astype(np.int64)
    want = np.zeros(ncell.sum(), np.int64)
    got = np.zeros(ncell.sum(), np.int64)
    _counts_cell_by_cell(rows, tabs, ncell, cbase, want)
    _counts_in_copies(rows, tabs, ncell, cbase, got)
    np.testing.assert_array_equal(got, want)
    assert want.sum() == rows.size

"""Reducers against exact statistics of the same draws."""
import numpy as np
import pytest
from scipy import stats

from dieroll.engine.reduce import BLOCK, PILOT, Reducer, RowsDiffer


def _feed(rows, probs, chunk, thresholds=None, switch=None):
    R, N = rows.shape
    th = np.full((R, 1), np.nan) if thresholds is None else thresholds
    red = Reducer(rows[:, :min(PILOT, N)], th, probs, N, switch=switch)
    for f in range(0, N, chunk):
        red.add(rows[:, f:f + chunk], f)
    return red


@pytest.fixture(scope="module")
def rows():
    rng = np.random.default_rng(3)
    N = 200_000
    return np.stack([rng.normal(5, 2, N), np.exp(rng.normal(0, 1, N)),
                     np.where(rng.random(N) < 0.3, 0.0, rng.gamma(2, 1000, N)),
                     rng.standard_t(3, N), np.full(N, 7.0), -np.exp(rng.normal(0, 2, N))])


PROBS = [0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95]


def test_quantiles_within_their_bound_of_exact(rows):
    red = _feed(rows, PROBS, 30_001)
    q, err, mcse = red.quantiles()
    exact = np.quantile(rows, PROBS, axis=1).T
    # the bound is the bin width; allow the spacing of two order statistics more
    assert np.all(np.abs(q - exact) <= err + 1e-12 * np.abs(exact)), np.abs(q - exact) - err
    assert np.all(np.isfinite(err))
    # the reported bound is below the Monte Carlo standard error wherever that is positive
    pos = mcse > 0
    assert np.all(err[pos] <= mcse[pos]), (err / np.where(pos, mcse, 1)).max()
    # an atom is reported at its value, with the width of its cell (+1 %) as the
    # error: [0, smallest normal) at zero, [c, next float above c) elsewhere
    assert q[2, 0] == 0.0 and 0.0 < err[2, 0] <= 1.01 * np.finfo(float).tiny
    assert np.all(q[4] == 7.0) and np.all(err[4] <= 1.01 * np.spacing(7.0))


def test_mcse_estimate_is_sensible(rows):
    red = _feed(rows, PROBS, 50_000)
    _, _, mcse = red.quantiles()
    N = rows.shape[1]
    true = np.sqrt(0.5 * 0.5 / N) / stats.norm(5, 2).pdf(5)
    assert mcse[0, 3] == pytest.approx(true, rel=0.1)


@pytest.mark.parametrize("switch", [None, 50_000], ids=["one phase", "narrowed"])
def test_moments_and_exceedance(rows, switch):
    th = np.array([[5.0, 7.0], [1.0, np.nan], [0.0, np.nan], [0.0, np.nan], [7.0, np.nan], [-1.0, np.nan]])
    red = _feed(rows, PROBS, 17_000, th, switch=switch)
    assert (red.narrow is not None) == (switch is not None)
    mean, sd = red.moments()
    np.testing.assert_allclose(mean, rows.mean(axis=1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sd, rows.std(axis=1, ddof=1), rtol=1e-10, atol=1e-12)
    exc = red.exceedance()
    for r in range(rows.shape[0]):
        for k in range(2):
            if np.isnan(th[r, k]):
                assert np.isnan(exc[r, k])
            else:
                assert exc[r, k] == (rows[r] > th[r, k]).mean()


def test_small_runs_are_exact(rows):
    small = rows[:, :5_000]
    red = _feed(small, PROBS, 999)
    q, err, _ = red.quantiles()
    assert np.array_equal(q, np.quantile(small, PROBS, axis=1).T)
    assert np.all(err == 0)


def test_chunking_does_not_change_anything(rows):
    a = _feed(rows, PROBS, BLOCK)
    b = _feed(rows, PROBS, 77_777)
    for x, y in zip(a.quantiles() + a.moments(), b.quantiles() + b.moments()):
        assert np.array_equal(x, y)


@pytest.mark.parametrize("switch", [None, 50_000], ids=["one phase", "narrowed"])
def test_many_quantiles_use_the_general_kernel_and_hold_their_bound(rows, switch):
    # more than 8 windows: the kernel that is not unrolled
    probs = [0.01, 0.02, 0.05, 0.10, 0.20, 0.25, 0.40, 0.50, 0.60, 0.75, 0.80, 0.90, 0.95, 0.99]
    red = _feed(rows, probs, 40_000, switch=switch)
    assert red.win.shape[1] > 8
    assert (red.narrow is not None) == (switch is not None)
    q, err, _ = red.quantiles()
    exact = np.quantile(rows, probs, axis=1).T
    assert np.all(np.isfinite(err))
    assert np.all(np.abs(q - exact) <= err + 1e-12 * np.abs(exact)), np.abs(q - exact) - err


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_infinite_and_far_values_land_in_the_outer_gaps():
    # +-inf and values far outside the windows must not disturb the bins of others
    rng = np.random.default_rng(5)
    N = 60_000
    x = rng.normal(0, 1, N)
    x[rng.random(N) < 0.01] = -np.inf
    x[rng.random(N) < 0.01] = np.inf
    x[rng.random(N) < 0.01] = -1e300
    rows = np.stack([x, -x])
    red = _feed(rows, PROBS, 25_000)
    q, err, _ = red.quantiles()
    exact = np.quantile(rows, PROBS, axis=1).T
    assert np.all(np.abs(q - exact) <= err + 1e-12 * np.abs(exact)), np.abs(q - exact) - err


def test_float32_rows_hold_their_bound_against_the_float64_values(rows):
    # runs round outputs to float32 once; the reported bound must cover that too
    r32 = rows.astype(np.float32)
    red = _feed(r32, PROBS, 30_001)
    assert red.win.dtype == np.float32
    q, err, mcse = red.quantiles()
    exact = np.quantile(rows, PROBS, axis=1).T  # of the unrounded values
    assert np.all(np.abs(q - exact) <= err), np.abs(q - exact) - err
    pos = mcse > 0
    assert np.all(err[pos] <= mcse[pos]), (err / np.where(pos, mcse, 1)).max()
    mean, sd = red.moments()
    np.testing.assert_allclose(mean, r32.astype(np.float64).mean(axis=1), rtol=1e-12, atol=1e-12)
    b = _feed(r32, PROBS, 77_777)
    for x, y in zip(red.quantiles() + red.moments(), b.quantiles() + b.moments()):
        assert np.array_equal(x, y)


def test_small_float32_runs_report_the_rounding(rows):
    small = rows[:, :5_000]
    red = _feed(small.astype(np.float32), PROBS, 999)
    q, err, _ = red.quantiles()
    exact = np.quantile(small, PROBS, axis=1).T
    assert np.all(np.abs(q - exact) <= err)
    assert np.all(err <= 2.0**-23 * np.abs(q) + 1e-300)


def test_rows_of_another_type_are_refused(rows):
    red = _feed(rows[:, :20_000], PROBS, 20_000)
    with pytest.raises(TypeError, match="float32"):
        red.add(rows[:, :10].astype(np.float32), red.n)


@pytest.mark.parametrize("probs", [PROBS, PROBS + [0.99]], ids=["7 slots", "8 slots"])
def test_unrolled_kernels_hold_their_bound(rows, probs):
    red = _feed(rows, probs, 33_333)
    assert red.win.shape[1] == len(probs)
    q, err, _ = red.quantiles()
    exact = np.quantile(rows, sorted(probs), axis=1).T
    assert np.all(np.abs(q - exact) <= err + 1e-12 * np.abs(exact)), np.abs(q - exact) - err


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_atoms_keep_their_neighbours_out(dtype):
    # an atom at zero and one at 1.0, with values one float away on either side:
    # each neighbour must be counted outside the atom's cell
    rng = np.random.default_rng(11)
    N = 50_000
    tiny = np.finfo(dtype).tiny
    x = np.zeros(N, dtype)
    u = rng.random(N)
    x[u > 0.35] = dtype(tiny)                        # smallest normal, just above the atom at 0
    x[u > 0.40] = np.nextafter(dtype(1), dtype(0))   # just below the atom at 1
    x[u > 0.45] = dtype(1)
    x[u > 0.80] = np.nextafter(dtype(1), dtype(2))   # just above it
    x[u > 0.85] = rng.random(int((u > 0.85).sum())).astype(dtype) + dtype(2)
    rows = np.stack([x, -x])
    probs = [0.05, 0.30, 0.38, 0.42, 0.5, 0.6, 0.75, 0.9]
    red = _feed(rows, probs, 9_999)
    q, err, _ = red.quantiles()
    exact = np.quantile(rows.astype(np.float64), probs, axis=1).T
    assert np.all(np.abs(q - exact) <= err), np.abs(q - exact) - err
    # the atoms are reported exactly at their values
    assert q[0, 0] == 0.0 and q[0, 1] == 0.0 and q[0, 5] == 1.0 and q[0, 6] == 1.0
    assert q[1, 1] == -1.0 and q[1, 2] == -1.0 and q[1, 7] == 0.0


def test_long_runs_narrow_their_windows_and_keep_the_bound(rows):
    # after `switch` draws the windows shrink to the bins around each quantile;
    # the counts of both phases add up bin by bin
    red = _feed(rows, PROBS, 30_001, switch=50_000)
    assert red.narrow is not None
    assert red.narrow.counts.size < 0.7 * red.counts.size
    q, err, mcse = red.quantiles()
    exact = np.quantile(rows, PROBS, axis=1).T
    assert np.all(np.isfinite(err))
    assert np.all(np.abs(q - exact) <= err + 1e-12 * np.abs(exact)), np.abs(q - exact) - err
    pos = mcse > 0
    assert np.all(err[pos] <= mcse[pos]), (err / np.where(pos, mcse, 1)).max()
    # every draw is counted once: first-phase counts plus second-phase counts
    assert red.counts.sum() + red.narrow.counts.sum() == rows.shape[0] * rows.shape[1]
    assert red.switch == 49_152  # 50,000 rounded down to a block, where the mean/sd sums fold
    assert red.counts.sum() == rows.shape[0] * red.switch
    # chunks that straddle the switch, or end on it, change nothing
    for chunk in (50_000, 7_777, BLOCK):
        other = _feed(rows, PROBS, chunk, switch=50_000)
        for x, y in zip(red.quantiles() + red.moments(), other.quantiles() + other.moments()):
            assert np.array_equal(x, y)
        assert np.array_equal(red.narrow.counts, other.narrow.counts)


def test_float32_rows_narrow_and_hold_their_bound_against_float64(rows):
    r32 = rows.astype(np.float32)
    red = _feed(r32, PROBS, 25_000, switch=50_000)
    assert red.narrow is not None
    q, err, _ = red.quantiles()
    exact = np.quantile(rows, PROBS, axis=1).T
    assert np.all(np.abs(q - exact) <= err), np.abs(q - exact) - err


def test_short_runs_do_not_narrow(rows):
    assert _feed(rows[:, :100_000], PROBS, 50_000).narrow is None  # default switch 65,536: needs 4x that
    assert _feed(rows, PROBS, 50_000).narrow is None
    assert _feed(rows[:, :100_000], PROBS, 50_000, switch=20_000).narrow is not None


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # the pilot mean of +-inf
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_min_and_max_of_every_row(rows, dtype):
    # float32 rows are compared as integer keys: negatives, signed zeros and
    # infinities must still give numpy's minimum and maximum
    r = rows[:, :30_000].astype(dtype)
    extra = np.stack([np.where(np.arange(30_000) % 2, -0.0, 0.0), np.full(30_000, -3.5),
                      np.concatenate([[np.inf, -np.inf], np.linspace(-1, 1, 29_998)])]).astype(dtype)
    r = np.concatenate([r, extra])
    red = _feed(r, PROBS, 7_001)
    assert red.vmin.dtype == dtype
    assert np.array_equal(red.vmin, r.min(axis=1)) and np.array_equal(red.vmax, r.max(axis=1))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sums_follow_their_documented_order(rows, dtype):
    # a slow reference of the order the kernel adds in: draw d goes to lane
    # d % LANES, lanes are closed pairwise at every BLOCK boundary (float32 rows
    # and float64 rows alike)
    from dieroll.engine._reduce import LANES

    def pairwise(v):
        v = list(v)
        while len(v) > 1:
            v = [v[2 * k] + v[2 * k + 1] for k in range(len(v) // 2)]
        return v[0]

    r = rows[:2, :2 * BLOCK + 1_234].astype(dtype)
    red = _feed(r, PROBS, 1_000)
    assert red.tsum.any() and red.lanes.any()  # closed blocks and an open one
    for row, shift, ts, tq, lanes in zip(r, red.shift, red.tsum, red.tsq, red.lanes):
        s, q = [0.0] * LANES, [0.0] * LANES
        tsum = tsq = 0.0
        for d, x in enumerate(row.tolist()):
            v = x - float(shift)
            s[d % LANES] += v
            q[d % LANES] += v * v
            if (d + 1) % BLOCK == 0:
                tsum += pairwise(s)
                tsq += pairwise(q)
                s, q = [0.0] * LANES, [0.0] * LANES
        assert ts == tsum and tq == tsq
        assert lanes.tolist() == s + q  # the open block's lanes, bit for bit


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rows_constant_over_a_chunk_give_the_same_bits(dtype):
    # a row constant over a chunk takes a shortcut (located once, counted n
    # times; sums that add only zeros skipped).  Chunkings that put the
    # constant stretches inside chunks, or across them, must agree bit for bit.
    rng = np.random.default_rng(21)
    N = 3 * BLOCK * 8
    x = rng.normal(10, 3, N)
    y = np.where(np.arange(N) % 3 == 0, -0.0, 0.0)       # signed zeros only
    z = np.full(N, 2.5)
    w = rng.gamma(2, 1, N)
    v = rng.gamma(2, 1, N)                                  # a pilot with mean exactly 5, then a
    k = rng.integers(0, 5, PILOT // 2)                      # stretch at 5 across blocks, between
    v[:PILOT:2], v[1:PILOT:2] = 5 + k, 5 - k                # values that fill the lanes
    for row, lo, hi, val in ((x, 40_000, 61_000, 10.0), (w, 20_000, 80_000, 0.0), (z, 50_000, 70_000, 1.0),
                             (v, 30_001, 70_001, 5.0)):
        row[lo:hi] = val  # constant stretches equal to the pilot shift or not
    rows = np.stack([x, y, z, w, v]).astype(dtype)
    th = np.array([[10.0], [0.0], [2.0], [0.0], [5.0]])
    red = _feed(rows, PROBS, 10_000, th, switch=24_000)
    assert red.narrow is not None and red.shift[4] == 5.0
    for chunk in (7, 4_096, 21_000, N):
        other = _feed(rows, PROBS, chunk, th, switch=24_000)
        # the closed sums too: a changed order can vanish from the mean's last digit
        for a, b in zip(red.quantiles() + red.moments() + (red.exceedance(), red.vmin, red.vmax, red.counts,
                                                           red.tsum, red.tsq),
                        other.quantiles() + other.moments() + (other.exceedance(), other.vmin, other.vmax,
                                                               other.counts, other.tsum, other.tsq)):
            assert np.array_equal(a, b)
        assert np.array_equal(np.signbit(red.vmin), np.signbit(other.vmin))
        assert np.array_equal(red.narrow.counts, other.narrow.counts)
    exact = np.quantile(rows.astype(np.float64), PROBS, axis=1).T
    q, err, _ = red.quantiles()
    assert np.all(np.abs(q - exact) <= err + 1e-12 * np.abs(exact)), np.abs(q - exact) - err
    mean, sd = red.moments()
    np.testing.assert_allclose(mean, rows.astype(np.float64).mean(axis=1), rtol=1e-12, atol=1e-12)
    assert np.array_equal(red.exceedance()[:, 0], (rows > th).mean(axis=1))


def _same_pairs(rows):
    """``rows`` with three copies appended: of rows 1, 2 and 1 again (rows 6, 7, 8)."""
    both = np.concatenate([rows, rows[[1, 2, 1]]])
    same = np.arange(len(both))
    same[6:] = [1, 2, 1]
    return both, same


@pytest.mark.parametrize("switch", [None, 50_000], ids=["one phase", "narrowed"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rows_declared_the_same_give_the_bits_of_counting_them(rows, switch, dtype):
    both, same = _same_pairs(rows.astype(dtype))
    th = np.full((len(both), 2), np.nan)
    th[1], th[6], th[8] = [1.0, 2.0], [0.5, np.nan], [3.0, 4.0]  # a copy has its own thresholds
    R, N = both.shape
    reds = []
    for s in (None, same):
        red = Reducer(both[:, :PILOT], th, PROBS, N, switch=switch, same=s)
        for f in range(0, N, 17_000):
            red.add(both[:, f:f + 17_000], f)
        reds.append(red)
    plain, copied = reds
    # the copies were not counted ...
    assert copied.counts[copied.cbase[6]:copied.cbase[6] + copied.ncell[6]].sum() == 0
    assert plain.counts[plain.cbase[6]:plain.cbase[6] + plain.ncell[6]].sum() == (plain.switch or N)
    # ... and report what counting them reports, bit for bit
    for a, b in zip(plain.quantiles() + plain.moments(), copied.quantiles() + copied.moments()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(plain.exceedance(), copied.exceedance())
    np.testing.assert_array_equal(plain.vmin, copied.vmin)
    np.testing.assert_array_equal(plain.vmax, copied.vmax)
    # the exceedance of each copy is against its own thresholds
    assert copied.exceedance()[8, 0] == np.mean(both[1] > dtype(3.0))


def test_rows_declared_the_same_that_differ_are_caught(rows):
    both, same = _same_pairs(rows)
    both[7, 123_456] = np.nextafter(both[7, 123_456], np.inf)  # one value, one bit
    red = Reducer(both[:, :PILOT], np.full((len(both), 1), np.nan), PROBS, both.shape[1], same=same)
    with pytest.raises(RowsDiffer) as e:
        for f in range(0, both.shape[1], 50_000):
            red.add(both[:, f:f + 50_000], f)
    assert (e.value.row, e.value.source, e.value.draw) == (7, 2, 123_456)
    assert e.value.value == both[7, 123_456] and e.value.source_value == both[2, 123_456]


def test_same_must_point_at_rows_that_are_their_own(rows):
    for bad in ([0, 0, 1, 3, 4, 5], [0, 1, 2, 3, 4, 9], [0, 1]):
        with pytest.raises(ValueError, match="its own source"):
            Reducer(rows[:, :PILOT], np.full((6, 1), np.nan), PROBS, 10**6, same=np.array(bad))


def test_a_pilot_sorted_in_place_gives_the_same_windows(rows):
    pilot = rows[:, :PILOT].astype(np.float32)
    keep = pilot.copy()
    a = Reducer(keep, np.full((6, 1), np.nan), PROBS, 10**6)
    b = Reducer(pilot, np.full((6, 1), np.nan), PROBS, 10**6, sort_pilot=True)
    np.testing.assert_array_equal(keep, rows[:, :PILOT].astype(np.float32))  # not sorted: not asked
    assert np.all(np.diff(pilot, axis=1) >= 0)  # sorted in place
    for name in ("win", "wlo", "whi", "shift", "ncell"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


@pytest.mark.parametrize("switch", [None, 50_000], ids=["one phase", "narrowed"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rows_skipped_are_nan_and_leave_the_others_bit_for_bit(rows, switch, dtype):
    # skip: rows not summarised (a calendar-year flow between year ends).  Rows 0 and 3
    # are skipped, and copy 8 with its source 1; every other row reports what it
    # reports without skip, bit for bit, and a skipped row is nan everywhere
    both, same = _same_pairs(rows.astype(dtype))
    both[3, 70_000] = np.nan  # never looked at: a skipped row is not checked either
    th = np.full((len(both), 2), np.nan)
    th[0], th[1], th[2] = [1.0, 2.0], [0.5, np.nan], [3.0, 4.0]
    R, N = both.shape
    skip = np.zeros(R, bool)
    skip[[0, 3, 1, 6, 8]] = True
    reds = []
    for sk in (None, skip):
        red = Reducer(both[:, :PILOT], th, PROBS, N, switch=switch, same=same, skip=sk)
        for f in range(0, N, 17_000):
            red.add(both[:, f:f + 17_000], f)
        reds.append(red)
    plain, skipped = reds
    kept = ~skip
    for a, b in zip(plain.quantiles() + plain.moments(), skipped.quantiles() + skipped.moments()):
        np.testing.assert_array_equal(a[kept], b[kept])
        assert np.isnan(b[skip]).all()
    np.testing.assert_array_equal(plain.exceedance()[kept], skipped.exceedance()[kept])
    assert np.isnan(skipped.exceedance()[skip]).all()
    np.testing.assert_array_equal(plain.vmin[kept], skipped.vmin[kept])
    # nothing of a skipped row was counted or summed
    for r in (0, 3, 1):
        assert skipped.counts[skipped.cbase[r]:skipped.cbase[r] + skipped.ncell[r]].sum() == 0
        assert skipped.tsum[r] == 0.0 and skipped.gsum[r] == 0.0 and not skipped.lanes[r].any()
    assert list(skipped.counted) == [2, 4, 5]  # 7 is a copy of 2, compared with it


def test_skip_must_hold_for_a_row_and_its_source_alike(rows):
    both, same = _same_pairs(rows)
    skip = np.zeros(len(both), bool)
    skip[1] = True  # but not its copies 6 and 8
    with pytest.raises(ValueError, match="the same for a row and the row it equals"):
        Reducer(both[:, :PILOT], np.full((len(both), 1), np.nan), PROBS, 10**6, same=same, skip=skip)
    with pytest.raises(ValueError, match="booleans"):
        Reducer(both[:, :PILOT], np.full((len(both), 1), np.nan), PROBS, 10**6, skip=np.zeros(3, bool))

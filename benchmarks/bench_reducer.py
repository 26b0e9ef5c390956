"""Where a run's time goes per draw: sampling and the model, then the reducers, in both phases.

Feeds the baseline's own chunks (default chunk size) through a Reducer sized for
``--n-total`` draws: the first phase (the pilot's windows) and, after the
switch, the narrowed windows, as a run of that size would count them.  Prints
microseconds per draw and nanoseconds per value (a value is one series at one
month of one draw) for each, and the model kernel's time alone (no reducer
between its chunks), so that a change to a kernel can be measured
alone.  The model writes what a run without kept draws writes (not the
calendar-year flows between year ends, which the reducers skip).

    python benchmarks/bench_reducer.py [--n-total 1e7] [--draws 60000]
    python benchmarks/bench_reducer.py --compare 30
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))

from dieroll import load_priors  # noqa: E402
from dieroll.engine import simulate as S  # noqa: E402
from dieroll.engine.chunks import ChunkBuffers, _fill_inputs  # noqa: E402
from dieroll.engine.layout import build_layout  # noqa: E402
from dieroll.engine import _reduce  # noqa: E402
from dieroll.engine.reduce import BLOCK, FOLD, PILOT, Reducer  # noqa: E402
from dieroll import MODEL  # noqa: E402


def in_cache(red, rows, first):
    """The phase-two reducers on rows from memory (a whole chunk) and on rows already in
    the cache (every 18th row, 7 MB: the same mix, counted 18 times over): if the two
    take the same time a value, the reducers are bound by their arithmetic, not by
    memory.  Copied rows (Model.identical) are left out of both."""
    nw = red.narrow
    R, n = rows.shape

    def run(sel, sub, reps):
        cuts = np.array([0, len(sel) // 2, len(sel)], np.int64)  # two threads' ranges
        src = np.arange(len(sel), dtype=np.int64)
        none = np.zeros(len(sel) + 1, np.int64)
        # fancy indexing: copies, the run's arrays are untouched
        wins = _reduce.Windows(nw.win[sel], nw.tabs[sel] if len(nw.tabs) else nw.tabs, nw.counts.copy(),
                               nw.cbase[sel], nw.ncell[sel], red._consts)
        mom = _reduce.Moments(red.vmin[sel], red.vmax[sel], red.shift[sel], red.lanes[sel], red.tsum[sel],
                              red.tsq[sel], red.thresholds[sel], red.nth[sel], red.exceed[sel])
        cop = _reduce.Copies(src, none, src[:0], np.zeros(len(sel), np.int64))
        args = (sub, 0, n, first, BLOCK, cuts, wins, mom, cop)
        t = time.perf_counter()
        for _ in range(reps):
            _reduce.accumulate(*args)
        return (time.perf_counter() - t) / (reps * sub.size) * 1e9

    counted = red.counted
    every = counted[::18]
    res = {}
    for label, sel, reps in (("from memory", counted, 1), ("in cache", every, 18)):
        sub = np.ascontiguousarray(rows[sel])
        run(sel, sub, 1)
        res[label] = sorted(run(sel, sub, reps) for _ in range(5))[2]
    print(f"phase-two reducers, rows counted ({len(counted):,} of {R:,}; copies and rows not summarised left "
          f"out): from memory "
          f"{res['from memory']:.3f} ns/value, already in cache {res['in cache']:.3f} ns/value (medians of 5)",
          flush=True)


def compare(prior, layout, abs0, bufs, cs, pilot, th, N, reps):
    """The phase-two reducers four ways, fed the same chunks in turn (the order rotating),
    medians of ``reps``: as runs reduce (copies once, calendar-year flows at year
    ends only, float32 rows located by lookup tables), with year flows summarised
    every month, with every row counted (no ``same``, no ``skip``), and with the
    per-slot formula instead of the tables.  Windows narrowed after 65,536 draws
    (4 pilots), so that the comparison starts soon; the narrowed windows are those of 1e7."""
    T, seed = prior.run.n_steps, prior.run.seed
    sw = 4 * PILOT
    same, skip = S.same_rows(MODEL, T), ~S.summarised_rows(MODEL, prior)
    reds = {"as runs": Reducer(pilot, th, prior.run.quantiles, N, switch=sw, same=same, skip=skip),
            "year flows every month": Reducer(pilot, th, prior.run.quantiles, N, switch=sw, same=same),
            "every row counted": Reducer(pilot, th, prior.run.quantiles, N, switch=sw),
            "per-slot locate": Reducer(pilot, th, prior.run.quantiles, N, switch=sw, same=same, skip=skip)}
    none = np.zeros((0, 4, _reduce.TABLE), np.float32)
    reds["per-slot locate"].tabs = none
    f = 0
    while f <= sw:
        k = min(cs, sw - f) if f < sw else cs
        rows = bufs.chunk(MODEL, layout, seed, abs0, f, k).out.reshape(-1, k)
        for r in reds.values():
            r.add(rows, f)
        f += k
    reds["per-slot locate"].narrow.tabs = none
    names = list(reds)
    ts = {k: [] for k in names}
    for rep in range(reps):
        rows = bufs.chunk(MODEL, layout, seed, abs0, f, cs).out.reshape(-1, cs)
        for name in names[rep % len(names):] + names[:rep % len(names)]:
            t = time.perf_counter()
            reds[name].add(rows, f)
            ts[name].append((time.perf_counter() - t) / cs * 1e6)
        f += cs
    print(f"phase-two reducers, the same {reps} chunks fed to each in turn (medians, us/draw): "
          + "; ".join(f"{k} {np.median(v):.2f}" for k, v in ts.items()), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n-total", type=float, default=1e7, help="run size the windows are made for (default 1e7)")
    ap.add_argument("--draws", type=float, default=60_000, help="draws timed in each phase (default 60,000)")
    ap.add_argument("--switch", type=float, default=None,
                    help="narrow after this many draws (default: as a run of --n-total, N/16 to a fold; "
                         "the first phase is then fed that many draws before phase two is timed)")
    ap.add_argument("--chunk-size", type=int, default=None, help="draws per chunk (default: simulate's)")
    ap.add_argument("--compare", type=int, default=0, metavar="CHUNKS",
                    help="instead: the phase-two reducers as runs reduce, with year flows summarised every "
                         "month, with every row counted and with the per-slot locate, fed the same CHUNKS chunks "
                         "in turn (e.g. 30)")
    args = ap.parse_args()
    prior = load_priors(os.path.join(ROOT, "priors", "baseline.toml"))
    S.simulate(prior, MODEL, draws=1_000)  # compile / load the numba cache
    T, N, n_time = prior.run.n_steps, int(args.n_total), int(args.draws)
    layout = build_layout(prior, MODEL.scalar_names, MODEL.path_names)
    abs0 = prior.run.start.year * 12 + prior.run.start.month - 1
    cs = args.chunk_size or S.default_chunk_size(MODEL, T)
    bufs = ChunkBuffers(layout, MODEL.n_series, T, cs, dtype=np.float32)
    seed = prior.run.seed
    pilot = np.concatenate([bufs.chunk(MODEL, layout, seed, abs0, f, min(cs, PILOT - f)).out.copy()
                            for f in range(0, PILOT, cs)], axis=2).reshape(MODEL.n_series * T, PILOT)
    th, _ = S._threshold_rows(MODEL, prior, T)
    if args.compare:
        compare(prior, layout, abs0, bufs, cs, pilot, th, N, args.compare)
        return
    switch = None if args.switch is None else int(args.switch)
    t0 = time.perf_counter()
    red = Reducer(pilot, th, prior.run.quantiles, N, switch=switch, same=S.same_rows(MODEL, T),
                  skip=~S.summarised_rows(MODEL, prior))
    print(f"{MODEL.n_series} series x {T} months = {MODEL.n_series * T:,} values per draw; chunks of {cs:,} "
          f"draws; windows for N = {N:,} placed in {time.perf_counter() - t0:.2f} s; switch at "
          f"{red.switch if red.switch is not None else 'none'}", flush=True)

    # the model alone (no reducer between its chunks), medians of 5 passes; as in a run
    # without kept draws, the rows the reducer skips (year flows between year ends) unwritten
    needed = ~red.skip
    alone = []
    for _ in range(5):
        tm = 0.0
        for f in range(0, n_time, cs):
            k = min(cs, n_time - f)
            _fill_inputs(layout, seed, f, bufs.scalars[:k], bufs.claims[:k], bufs.knots[:k])
            t = time.perf_counter()
            MODEL.run_chunk(layout, bufs.scalars[:k], bufs.knots[:k], abs0, bufs.out[:, :, :k] if k < cs else bufs.out,
                            needed=needed)
            tm += time.perf_counter() - t
        alone.append(tm / n_time * 1e6)
    print(f"model kernel alone: {sorted(alone)[2]:.2f} us/draw (median of 5 passes over {n_time:,} draws)", flush=True)

    def phase(label, first, n):
        tm = ta = 0.0
        f = first
        while f < first + n:
            k = min(cs, first + n - f)
            if red.switch is not None and f < red.switch < f + k:
                k = red.switch - f
            t = time.perf_counter()
            ch = bufs.chunk(MODEL, layout, seed, abs0, f, k, needed)
            t1 = time.perf_counter()
            red.add(ch.out.reshape(-1, k), f)
            ta += time.perf_counter() - t1
            tm += t1 - t
            f += k
        values = n * MODEL.n_series * T
        print(f"{label}: sampling+model {tm / n * 1e6:.2f} us/draw, reducers {ta / n * 1e6:.2f} us/draw "
              f"({ta / values * 1e9:.3f} ns/value); together {(tm + ta) / n * 1e6:.2f} us/draw", flush=True)
        return f

    f = phase("phase one (pilot's windows)", 0, n_time)
    if red.switch is not None:
        while f < red.switch:  # count up to the switch, untimed, as the run would
            k = min(cs, red.switch - f)
            red.add(bufs.chunk(MODEL, layout, seed, abs0, f, k).out.reshape(-1, k), f)
            f += k
        red.add(bufs.chunk(MODEL, layout, seed, abs0, f, cs).out.reshape(-1, cs), f)  # narrows
        f += cs
        cells = red.narrow.ncell[red.counted].mean()  # of the rows counted
        f = phase(f"phase two (narrowed, {cells:.0f} cells a row)", f, n_time)
        in_cache(red, bufs.chunk(MODEL, layout, seed, abs0, f, cs).out.reshape(-1, cs), f)
    print(f"(FOLD {FOLD:,}; numba threads {S.numba.get_num_threads()})")


if __name__ == "__main__":
    main()

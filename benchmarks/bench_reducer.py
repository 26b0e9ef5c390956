"""Where a run's time goes per draw: sampling and the model, then the reducers, in both phases.

Feeds the baseline's own chunks (default chunk size) through a Reducer sized for
``--n-total`` draws: the first phase (the pilot's windows) and, after the
switch, the narrowed windows, as a run of that size would count them.  Prints
microseconds per draw and nanoseconds per value (a value is one series at one
month of one draw) for each, and the model kernel's time alone (no reducer
between its chunks), so that a change to a kernel can be measured
alone.

    python benchmarks/bench_reducer.py [--n-total 1e7] [--draws 60000]
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
from dieroll.engine.layout import build_layout  # noqa: E402
from dieroll.engine.reduce import FOLD, PILOT, Reducer  # noqa: E402
from dieroll.model import MODEL  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n-total", type=float, default=1e7, help="run size the windows are made for (default 1e7)")
    ap.add_argument("--draws", type=float, default=60_000, help="draws timed in each phase (default 60,000)")
    ap.add_argument("--switch", type=float, default=None,
                    help="narrow after this many draws (default: as a run of --n-total, N/16 to a fold; "
                         "the first phase is then fed that many draws before phase two is timed)")
    ap.add_argument("--chunk-size", type=int, default=None, help="draws per chunk (default: simulate's)")
    args = ap.parse_args()
    prior = load_priors(os.path.join(ROOT, "priors", "baseline.toml"))
    S.simulate(prior, draws=1_000)  # compile / load the numba cache
    T, N, n_time = prior.run.n_steps, int(args.n_total), int(args.draws)
    layout = build_layout(prior, MODEL.scalar_names, MODEL.path_names)
    abs0 = prior.run.start.year * 12 + prior.run.start.month - 1
    cs = args.chunk_size or S.default_chunk_size(MODEL, T)
    bufs = S._Buffers(layout, MODEL.n_series, T, cs, dtype=np.float32)
    seed = prior.run.seed
    pilot = np.concatenate([bufs.chunk(MODEL, layout, seed, abs0, f, min(cs, PILOT - f)).out.copy()
                            for f in range(0, PILOT, cs)], axis=2).reshape(MODEL.n_series * T, PILOT)
    th, _ = S._threshold_rows(MODEL, prior, T)
    switch = None if args.switch is None else int(args.switch)
    t0 = time.perf_counter()
    red = Reducer(pilot, th, prior.run.quantiles, N, switch=switch)
    print(f"{MODEL.n_series} series x {T} months = {MODEL.n_series * T:,} values per draw; chunks of {cs:,} "
          f"draws; windows for N = {N:,} placed in {time.perf_counter() - t0:.2f} s; switch at "
          f"{red.switch if red.switch is not None else 'none'}", flush=True)

    # the model alone (no reducer between its chunks), medians of 5 passes
    alone = []
    for _ in range(5):
        tm = 0.0
        for f in range(0, n_time, cs):
            k = min(cs, n_time - f)
            S._fill_inputs(layout, seed, f, bufs.scalars[:k], bufs.claims[:k], bufs.knots[:k])
            t = time.perf_counter()
            MODEL.run_chunk(layout, bufs.scalars[:k], bufs.knots[:k], abs0, bufs.out[:, :, :k] if k < cs else bufs.out)
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
            ch = bufs.chunk(MODEL, layout, seed, abs0, f, k)
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
        cells = red.narrow.ncell.mean()
        phase(f"phase two (narrowed, {cells:.0f} cells a row)", f, n_time)
    print(f"(FOLD {FOLD:,}; numba threads {S.numba.get_num_threads()})")


if __name__ == "__main__":
    main()

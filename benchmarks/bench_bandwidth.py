"""This machine's memory bandwidth, next to what a run's chunk traffic needs.

A run's model writes every output of a chunk to memory and the reducers read it
back (21 KB a draw for the baseline, a chunk of 128 MiB), so the fastest a
draw can be reduced is bounded by how fast the cores can read memory.  Prints
the read rate (a sum over a float32 array far larger than the caches), the
write rate (a fill with ordinary stores) on 1 and on numba's threads, and the
least time a reducer can take per draw of the baseline at that read rate.

    python benchmarks/bench_bandwidth.py [--gib 1] [--repeats 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numba
import numpy as np
from numba import njit, prange

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "src"))


@njit(parallel=True, fastmath=True)
def _read(a, nt):
    tot = np.zeros(nt)
    n = a.shape[0]
    for t in prange(nt):
        s = np.float32(0)
        for i in range(t * n // nt, (t + 1) * n // nt):
            s += a[i]
        tot[t] = s
    return tot.sum()


@njit(parallel=True)
def _write(a, nt):
    n = a.shape[0]
    for t in prange(nt):
        for i in range(t * n // nt, (t + 1) * n // nt):
            a[i] = np.float32(i)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gib", type=float, default=1.0, help="array size in GiB (default 1)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    from dieroll import MODEL
    from dieroll import load_priors
    T = load_priors(os.path.join(ROOT, "priors", "baseline.toml")).run.n_steps
    per_draw = MODEL.n_series * T * 4
    a = np.ones(int(args.gib * 2**30) // 4, np.float32)
    for nt in sorted({1, numba.get_num_threads()}):
        _read(a, nt)
        _write(a, nt)
        r, w = [], []
        for _ in range(args.repeats):
            t = time.perf_counter()
            _read(a, nt)
            r.append(a.nbytes / (time.perf_counter() - t) / 1e9)
            t = time.perf_counter()
            _write(a, nt)
            w.append(a.nbytes / (time.perf_counter() - t) / 1e9)
        rm = statistics.median(r)
        print(f"{nt} thread(s): read {rm:.1f} GB/s (runs {', '.join(f'{x:.1f}' for x in r)}), write "
              f"{statistics.median(w):.1f} GB/s; reading a baseline draw's {per_draw:,} bytes takes at least "
              f"{per_draw / rm / 1e3:.2f} us", flush=True)


if __name__ == "__main__":
    main()

"""What dieroll's one hand-written low-level path buys: streaming stores on a whole run.

The baseline run (sampling, model, reducers, summary; no files written) with
streaming stores on and off (``dieroll._stream.ENABLED``, the switch that
``DIEROLL_STREAMING=0`` sets), alternated in one process after a warm-up, and
the two summaries compared bit for bit.  Prints each run's seconds, the median
of each setting and their ratio.  The path stays only while it buys at least
a fifth of the 1e7 run.

    python benchmarks/bench_streaming.py [--draws 1e7] [--rounds 2]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import dieroll
from dieroll import _stream

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--draws", type=float, default=1e7)
    ap.add_argument("--rounds", type=int, default=2, help="runs of each setting, alternated (default 2)")
    args = ap.parse_args()
    prior = dieroll.load_priors(os.path.join(ROOT, "priors", "baseline.toml"))
    n = int(args.draws)
    print(f"machine streams: {_stream.STREAMING}; baseline, {n:,} draws, {args.rounds} rounds alternated", flush=True)
    dieroll.run(prior, draws=20_000)  # compile or load the kernels
    times = {True: [], False: []}
    summaries = {}
    for r in range(args.rounds):
        for on in ((True, False) if r % 2 == 0 else (False, True)):
            _stream.ENABLED = on
            t = time.perf_counter()
            res = dieroll.run(prior, draws=n)
            times[on].append(time.perf_counter() - t)
            summaries[on] = res.summary
            print(f"  streaming {'on ' if on else 'off'}: {times[on][-1]:.1f} s", flush=True)
    _stream.ENABLED = True
    a, b = summaries[True], summaries[False]
    same = all(np.array_equal(a[v].values, b[v].values, equal_nan=True) for v in a.data_vars)
    on, off = statistics.median(times[True]), statistics.median(times[False])
    print(f"median: on {on:.1f} s, off {off:.1f} s; off / on = {off / on:.2f} "
          f"(streaming saves {1 - on / off:.0%} of the run with it off); summaries identical: {same}")


if __name__ == "__main__":
    main()

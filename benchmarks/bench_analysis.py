"""Disputes, one reweighting and the tornado (rank correlations + SALib RBD-FAST
on a 20,000-draw subsample) on 1e6 stored draws.

The draws come from the seed-arithmetic model (2 outputs x 36 months, so that
1e6 kept draws fit in memory: about 0.3 GB; the full model keeps about 9 KB per
draw).

    python benchmarks/bench_analysis.py [--draws 1e6] [--repeats 3]
"""
from __future__ import annotations

import argparse
import os
import time

from _common import median_time
import dieroll
from dieroll.modelfile import load_model

SEED_MODEL = load_model("seed-arithmetic")
from dieroll import load_priors

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=float, default=1e6)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    prior = load_priors(os.path.join(HERE, "seed-arithmetic.toml"), catalog=SEED_MODEL.inputs)
    t0 = time.perf_counter()
    res = dieroll.run(prior, draws=int(args.draws), keep_draws=True, model=SEED_MODEL)
    print(f"run with kept draws: {time.perf_counter() - t0:.1f} s for {int(args.draws):,} draws")

    def analyses():
        dieroll.disputes(res, "china_total", at="2026-12")
        dieroll.reweight(res, {"smic_yield": {"ft": 0.8, "csis": 0.2}}, variables=["china_total"])
        dieroll.sensitivity(res, "china_total", at="2026-12")

    for name, fn in (("disputes", lambda: dieroll.disputes(res, "china_total", at="2026-12")),
                     ("reweight, all months", lambda: dieroll.reweight(res, {"smic_yield": {"ft": 0.8, "csis": 0.2}},
                                                                       variables=["china_total"])),
                     ("reweight, one month", lambda: dieroll.reweight(res, {"smic_yield": {"ft": 0.8, "csis": 0.2}},
                                                                      variables=["china_total"], at=["2026-12"])),
                     ("tornado + RBD-FAST", lambda: dieroll.sensitivity(res, "china_total", at="2026-12"))):
        t, _ = median_time(fn, args.repeats)
        print(f"{name:22} {t:6.2f} s", flush=True)
    t, runs = median_time(analyses, args.repeats)
    print(f"disputes + reweight (all months) + tornado: {t:6.2f} s (median of {args.repeats}: {', '.join(f'{x:.2f}' for x in runs)})")


if __name__ == "__main__":
    main()

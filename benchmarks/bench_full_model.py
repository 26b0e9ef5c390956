"""The full baseline model (every channel, monthly 2022-10 .. 2030-12, every output
series of the model contract), end to end: sampling, model and reducers.

dieroll vs a plain-numpy implementation in the same process: a numpy Generator
with its own samplers (``rng.beta``, ``rng.lognormal``, ``rng.normal``, ...;
SciPy ``ppf`` only for truncated and metalog, which have none — the script
prints the count of each), chunked arrays, the model vectorised over draws with a loop
over months (``numpy_china.py``, once the hand-wired kernel's test reference,
with each month's draws contiguous; checked here against the model file's
kernel before it is timed), and ``np.percentile`` for the quantiles of every
series at every month a run summarises (a calendar-year flow at its year ends
only, as dieroll: :func:`dieroll.engine.simulate.summarised_rows`).  The chunk of 10,000 draws is the fastest of those tried
(5,000 to 100,000: 22.5 us per draw for the model at 10,000, 108 at 100,000,
where the float64 outputs of a chunk no longer fit in cache) — a slow
reference would flatter dieroll.

    python benchmarks/bench_full_model.py [--draws 1e6] [--repeats 3] [--numpy-repeats 1] [--sampler native|ppf]
    python benchmarks/bench_full_model.py --only-dieroll --draws 1e7     # wall time and peak RSS
"""
from __future__ import annotations

import argparse
import os

import numpy as np

import time

from _common import median_time, numpy_sample, numpy_sample_native, peak_rss_mib
from dieroll.engine.layout import build_layout
from dieroll import simulate
from dieroll.engine.simulate import summarised_rows
from dieroll import MODEL, load_priors
from numpy_china import reference_outputs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROBS = [5, 10, 25, 50, 75, 90, 95]


def numpy_reference(prior, n, chunk=10_000, seed=1, sampler="native", used=None, phases=None):
    """The plain-numpy run: inputs by numpy's samplers (``sampler="native"``) or SciPy ``ppf``
    (``"ppf"``, the old reference), the plain model, ``np.percentile``.  ``phases`` (a dict)
    gets the seconds spent sampling, in the model and in the quantiles."""
    rng = np.random.default_rng(seed)
    phases = {} if phases is None else phases
    for k in ("sampling", "model", "quantiles"):
        phases.setdefault(k, 0.0)
    T = prior.run.n_steps
    lay = build_layout(prior, MODEL.scalar_names, MODEL.path_names)
    abs0 = prior.run.start.year * 12 + prior.run.start.month - 1
    outs = np.empty((MODEL.n_series, T, n), dtype=np.float32)
    for f in range(0, n, chunk):
        m = min(chunk, n - f)
        t0 = time.perf_counter()
        if sampler == "native":
            sc, kn = numpy_sample_native(prior, MODEL.scalar_names, MODEL.path_names, m, rng, used)
        else:
            sc, kn = numpy_sample(prior, MODEL.scalar_names, MODEL.path_names, m, rng)
        t1 = time.perf_counter()
        outs[:, :, f:f + m] = reference_outputs(lay, sc, kn, abs0)
        phases["sampling"] += t1 - t0
        phases["model"] += time.perf_counter() - t1
    t2 = time.perf_counter()
    q = np.full((MODEL.n_series, len(PROBS), T), np.nan)
    mean = np.full((MODEL.n_series, T), np.nan)
    keep = summarised_rows(MODEL, prior).reshape(MODEL.n_series, T)
    for s in range(MODEL.n_series):
        q[s][:, keep[s]] = np.percentile(outs[s][keep[s]], PROBS, axis=-1)
        mean[s, keep[s]] = outs[s][keep[s]].mean(axis=-1)
    phases["quantiles"] += time.perf_counter() - t2
    return q, mean


def agree(prior, n=500):
    """Stop unless the numpy version agrees with the model file's kernel on ``n`` baseline
    draws (to 1e-9 of each value or of 1: the two interpolate paths in different ways)."""
    from dieroll import evaluate
    ch = evaluate(prior, draws=n)
    lay = build_layout(prior, MODEL.scalar_names, MODEL.path_names)
    ref = reference_outputs(lay, ch.scalars, ch.knots, prior.run.start.year * 12 + prior.run.start.month - 1)
    bad = np.abs(ch.out - ref) > 1e-9 * np.maximum(np.abs(ref), 1.0)
    if bad.any():
        raise SystemExit("the numpy version disagrees with the model file: "
                         + ", ".join(sorted({MODEL.contract.where(int(r)) for r in np.argwhere(bad)[:, 0]})[:5]))
    print(f"numpy version agrees with the model file's kernel on {n} draws (1e-9)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=float, default=1e6)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--numpy-repeats", type=int, default=1)
    ap.add_argument("--only-dieroll", action="store_true")
    ap.add_argument("--sampler", choices=["native", "ppf"], default="native",
                    help="how the numpy reference draws its inputs (default: numpy's own samplers)")
    args = ap.parse_args()
    n = int(args.draws)
    prior = load_priors(os.path.join(ROOT, "priors", "baseline.toml"))
    simulate(prior, draws=20_000)  # compile / load the numba cache
    t_d, all_d = median_time(lambda: simulate(prior, draws=n), args.repeats)
    print(f"full model, N={n:,}, {prior.run.n_steps} months, {MODEL.n_series} series: dieroll {t_d:.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in all_d)}; {n / t_d:,.0f} draws/s); peak RSS {peak_rss_mib():,.0f} MiB",
          flush=True)
    if not args.only_dieroll:
        agree(prior)
        used, phases = {}, {}
        t_n, all_n = median_time(lambda: numpy_reference(prior, n, sampler=args.sampler, used=used, phases=phases),
                                 args.numpy_repeats)
        k = args.numpy_repeats
        print(f"numpy reference ({args.sampler} samplers) {t_n:.2f} s (runs {', '.join(f'{t:.2f}' for t in all_n)}; "
              f"per run: sampling {phases['sampling'] / k:.2f} s, model {phases['model'] / k:.2f} s, "
              f"quantiles {phases['quantiles'] / k:.2f} s); dieroll is {t_n / t_d:.1f}x faster; "
              f"peak RSS {peak_rss_mib():,.0f} MiB")
        if used:
            print("  reference draws by sampler (distribution-chunks): "
                  + ", ".join(f"{k} {v}" for k, v in sorted(used.items())))


if __name__ == "__main__":
    main()

"""The seed-arithmetic model (TSMC dies + SMIC ramp + smuggling, 36 months, the
20 %/40 % yield and 2 M/3 M dies claims as mixtures), end to end: sampling,
model and quantiles.

dieroll vs a plain-numpy implementation in the same process (numpy Generator,
SciPy inverse CDFs, chunked arrays, no Python loop over draws, np.percentile),
and vs squigglepy written idiomatically when squigglepy is installed
(``pip install squigglepy``; never a dependency).

    python benchmarks/bench_seed_model.py [--draws 1e6 1e7] [--repeats 3]
"""
from __future__ import annotations

import argparse
import os

import numpy as np

from _common import median_time, numpy_sample, peak_rss_mib
from dieroll.engine.layout import build_layout
from dieroll.engine.simulate import simulate
from dieroll.model.reference import paths_on_grid
from dieroll.model.seeds import SEED_MODEL
from dieroll.priors import load_priors

HERE = os.path.dirname(os.path.abspath(__file__))
PROBS = [5, 10, 25, 50, 75, 90, 95]


def numpy_reference(prior, n, chunk=250_000, seed=1):
    rng = np.random.default_rng(seed)
    T = prior.run.n_steps
    lay = build_layout(prior, SEED_MODEL.scalar_names, SEED_MODEL.path_names)
    china = np.empty((n, T), dtype=np.float32)
    pk_all = np.empty((n, T), dtype=np.float32)
    for f in range(0, n, chunk):
        m = min(chunk, n - f)
        sc, kn = numpy_sample(prior, SEED_MODEL.scalar_names, SEED_MODEL.path_names, m, rng)
        wpm = paths_on_grid(lay, kn)["smic_wpm"]
        dies, dpp, py, h, share, dpw, yld, smug = sc.T
        pk = wpm * (share * dpw * yld / dpp)[:, None]
        china[f:f + m] = ((dies / dpp * py * h)[:, None] + np.cumsum(pk * (py * h)[:, None], axis=1)
                          + smug[:, None] * np.arange(1, T + 1))
        pk_all[f:f + m] = pk
    return np.percentile(china, PROBS, axis=0), np.percentile(pk_all, PROBS, axis=0), china.mean(0)


def _sq_dists():
    import squigglepy as sq
    return dict(
        dies=sq.mixture([sq.lognorm(2.0e6, 2.9e6), sq.lognorm(2.55e6, 3.45e6)], [0.5, 0.5]),
        yld=sq.mixture([sq.beta(19.8, 79.2), sq.beta(26.27, 39.4)], [0.6, 0.4]),
        py=sq.beta(38.3, 12.8), h=sq.beta(28.8, 19.2), share=sq.beta(5.06, 5.06), dpw=sq.pert(72, 80, 84),
        smug=sq.lognorm(800, 12_000), w0=sq.lognorm(16_000, 24_000), w1=sq.pert(25_000, 40_000, 50_000),
        w2=sq.pert(35_000, 55_000, 85_000))


def squiggle_per_draw(n):
    """squigglepy's own idiom for a model that is more than one expression: a
    function of sampled inputs, sampled n times (``sq.sample(fn, n=...)``)."""
    import squigglepy as sq
    D = _sq_dists()
    t = np.arange(36)

    def model():
        s = {k: sq.sample(v) for k, v in D.items()}
        wpm = np.where(t <= 11, s["w0"] + (s["w1"] - s["w0"]) * t / 11, s["w1"] + (s["w2"] - s["w1"]) * (t - 11) / 24)
        pk = wpm * s["share"] * s["dpw"] * s["yld"] / 2
        return s["dies"] / 2 * s["py"] * s["h"] + np.cumsum(pk * s["py"] * s["h"]) + s["smug"] * (t + 1)

    return np.percentile(np.array(sq.sample(model, n=n, verbose=False)), PROBS, axis=0)


def squiggle_reference(n):
    """squigglepy vectorised: each input sampled n at a time, arithmetic in numpy."""
    import squigglepy as sq
    s = {k: sq.sample(v, n=n, verbose=False) for k, v in _sq_dists().items()}
    t = np.arange(36)
    wpm = np.where(t[None, :] <= 11, s["w0"][:, None] + (s["w1"] - s["w0"])[:, None] * t / 11,
                   s["w1"][:, None] + (s["w2"] - s["w1"])[:, None] * (t - 11) / 24)
    pk = wpm * (s["share"] * s["dpw"] * s["yld"] / 2)[:, None]
    china = (s["dies"] / 2 * s["py"] * s["h"])[:, None] + np.cumsum(pk * (s["py"] * s["h"])[:, None], 1) \
        + s["smug"][:, None] * (t + 1)
    return np.percentile(china, PROBS, axis=0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=float, nargs="+", default=[1e6, 1e7])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--per-draw", type=int, default=20_000, help="draws for the per-draw squigglepy idiom")
    args = ap.parse_args()
    prior = load_priors(os.path.join(HERE, "seed-arithmetic.toml"), catalog=SEED_MODEL.inputs)
    simulate(prior, SEED_MODEL, draws=20_000)  # compile / load the numba cache
    try:
        import squigglepy  # noqa: F401
        have_sq = True
    except ImportError:
        have_sq = False
    print(f"seed-arithmetic model, {prior.run.n_steps} monthly steps, 2 outputs; medians of {args.repeats} runs")
    for n in (int(x) for x in args.draws):
        t_d, _ = median_time(lambda: simulate(prior, SEED_MODEL, draws=n), args.repeats)
        t_n, _ = median_time(lambda: numpy_reference(prior, n), args.repeats)
        line = (f"N={n:>10,}  dieroll {t_d:7.2f} s ({n / t_d:,.0f} draws/s)  numpy {t_n:7.2f} s  "
                f"ratio {t_n / t_d:5.1f}x")
        if have_sq and n <= 1_000_000:
            t_s, _ = median_time(lambda: squiggle_reference(n), 1)
            line += f"  squigglepy (vectorised) {t_s:7.2f} s  ratio {t_s / t_d:6.1f}x"
        print(line + f"  peak RSS so far {peak_rss_mib():,.0f} MiB", flush=True)
    if have_sq:
        n = args.per_draw
        t_p, _ = median_time(lambda: squiggle_per_draw(n), 1)
        t_d, _ = median_time(lambda: simulate(prior, SEED_MODEL, draws=n), args.repeats)
        print(f"N={n:>10,}  squigglepy per draw (sq.sample(fn, n)) {t_p:7.2f} s = {n / t_p:,.0f} draws/s; "
              f"dieroll {t_d:.3f} s; ratio {t_p / t_d:,.0f}x (at 1e6 draws, by draws/s: "
              f"{(1e6 / (n / t_p)) / 1.0:,.0f} s vs dieroll's measured 1e6 time above)")


if __name__ == "__main__":
    main()

"""The seed-arithmetic model (TSMC dies + SMIC ramp + smuggling, 36 months, the
20 %/40 % yield and 2 M/3 M dies claims as mixtures), end to end: sampling,
model and quantiles.

dieroll vs a plain-numpy implementation in the same process (numpy Generator,
its own samplers: rng.beta, rng.lognormal, ...; SciPy ppf only for truncated and metalog, chunked arrays, no Python loop over draws, np.percentile),
and vs squigglepy written idiomatically (a model function sampled per draw;
see :func:`squiggle_idiom`) when squigglepy is installed (``pip install
squigglepy``; never a dependency).  The references sample the three SMIC
wafer knots independently; dieroll also applies their rank correlation
(``knot_rank``), work the references are spared.

    python benchmarks/bench_seed_model.py [--draws 1e6 1e7] [--repeats 3] [--sq-draws 1e5] [--sq-repeats 3]
"""
from __future__ import annotations

import argparse
import os

import numba
import numpy as np

from _common import median_time, numpy_sample_native, peak_rss_mib
from dieroll.engine.layout import build_layout
from dieroll.engine.simulate import simulate
from dieroll._months import paths_on_grid
from dieroll.modelfile import load_model

SEED_MODEL = load_model("seed-arithmetic")
from dieroll import load_priors

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
        sc, kn = numpy_sample_native(prior, SEED_MODEL.scalar_names, SEED_MODEL.path_names, m, rng)
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


_MONTHS = np.arange(36)


def _china_months(s):
    """China's H100e in each of the 36 months from the sampled inputs ``s``:
    scalars (one draw, the model function) or ``(n, 1)`` columns (n draws at
    once).  SMIC wafers ramp linearly between the three knots (months 0, 11, 35)."""
    t = _MONTHS
    wpm = np.where(t <= 11, s["w0"] + (s["w1"] - s["w0"]) * t / 11, s["w1"] + (s["w2"] - s["w1"]) * (t - 11) / 24)
    pk = wpm * (s["share"] * s["dpw"] * s["yld"] / 2)  # the per-draw factors first: one product per draw
    ph = s["py"] * s["h"]
    return s["dies"] / 2 * ph + np.cumsum(pk * ph, axis=-1) + s["smug"] * (t + 1)


def squiggle_idiom(n):
    """squigglepy as its README teaches a model that is more than one
    expression: a Python function that draws its inputs with ``~`` and
    returns the months, sampled with ``sq.sample(model, n=...)`` (one call
    per draw).

    This is also the only way to write this model in squigglepy's own terms:
    its distribution arithmetic draws every occurrence of a distribution
    afresh (``(a - a) @ n`` is not zero), so an expression such as
    ``dies / 2 * py * h + smic(t) * py * h`` would give each term its own
    ``py`` and ``h`` and narrow the spread.  ``cores=2`` is not used: its
    worker processes start from the same generator state and return the
    same draws."""
    import squigglepy as sq
    D = _sq_dists()

    def model():
        return _china_months({k: ~v for k, v in D.items()})

    return np.percentile(np.array(sq.sample(model, n=n, verbose=False)), PROBS, axis=0)


def squiggle_arithmetic(n, month=35):
    """The seed model in squigglepy's distribution arithmetic, month ``month``
    only (``china(t) @ n``, the README's piano-tuners-over-time idiom).

    Not the same model: each occurrence of a distribution is drawn afresh, so
    every month's SMIC term gets its own share, yield and packaging yield and
    the TSMC term its own ``py`` and ``h``.  Shown (``--show-arithmetic``) to
    document why :func:`squiggle_idiom` is the squigglepy reference."""
    D = _sq_dists()

    def wpm(t):
        if t <= 11:
            return D["w0"] + (D["w1"] - D["w0"]) * (t / 11)
        return D["w1"] + (D["w2"] - D["w1"]) * ((t - 11) / 24)

    smic = wpm(0) * D["share"] * D["dpw"] * D["yld"] / 2 * D["py"] * D["h"]
    for t in range(1, month + 1):
        smic = smic + wpm(t) * D["share"] * D["dpw"] * D["yld"] / 2 * D["py"] * D["h"]
    china = D["dies"] / 2 * D["py"] * D["h"] + smic + D["smug"] * (month + 1)
    return np.percentile(china @ n, PROBS)


def squiggle_vectorised(n):
    """squigglepy's samplers, numpy's arithmetic: each input sampled n at a
    time with ``sq.sample(dist, n=n)``, then the months as numpy arrays.  Not
    squigglepy's idiom (the arithmetic is the numpy reference's), reported
    because it is the fastest way to use squigglepy for this model."""
    import squigglepy as sq
    s = {k: sq.sample(v, n=n, verbose=False)[:, None] for k, v in _sq_dists().items()}
    return np.percentile(_china_months(s), PROBS, axis=0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=float, nargs="+", default=[1e6, 1e7])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sq-draws", type=float, nargs="+", default=[1e5],
                    help="draws for squigglepy's idiom (about 1,500 draws/s: 1e6 takes ~11 min a run)")
    ap.add_argument("--sq-repeats", type=int, default=3)
    ap.add_argument("--show-arithmetic", type=float, default=0, metavar="N",
                    help="only compare squigglepy's distribution arithmetic with its model function at N draws")
    args = ap.parse_args()
    if args.show_arithmetic:
        return show_arithmetic(int(args.show_arithmetic))
    prior = load_priors(os.path.join(HERE, "seed-arithmetic.toml"), catalog=SEED_MODEL.inputs)
    simulate(prior, SEED_MODEL, draws=20_000)  # compile / load the numba cache
    try:
        import squigglepy  # noqa: F401
        have_sq = True
    except ImportError:
        have_sq = False
        print("squigglepy is not installed: pip install squigglepy (only in the benchmark environment)")
    print(f"seed-arithmetic model, {prior.run.n_steps} monthly steps, 2 outputs; medians of {args.repeats} runs; "
          f"dieroll on {numba.get_num_threads()} threads")
    t_dieroll = {}
    for n in (int(x) for x in args.draws):
        t_d, runs_d = median_time(lambda: simulate(prior, SEED_MODEL, draws=n), args.repeats)
        t_n, runs_n = median_time(lambda: numpy_reference(prior, n), args.repeats)
        t_dieroll[n] = t_d
        line = (f"N={n:>10,}  dieroll {t_d:7.2f} s ({n / t_d:,.0f} draws/s; runs {_runs(runs_d)})  "
                f"numpy {t_n:7.2f} s (runs {_runs(runs_n)})  ratio {t_n / t_d:5.1f}x")
        if have_sq and n <= 1_000_000:
            t_s, _ = median_time(lambda: squiggle_vectorised(n), 1)
            line += f"  squigglepy samplers + numpy arithmetic {t_s:7.2f} s  ratio {t_s / t_d:6.1f}x"
        print(line + f"  peak RSS so far {peak_rss_mib():,.0f} MiB", flush=True)
    if not have_sq:
        return
    sq_ns = [int(x) for x in args.sq_draws]
    for n in sq_ns:
        t_p, runs_p = median_time(lambda: squiggle_idiom(n), args.sq_repeats)
        t_d = t_dieroll.get(n) or median_time(lambda: simulate(prior, SEED_MODEL, draws=n), args.repeats)[0]
        rate = n / t_p
        print(f"N={n:>10,}  squigglepy idiom (model function, sq.sample(model, n), 1 core) {t_p:8.2f} s "
              f"(runs {_runs(runs_p)}) = {rate:,.0f} draws/s; dieroll {t_d:.3f} s; ratio {t_p / t_d:,.0f}x "
              "(measured)", flush=True)
    for n, t_d in t_dieroll.items():
        if n not in sq_ns:
            print(f"N={n:>10,}  squigglepy idiom at its measured {rate:,.0f} draws/s: {n / rate:,.0f} s; "
                  f"dieroll measured {t_d:.2f} s; ratio {n / rate / t_d:,.0f}x (extrapolated: one Python "
                  "call per draw costs the same at any N)")


def show_arithmetic(n):
    """Print month 36 of the seed model from squigglepy's model function and
    from its distribution arithmetic: the arithmetic's spread is too narrow."""
    fn = squiggle_idiom(n)[:, -1]
    ar = squiggle_arithmetic(n)
    print(f"seed model, month 36, {n:,} draws each; percentiles {PROBS}")
    print("  squigglepy model function (this model):    " + "  ".join(f"{v:,.0f}" for v in fn))
    print("  squigglepy distribution arithmetic:        " + "  ".join(f"{v:,.0f}" for v in ar))
    print(f"  p5-p95 width: {fn[-1] - fn[0]:,.0f} vs {ar[-1] - ar[0]:,.0f} "
          f"(the arithmetic's is {(ar[-1] - ar[0]) / (fn[-1] - fn[0]):.0%} of the model's)")


def _runs(times):
    return ", ".join(f"{x:.2f}" for x in times)


if __name__ == "__main__":
    main()

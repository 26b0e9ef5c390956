"""Shared helpers for the benchmark scripts (timing, peak memory, numpy reference sampling)."""
from __future__ import annotations

import resource
import statistics
import time

import numpy as np


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, MiB (Linux ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_time(fn, repeats: int = 3) -> tuple[float, list[float]]:
    """Median wall time of ``fn()`` over ``repeats`` runs."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def numpy_sample(prior, scalar_names, path_names, n, rng):
    """Inputs the way a competent analyst would draw them with numpy + scipy:
    a Generator's uniforms, the claim by ``rng.choice``-style comparison and each
    value by SciPy's inverse CDF (``dist.ppf``), vectorised over draws."""
    sc = np.empty((n, len(scalar_names)))
    for i, name in enumerate(scalar_names):
        q = prior.quantities[name]
        if len(q.claims) == 1:
            sc[:, i] = q.claims[0].dist.ppf(rng.random(n))
        else:
            k = np.searchsorted(np.cumsum(q.weights), rng.random(n), side="right")
            k = np.minimum(k, len(q.claims) - 1)
            u = rng.random(n)
            for j, c in enumerate(q.claims):
                m = k == j
                sc[m, i] = c.dist.ppf(u[m])
    knots = []
    for name in path_names:
        q = prior.quantities[name]
        ks = q.knots if q.is_path else [None]
        for kn in ks:
            d = kn.dist if kn is not None else q.claims[0].dist
            knots.append(d.ppf(rng.random(n)))
    return sc, np.column_stack(knots)


def native_draw(d, rng, n, used=None):
    """``n`` draws of distribution ``d`` with numpy's own Generator sampler where the
    family has one (beta and PERT as a scaled ``rng.beta``, ``rng.lognormal``,
    ``rng.normal``, ``rng.uniform``, ``rng.triangular``, ``rng.choice`` for
    discrete), and SciPy's ``ppf`` of uniforms only for truncated and metalog
    distributions.  ``used`` (a dict) counts which way each draw went."""
    from dieroll.distributions import Beta, Discrete, Fixed, Lognormal, Normal, Triangular, Uniform
    kind = type(d).__name__
    if isinstance(d, Fixed):
        out = np.full(n, d.value)
    elif isinstance(d, Beta):  # PERT is a Beta on [min, max]
        out = d.loc + d.scale * rng.beta(d.alpha, d.beta, n)
    elif isinstance(d, Lognormal):
        out = rng.lognormal(d.mu, d.sigma, n)
    elif isinstance(d, Normal):
        out = rng.normal(d.mu, d.sigma, n)
    elif isinstance(d, Uniform):
        out = rng.uniform(d.lo, d.hi, n)
    elif isinstance(d, Triangular):
        out = rng.triangular(d.lo, d.mode, d.hi, n)
    elif isinstance(d, Discrete):
        out = rng.choice(d.values, size=n, p=d.probs)
    else:  # truncated, metalog: no Generator sampler
        kind = f"{kind} (ppf)"
        out = d.ppf(rng.random(n))
    if used is not None:
        used[kind] = used.get(kind, 0) + 1
    return out


def numpy_sample_native(prior, scalar_names, path_names, n, rng, used=None):
    """As :func:`numpy_sample`, each value drawn by :func:`native_draw`: the claim by
    comparing a uniform with the cumulative weights, then that claim's sampler for
    the draws that chose it."""
    sc = np.empty((n, len(scalar_names)))
    for i, name in enumerate(scalar_names):
        q = prior.quantities[name]
        if len(q.claims) == 1:
            sc[:, i] = native_draw(q.claims[0].dist, rng, n, used)
        else:
            k = np.minimum(np.searchsorted(np.cumsum(q.weights), rng.random(n), side="right"), len(q.claims) - 1)
            for j, c in enumerate(q.claims):
                m = k == j
                sc[m, i] = native_draw(c.dist, rng, int(m.sum()), used)
    knots = []
    for name in path_names:
        q = prior.quantities[name]
        for kn in (q.knots if q.is_path else [None]):
            knots.append(native_draw(kn.dist if kn is not None else q.claims[0].dist, rng, n, used))
    return sc, np.column_stack(knots)

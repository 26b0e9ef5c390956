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

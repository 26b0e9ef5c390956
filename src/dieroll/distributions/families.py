"""The distribution families analysts use: fixed, uniform, normal, lognormal,
beta, PERT, triangular and discrete.  (Metalog lives in :mod:`.metalog`.)

Python-side ``ppf``/``cdf``/``mean`` are SciPy's where SciPy has the family;
the kernel side is in :mod:`._sample`.  Beta and PERT have no cheap exact
inverse CDF, so the kernel reads a cubic Hermite table of the quantile function
in normal-score space (see :func:`quantile_table`).
"""
from __future__ import annotations

import functools

import numpy as np
from scipy import special, stats

from .base import (DISCRETE, FIXED, LOGNORMAL, NORMAL, TABLE, TRIANGULAR, UNIFORM,
                   Distribution, _spec)

__all__ = ["Beta", "Discrete", "Fixed", "Lognormal", "Normal", "Pert", "Triangular",
           "Uniform", "quantile_table", "TABLE_Z", "TABLE_NODES"]

#: The quantile table covers normal scores in [-TABLE_Z, TABLE_Z] with TABLE_NODES nodes.
TABLE_Z = 8.5
TABLE_NODES = 2049


class _Scipy(Distribution):
    """A family backed by a frozen ``scipy.stats`` distribution."""

    _rv = None

    def ppf(self, p):
        return self._rv.ppf(p)

    def cdf(self, x):
        return self._rv.cdf(x)

    def mean(self) -> float:
        return float(self._rv.mean())

    def support(self):
        lo, hi = self._rv.support()
        return float(lo), float(hi)


class Fixed(Distribution):
    """A point value (no uncertainty)."""

    family = "fixed"

    def __init__(self, value: float):
        self.value = float(value)

    def ppf(self, p):
        return np.full(np.shape(p), self.value) if np.ndim(p) else self.value

    def cdf(self, x):
        return np.where(np.asarray(x) >= self.value, 1.0, 0.0)

    def mean(self):
        return self.value

    def support(self):
        return self.value, self.value

    def kernel_spec(self):
        return _spec(FIXED, [self.value])

    def describe(self):
        return f"fixed {self.value:g}"


class Uniform(_Scipy):
    """Uniform on ``[min, max]``."""

    family = "uniform"

    def __init__(self, lo: float, hi: float):
        self.lo, self.hi = float(lo), float(hi)
        self._rv = stats.uniform(loc=self.lo, scale=self.hi - self.lo)

    def kernel_spec(self):
        return _spec(UNIFORM, [self.lo, self.hi])

    def describe(self):
        return f"uniform [{self.lo:g}, {self.hi:g}]"


class Normal(_Scipy):
    """Normal with mean ``mu`` and standard deviation ``sigma``."""

    family = "normal"

    def __init__(self, mu: float, sigma: float):
        self.mu, self.sigma = float(mu), float(sigma)
        self._rv = stats.norm(loc=self.mu, scale=self.sigma)

    def kernel_spec(self):
        return _spec(NORMAL, [self.mu, self.sigma])

    def describe(self):
        return f"normal(mean={self.mu:g}, sd={self.sigma:g})"


class Lognormal(_Scipy):
    """Lognormal: ``exp(mu + sigma * Z)``."""

    family = "lognormal"

    def __init__(self, mu: float, sigma: float):
        self.mu, self.sigma = float(mu), float(sigma)
        self._rv = stats.lognorm(s=self.sigma, scale=np.exp(self.mu))

    def kernel_spec(self):
        return _spec(LOGNORMAL, [self.mu, self.sigma])

    def describe(self):
        return f"lognormal(median={np.exp(self.mu):.4g}, gsd={np.exp(self.sigma):.4g})"


def quantile_table(rv) -> np.ndarray:
    """Quantile function of ``rv`` tabulated against normal scores.

    Returns ``2 * TABLE_NODES`` numbers: ``x_i = F^-1(Phi(z_i))`` at equally spaced
    ``z_i`` in ``[-TABLE_Z, TABLE_Z]``, then the slopes ``dx/dz = phi(z)/f(x)``.
    The kernel interpolates with cubic Hermite polynomials; the tests state and
    check the resulting accuracy against SciPy.
    """
    z = np.linspace(-TABLE_Z, TABLE_Z, TABLE_NODES)
    lower = z <= 0
    x = np.empty_like(z)
    x[lower] = rv.ppf(special.ndtr(z[lower]))
    x[~lower] = rv.isf(special.ndtr(-z[~lower]))
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        dens = rv.pdf(x)
        slope = np.where((dens > 0) & np.isfinite(dens), stats.norm.pdf(z) / dens, 0.0)
    return np.concatenate([x, slope])


@functools.lru_cache(maxsize=512)
def _beta_table(alpha: float, beta: float) -> np.ndarray:
    """:func:`quantile_table` of the standard beta(``alpha``, ``beta``), kept (read-only):
    SciPy's beta quantiles are slow to compute, and every run builds its layout
    afresh."""
    t = quantile_table(stats.beta(alpha, beta))
    t.flags.writeable = False
    return t


class Beta(_Scipy):
    """Beta(``alpha``, ``beta``) on ``[0, 1]``, optionally moved to ``[loc, loc + scale]``."""

    family = "beta"

    def __init__(self, alpha: float, beta: float, loc: float = 0.0, scale: float = 1.0):
        self.alpha, self.beta, self.loc, self.scale = map(float, (alpha, beta, loc, scale))
        self._rv = stats.beta(self.alpha, self.beta, loc=self.loc, scale=self.scale)

    def kernel_spec(self):
        return _spec(TABLE, [0.0, TABLE_NODES, self.loc, self.scale], _beta_table(self.alpha, self.beta))

    def describe(self):
        return f"beta(alpha={self.alpha:.4g}, beta={self.beta:.4g})"


class Pert(Beta):
    """PERT on ``[min, max]`` with ``mode``: a beta with shape
    ``1 + lam (mode - min)/(max - min)`` and ``1 + lam (max - mode)/(max - min)``."""

    family = "pert"

    def __init__(self, lo: float, mode: float, hi: float, lam: float = 4.0):
        self.lo, self.mode, self.hi, self.lam = map(float, (lo, mode, hi, lam))
        a = 1.0 + lam * (mode - lo) / (hi - lo)
        b = 1.0 + lam * (hi - mode) / (hi - lo)
        super().__init__(a, b, loc=lo, scale=hi - lo)

    def describe(self):
        return f"pert(min={self.lo:g}, mode={self.mode:g}, max={self.hi:g})"


class Triangular(_Scipy):
    """Triangular on ``[min, max]`` with ``mode``."""

    family = "triangular"

    def __init__(self, lo: float, mode: float, hi: float):
        self.lo, self.mode, self.hi = float(lo), float(mode), float(hi)
        self._rv = stats.triang(c=(mode - lo) / (hi - lo), loc=lo, scale=hi - lo)

    def kernel_spec(self):
        return _spec(TRIANGULAR, [self.lo, self.mode, self.hi])

    def describe(self):
        return f"triangular(min={self.lo:g}, mode={self.mode:g}, max={self.hi:g})"


class Discrete(Distribution):
    """Finitely many ``values`` with probabilities proportional to ``weights``.

    The quantile function is the left-continuous inverse: the smallest value
    whose cumulative probability reaches ``p``.
    """

    family = "discrete"

    def __init__(self, values, weights):
        order = np.argsort(np.asarray(values, dtype=float), kind="stable")
        self.values = np.asarray(values, dtype=float)[order]
        w = np.asarray(weights, dtype=float)[order]
        self.probs = w / w.sum()
        self.cum = np.cumsum(self.probs)
        self.cum[-1] = 1.0

    def ppf(self, p):
        p = np.asarray(p, dtype=float)
        idx = np.searchsorted(self.cum, p, side="left")
        out = self.values[np.minimum(idx, len(self.values) - 1)]
        return out if out.ndim else float(out)

    def cdf(self, x):
        idx = np.searchsorted(self.values, np.asarray(x, dtype=float), side="right")
        c = np.concatenate([[0.0], self.cum])[idx]
        return c if np.ndim(c) else float(c)

    def mean(self):
        return float(np.dot(self.values, self.probs))

    def support(self):
        return float(self.values[0]), float(self.values[-1])

    def kernel_spec(self):
        n = len(self.values)
        return _spec(DISCRETE, [0.0, n], np.concatenate([self.cum, self.values]))

    def describe(self):
        pairs = ", ".join(f"{v:g}:{p:.2f}" for v, p in zip(self.values, self.probs))
        return f"discrete({pairs})"

"""Metalog distributions (Keelin 2016) fitted exactly to 3–5 quantiles.

The quantile function is ``M(y) = sum_j a_j g_j(y)`` with the basis
``1, L, (y - 1/2) L, (y - 1/2), (y - 1/2)^2`` where ``L = ln(y / (1 - y))``,
optionally transformed for bounds: ``lower + e^M`` (lower bound),
``upper - e^-M`` (upper bound), ``(lower + upper e^M) / (1 + e^M)`` (both).
With ``k`` quantile pairs the first ``k`` terms are solved for exactly, so the
distribution passes through every quantile given.  A fit whose quantile
function is not increasing is not a distribution and is refused.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special

from .base import METALOG, Distribution, _spec

__all__ = ["Metalog", "MetalogError"]

UNBOUNDED, LOWER, UPPER, BOTH = 0, 1, 2, 3


class MetalogError(ValueError):
    """The quantiles given do not define a valid metalog."""


def _basis(y, k):
    y = np.atleast_1d(np.asarray(y, dtype=float))
    L = np.log(y / (1.0 - y))
    c = y - 0.5
    cols = [np.ones_like(y), L, c * L, c, c * c][:k]
    return np.stack(cols, axis=-1)


class Metalog(Distribution):
    """Metalog through quantile pairs ``(p_i, x_i)``, ``3 <= k <= 5``.

    Parameters
    ----------
    probs, values : sequence of float
        Probabilities (strictly increasing in (0, 1)) and the values there.
    lower, upper : float, optional
        Bounds of the support (``None`` for unbounded on that side).
    """

    family = "metalog"

    def __init__(self, probs, values, lower=None, upper=None):
        p = np.asarray(probs, dtype=float)
        x = np.asarray(values, dtype=float)
        order = np.argsort(p)
        self.probs, self.values = p[order], x[order]
        self.lower = None if lower is None else float(lower)
        self.upper = None if upper is None else float(upper)
        self.kind = {(False, False): UNBOUNDED, (True, False): LOWER,
                     (False, True): UPPER, (True, True): BOTH}[(lower is not None, upper is not None)]
        k = len(p)
        if not 3 <= k <= 5:
            raise MetalogError(f"a metalog needs 3 to 5 quantiles, got {k}")
        if np.any(np.diff(self.values) <= 0):
            raise MetalogError("quantile values must increase with their probabilities")
        if self.lower is not None and self.values[0] <= self.lower:
            raise MetalogError(f"every quantile must lie above lower = {self.lower:g}")
        if self.upper is not None and self.values[-1] >= self.upper:
            raise MetalogError(f"every quantile must lie below upper = {self.upper:g}")
        z = self._to_unbounded(self.values)
        self.coef = np.linalg.solve(_basis(self.probs, k), z)
        grid = np.unique(np.concatenate([np.logspace(-9, -1, 200), np.linspace(0.1, 0.9, 400),
                                         1.0 - np.logspace(-1, -9, 200)]))
        m = _basis(grid, k) @ self.coef
        if np.any(np.diff(m) <= 0):
            raise MetalogError("these quantiles give a metalog whose quantile function is not "
                               "increasing (not a valid distribution); move the outer quantiles "
                               "further out or give fewer quantiles")

    def _to_unbounded(self, x):
        if self.kind == LOWER:
            return np.log(x - self.lower)
        if self.kind == UPPER:
            return -np.log(self.upper - x)
        if self.kind == BOTH:
            return np.log((x - self.lower) / (self.upper - x))
        return x

    def _from_unbounded(self, m):
        with np.errstate(over="ignore"):
            if self.kind == LOWER:
                return self.lower + np.exp(m)
            if self.kind == UPPER:
                return self.upper - np.exp(-m)
            if self.kind == BOTH:
                return self.lower + (self.upper - self.lower) * special.expit(m)
        return m

    def ppf(self, p):
        p = np.asarray(p, dtype=float)
        scalar = p.ndim == 0
        pc = np.clip(p, 1e-300, 1.0 - 1e-16)
        with np.errstate(divide="ignore"):
            x = self._from_unbounded(_basis(pc, len(self.coef)) @ self.coef)
        lo, hi = self.support()
        x = np.where(p <= 0, lo, np.where(p >= 1, hi, x))
        return float(x[0]) if scalar else x.reshape(p.shape)

    def cdf(self, x):
        x = np.atleast_1d(np.asarray(x, dtype=float))
        lo, hi = self.support()
        out = np.empty_like(x)
        for i, xi in enumerate(x.ravel()):
            if xi <= lo:
                out.flat[i] = 0.0
            elif xi >= hi:
                out.flat[i] = 1.0
            else:
                a, b = 1e-15, 1.0 - 1e-15
                fa, fb = self.ppf(a) - xi, self.ppf(b) - xi
                if fa >= 0:
                    out.flat[i] = 0.0
                elif fb <= 0:
                    out.flat[i] = 1.0
                else:
                    out.flat[i] = optimize.brentq(lambda q: self.ppf(q) - xi, a, b, xtol=1e-15, rtol=1e-14)
        return out if out.size > 1 else float(out[0])

    def mean(self):
        from scipy import integrate
        return float(integrate.quad(lambda q: float(self.ppf(q)), 0.0, 1.0, limit=200)[0])

    def support(self):
        lo = -math.inf if self.lower is None else self.lower
        hi = math.inf if self.upper is None else self.upper
        return lo, hi

    def kernel_spec(self):
        lo = 0.0 if self.lower is None else self.lower
        hi = 0.0 if self.upper is None else self.upper
        return _spec(METALOG, [0.0, len(self.coef), self.kind, lo, hi], self.coef)

    def describe(self):
        qs = ", ".join(f"p{100 * p:g}={x:g}" for p, x in zip(self.probs, self.values))
        return f"metalog({qs})"

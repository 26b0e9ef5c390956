"""The distribution interface shared by every family, and truncation.

A distribution offers ``ppf``, ``cdf`` and ``mean`` in Python, and
:meth:`Distribution.kernel_spec` that packs it for the numba sampler in
:mod:`dieroll.distributions._sample` (a family code, six parameters, the
truncation as a CDF interval, and an optional table of auxiliary numbers).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import integrate

__all__ = ["Distribution", "KernelSpec", "Truncated"]

# Family codes understood by the kernel sampler.
FIXED, UNIFORM, NORMAL, LOGNORMAL, TABLE, TRIANGULAR, DISCRETE, METALOG = range(8)


@dataclass(frozen=True)
class KernelSpec:
    """A distribution packed for the kernel sampler.

    ``params[0:6]`` are family parameters, ``params[6:8]`` the CDF interval
    ``[F(lo), F(hi)]`` that truncation restricts the uniform to, and ``aux``
    holds family tables (quantile tables, discrete values, metalog
    coefficients); ``params`` refer to ``aux`` by offset relative to its start.
    """

    code: int
    params: np.ndarray
    aux: np.ndarray


class Distribution:
    """Base class: subclasses define ``ppf``, ``cdf``, ``mean`` and ``kernel_spec``."""

    family: str = ""

    def ppf(self, p):
        """Quantile function (inverse CDF) at probability ``p``."""
        raise NotImplementedError

    def cdf(self, x):
        """Cumulative distribution function at ``x``."""
        raise NotImplementedError

    def mean(self) -> float:
        """Expected value."""
        raise NotImplementedError

    def support(self) -> tuple[float, float]:
        """Smallest and largest possible values (may be infinite)."""
        return float(self.ppf(0.0)), float(self.ppf(1.0))

    def kernel_spec(self) -> KernelSpec:
        """Pack for the numba sampler."""
        raise NotImplementedError

    def describe(self) -> str:
        """Short human-readable description."""
        return self.family


def _spec(code, params, aux=(), plo=0.0, phi=1.0) -> KernelSpec:
    p = np.zeros(8)
    p[: len(params)] = params
    p[6], p[7] = plo, phi
    return KernelSpec(code, p, np.asarray(aux, dtype=np.float64))


class Truncated(Distribution):
    """``base`` restricted to ``[lo, hi]`` and renormalised.

    Sampling maps the uniform onto ``[F(lo), F(hi)]`` before the inverse CDF,
    so no mass is piled on a bound.

    Parameters
    ----------
    base : Distribution
    lo, hi : float
        Bounds; ``-inf``/``inf`` leave a side open.
    """

    def __init__(self, base: Distribution, lo: float, hi: float):
        self.base, self.lo, self.hi = base, float(lo), float(hi)
        self.family = base.family
        self.plo = float(base.cdf(lo)) if np.isfinite(lo) else 0.0
        self.phi = float(base.cdf(hi)) if np.isfinite(hi) else 1.0

    @property
    def mass(self) -> float:
        """Probability the untruncated distribution puts inside ``[lo, hi]``."""
        return self.phi - self.plo

    def ppf(self, p):
        p = np.asarray(p, dtype=float)
        x = self.base.ppf(self.plo + p * (self.phi - self.plo))
        return np.clip(x, self.lo, self.hi)

    def cdf(self, x):
        c = (np.asarray(self.base.cdf(x), dtype=float) - self.plo) / (self.phi - self.plo)
        return np.clip(c, 0.0, 1.0)

    def mean(self) -> float:
        return float(integrate.quad(lambda p: float(self.ppf(p)), 0.0, 1.0, limit=200)[0])

    def support(self):
        lo, hi = self.base.support()
        return max(lo, self.lo), min(hi, self.hi)

    def kernel_spec(self) -> KernelSpec:
        s = self.base.kernel_spec()
        params = s.params.copy()
        params[6], params[7] = self.plo, self.phi
        return KernelSpec(s.code, params, s.aux)

    def describe(self) -> str:
        return f"{self.base.describe()} truncated to [{self.lo:g}, {self.hi:g}]"

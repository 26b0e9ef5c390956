"""Special functions for numba kernels: the normal CDF and its inverse.

``ndtri`` is Wichura's algorithm AS241 (Applied Statistics 37(3), 1988,
477-484), three rational approximations good to about 1e-16 relative; it needs
no refinement step, which keeps it cheap enough to call for every copula
coordinate and path knot.  ``ndtr`` uses ``erf``/``erfc`` in the form that keeps
full relative precision in each region.  Tests compare both with SciPy: ``ndtri``
to 1e-14 relative from 1e-300 to 1 - 1e-16.
"""
from __future__ import annotations

import math

from ._jit import kernel

_SQRT2 = 1.4142135623730951

@kernel
def ndtr(x):
    """Standard normal CDF, accurate in relative terms in both tails."""
    if x < -1.0:
        return 0.5 * math.erfc(-x / _SQRT2)
    if x > 1.0:
        return 1.0 - 0.5 * math.erfc(x / _SQRT2)
    return 0.5 + 0.5 * math.erf(x / _SQRT2)


@kernel(inline=True)
def _ndtri_central(q):
    """AS241's rational function for ``|q| = |p - 0.5| <= 0.425``."""
    r = 0.180625 - q * q
    num = (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r
                + 6.7265770927008700853e+4) * r + 4.5921953931549871457e+4) * r
              + 1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r
            + 1.3314166789178437745e+2) * r + 3.3871328727963666080e+0) * q
    den = (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r
                + 3.9307895800092710610e+4) * r + 2.1213794301586595867e+4) * r
              + 5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r
            + 4.2313330701600911252e+1) * r + 1.0)
    return num / den


@kernel
def ndtri(p):
    """Inverse of the standard normal CDF for 0 < p < 1 (``nan`` outside).

    Wichura's AS241 (PPND16): a rational function of ``p - 0.5`` in the centre
    (``|p - 0.5| <= 0.425``) and of ``sqrt(-log(tail))`` beyond, where ``tail``
    is ``p`` or ``1 - p`` (exact in floating point for ``p >= 0.5``).  About 16
    significant digits, no iteration and no ``erfc``.
    """
    if not (p > 0.0 and p < 1.0):
        if p == 0.0:
            return -math.inf
        if p == 1.0:
            return math.inf
        return math.nan
    q = p - 0.5
    if abs(q) <= 0.425:
        return _ndtri_central(q)
    r = math.sqrt(-math.log(p if q < 0.0 else 1.0 - p))
    if r <= 5.0:
        r -= 1.6
        num = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r
                    + 2.41780725177450611770e-1) * r + 1.27045825245236838258e+0) * r
                  + 3.64784832476320460504e+0) * r + 5.76949722146069140550e+0) * r
                + 4.63033784615654529590e+0) * r + 1.42343711074968357734e+0)
        den = (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r
                    + 1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r
                  + 6.89767334985100004550e-1) * r + 1.67638483018380384940e+0) * r
                + 2.05319162663775882187e+0) * r + 1.0)
    else:
        r -= 5.0
        num = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
                    + 1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r
                  + 2.96560571828504891230e-1) * r + 1.78482653991729133580e+0) * r
                + 5.46378491116411436990e+0) * r + 6.65790464350110377720e+0)
        den = (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r
                    + 1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r
                  + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r
                + 5.99832206555887937690e-1) * r + 1.0)
    x = num / den
    return -x if q < 0.0 else x


@kernel
def ndtri_block(u, z, n):
    """``z[j] = ndtri(u[j])`` for ``j < n``, bit for bit, faster.

    First the central rational function for every value, in a loop without
    branches or calls that the compiler vectorises; then the values outside
    the centre (about 15 %, and 0, 1 or ``nan``) one by one through
    :func:`ndtri`.  The central values go through the same operations as in
    :func:`ndtri` (no fused multiply-adds: dieroll never allows contraction).
    Not inlined: called once per block, and inlining it at every call site
    made the sampler's compile time balloon.
    """
    for j in range(n):
        z[j] = _ndtri_central(u[j] - 0.5)
    for j in range(n):
        if not abs(u[j] - 0.5) <= 0.425:
            z[j] = ndtri(u[j])

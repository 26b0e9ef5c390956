"""The kernel-side sampler: a distribution's inverse CDF inside numba.

``sample(code, params, aux, u)`` turns a uniform ``u`` in (0, 1) into a draw.
Truncation first maps ``u`` onto ``[params[6], params[7]]``.  Exact inverse
CDFs for fixed, uniform, normal, lognormal, triangular, discrete and metalog;
beta and PERT read the Hermite quantile table built by
:func:`dieroll.distributions.families.quantile_table`.
"""
from __future__ import annotations

import math

from .._jit import kernel
from .._special import ndtr, ndtri
from .base import DISCRETE, FIXED, LOGNORMAL, METALOG, NORMAL, TABLE, TRIANGULAR, UNIFORM
from .families import TABLE_NODES, TABLE_Z

_H = 2.0 * TABLE_Z / (TABLE_NODES - 1)


@kernel(inline=True)
def _table(aux, o, n, z):
    """Cubic Hermite interpolation in the quantile table at ``aux[o:]`` (``n``
    values, then ``n`` slopes), flat beyond its ends.

    Written without branches (the interpolation is computed at a clamped node
    and then replaced at the ends), so that a loop over draws has no
    unpredictable jumps; the values are the same as with branches.
    """
    t = (z + TABLE_Z) / _H
    i = int(min(max(t, 0.0), n - 2.0))
    s = t - i
    x0, x1 = aux[o + i], aux[o + i + 1]
    m0, m1 = aux[o + n + i] * _H, aux[o + n + i + 1] * _H
    s2 = s * s
    s3 = s2 * s
    h = ((2 * s3 - 3 * s2 + 1) * x0 + (s3 - 2 * s2 + s) * m0
         + (-2 * s3 + 3 * s2) * x1 + (s3 - s2) * m1)
    h = aux[o] if t <= 0.0 else h
    return aux[o + n - 1] if t >= n - 1 else h


@kernel(inline=True)
def _metalog(aux, o, k, kind, lo, hi, y):
    L = math.log(y / (1.0 - y))
    c = y - 0.5
    m = aux[o]
    if k > 1:
        m += aux[o + 1] * L
    if k > 2:
        m += aux[o + 2] * c * L
    if k > 3:
        m += aux[o + 3] * c
    if k > 4:
        m += aux[o + 4] * c * c
    if kind == 1:
        return lo + math.exp(m)
    if kind == 2:
        return hi - math.exp(-m)
    if kind == 3:
        if m > 700.0:
            return hi
        e = math.exp(m)
        return (lo + hi * e) / (1.0 + e)
    return m


@kernel(inline=True)
def takes_z(code, params):
    """Whether ``sample(code, params, aux, o, u)`` is ``sample_z(code, params, aux, o,
    ndtri(u))`` bit for bit: untruncated normal, lognormal and tabulated families
    (truncation maps ``u`` to ``0 + u * 1``, which is ``u``)."""
    return params[6] == 0.0 and params[7] == 1.0 and (code == NORMAL or code == LOGNORMAL or code == TABLE)


@kernel(inline=True)
def sample_z(code, params, aux, o, z):
    """Draw from a normal score ``z``: skips the ``ndtr``/``ndtri`` round trip for
    untruncated normal, lognormal and tabulated families."""
    if takes_z(code, params):
        if code == NORMAL:
            return params[0] + params[1] * z
        if code == LOGNORMAL:
            return math.exp(params[0] + params[1] * z)
        return params[2] + params[3] * _table(aux, o, int(params[1]), z)  # TABLE
    u = min(max(ndtr(z), 1e-300), 1.0 - 1.1102230246251565e-16)
    return sample(code, params, aux, o, u)


@kernel
def sample_z_block(code, params, aux, o, z, n, dst, j0, col):
    """``dst[j0 + j, col] = sample_z(code, params, aux, o, z[j])`` for ``j < n``,
    bit for bit, with the choice of family taken out of the loop.  Not
    inlined: it is called once per block and quantity, and inlined at each
    call site it multiplied the sampler's compile time."""
    if takes_z(code, params):
        a, b = params[0], params[1]
        if code == NORMAL:
            for j in range(n):
                dst[j0 + j, col] = a + b * z[j]
            return
        if code == LOGNORMAL:
            for j in range(n):
                dst[j0 + j, col] = math.exp(a + b * z[j])
            return
        nodes, loc, scale = int(params[1]), params[2], params[3]  # TABLE
        for j in range(n):
            dst[j0 + j, col] = loc + scale * _table(aux, o, nodes, z[j])
        return
    for j in range(n):
        dst[j0 + j, col] = sample_z(code, params, aux, o, z[j])


@kernel(inline=True)
def sample(code, params, aux, o, u):
    """Inverse-CDF draw for uniform ``u``; the distribution's table starts at ``aux[o]``."""
    u = params[6] + u * (params[7] - params[6])
    if code == FIXED:
        return params[0]
    if code == UNIFORM:
        return params[0] + u * (params[1] - params[0])
    if code == NORMAL:
        return params[0] + params[1] * ndtri(u)
    if code == LOGNORMAL:
        return math.exp(params[0] + params[1] * ndtri(u))
    if code == TABLE:
        x = _table(aux, o, int(params[1]), ndtri(u))
        return params[2] + params[3] * x
    if code == TRIANGULAR:
        a, c, b = params[0], params[1], params[2]
        if u < (c - a) / (b - a):
            return a + math.sqrt(u * (b - a) * (c - a))
        return b - math.sqrt((1.0 - u) * (b - a) * (b - c))
    if code == DISCRETE:
        n = int(params[1])
        for i in range(n - 1):
            if u <= aux[o + i]:
                return aux[o + n + i]
        return aux[o + 2 * n - 1]
    if code == METALOG:
        return _metalog(aux, o, int(params[1]), int(params[2]), params[3], params[4], u)
    return math.nan

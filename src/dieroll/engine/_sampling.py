"""Kernel: sample every input of a chunk of draws.

For draw ``d`` each scalar quantity takes two uniforms from
``philox(seed, stream, d, 0)``: one picks the claim (by cumulative weight), the
other is the value's uniform.  Correlated scalars pass their value uniforms
through the Gaussian copula (``z = ndtri(u)``, ``z' = L z``, ``u' = ndtr(z')``),
so correlations act on where each value sits within its claim's distribution.
Path knots take ``philox(seed, stream, d, absolute_month)``, mixed with a common
factor when the path has a ``knot_rank``.  The result depends only on the
indices, never on the chunk or the thread.
"""
from __future__ import annotations

import math

import numpy as np
from numba import prange

from .._jit import kernel
from ..distributions._sample import sample, sample_z
from ._philox import uniform2
from ._special import ndtri

_COMMON = 0xFFFFFFFF


@kernel(parallel=True)
def sample_chunk(seed, first_draw, code, params, aux, aux_off,
                 sc_stream, sc_first, sc_ncl, sc_cum, cop_idx, cop_chol,
                 pa_stream, pa_first, pa_nk, pa_koff, pa_step, pa_loading,
                 scalars, claims, knots):
    """Fill ``scalars (n, S)``, ``claims (n, S)`` and ``knots (n, K)`` for draws
    ``first_draw .. first_draw + n - 1``."""
    n = scalars.shape[0]
    S = scalars.shape[1]
    m = cop_idx.shape[0]
    nblocks = (n + 127) // 128
    for blk in prange(nblocks):
        u = np.empty(S)
        z = np.empty(m)
        z2 = np.empty(S)
        for j in range(blk * 128, min(n, blk * 128 + 128)):
            _one_draw(seed, first_draw + j, j, code, params, aux, aux_off, sc_stream, sc_first, sc_ncl,
                      sc_cum, cop_idx, cop_chol, pa_stream, pa_first, pa_nk, pa_koff, pa_step,
                      pa_loading, scalars, claims, knots, u, z, z2)


@kernel(inline=True)
def _one_draw(seed, d, j, code, params, aux, aux_off, sc_stream, sc_first, sc_ncl, sc_cum, cop_idx,
              cop_chol, pa_stream, pa_first, pa_nk, pa_koff, pa_step, pa_loading, scalars, claims,
              knots, u, z, z2):
    S = u.shape[0]
    m = z.shape[0]
    for s in range(S):
        uv, uc = uniform2(seed, sc_stream[s], d, 0)
        k = 0
        while k < sc_ncl[s] - 1 and uc >= sc_cum[s, k]:
            k += 1
        claims[j, s] = k
        u[s] = uv
    if m > 0:
        for a in range(m):
            z[a] = ndtri(u[cop_idx[a]])
        for a in range(m):
            acc = 0.0
            for b in range(a + 1):
                acc += cop_chol[a, b] * z[b]
            z2[cop_idx[a]] = acc
            u[cop_idx[a]] = -1.0  # marks: sample from the normal score in z2
    for s in range(S):
        di = sc_first[s] + claims[j, s]
        if u[s] < 0.0:
            scalars[j, s] = sample_z(code[di], params[di], aux, aux_off[di], z2[s])
        else:
            scalars[j, s] = sample(code[di], params[di], aux, aux_off[di], u[s])
    for p in range(pa_stream.shape[0]):
        load = pa_loading[p]
        zc = 0.0
        if load > 0.0:
            zc = ndtri(uniform2(seed, pa_stream[p], d, _COMMON)[0])
        for k in range(pa_nk[p]):
            kk = pa_koff[p] + k
            uk = uniform2(seed, pa_stream[p], d, pa_step[kk])[0]
            di = pa_first[p] + k
            if load > 0.0:
                zk = load * zc + math.sqrt(1.0 - load * load) * ndtri(uk)
                knots[j, kk] = sample_z(code[di], params[di], aux, aux_off[di], zk)
            else:
                knots[j, kk] = sample(code[di], params[di], aux, aux_off[di], uk)

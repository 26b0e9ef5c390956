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
_B = 128  # draws per block: the uniforms of a block are drawn quantity by quantity


@kernel(inline=True)
def _uniforms(seed, stream, step, d0, nb, a, b):
    """``a[j], b[j] = uniform2(seed, stream, d0 + j, step)`` for ``j < nb``
    (a loop over draws alone, which the compiler vectorises)."""
    for j in range(nb):
        a[j], b[j] = uniform2(seed, stream, d0 + j, step)


@kernel(parallel=True)
def sample_chunk(seed, first_draw, code, params, aux, aux_off,
                 sc_stream, sc_first, sc_ncl, sc_cum, cop_idx, cop_chol,
                 pa_stream, pa_first, pa_nk, pa_koff, pa_step, pa_loading,
                 nthreads, scalars, claims, knots):
    """Fill ``scalars (n, S)``, ``claims (n, S)`` and ``knots (n, K)`` for draws
    ``first_draw .. first_draw + n - 1``.

    Per block of ``_B`` draws, first every uniform (quantity by quantity, the
    draws innermost), then each draw's claims, copula and inverse CDFs.  The
    blocks are split into ``nthreads`` contiguous ranges, each thread with its
    own scratch arrays; the result does not depend on it.
    """
    n = scalars.shape[0]
    S = scalars.shape[1]
    K = knots.shape[1]
    P = pa_stream.shape[0]
    m = cop_idx.shape[0]
    nblocks = (n + _B - 1) // _B
    nthr = max(1, min(nthreads, nblocks))
    for tid in prange(nthr):
        # scratch once per thread
        uv = np.empty((S, _B))  # value uniforms of the scalars
        uc = np.empty((S, _B))  # claim uniforms
        uk = np.empty((max(K, 1), _B))  # knot uniforms
        uz = np.empty((max(P, 1), _B))  # common-factor uniforms of the paths
        spare = np.empty(_B)
        u = np.empty(S)
        z = np.empty(m)
        z2 = np.empty(S)
        for blk in range(tid * nblocks // nthr, (tid + 1) * nblocks // nthr):
            j0 = blk * _B
            nb = min(n, j0 + _B) - j0
            d0 = first_draw + j0
            for s in range(S):
                _uniforms(seed, sc_stream[s], 0, d0, nb, uv[s], uc[s])
            for p in range(P):
                if pa_loading[p] > 0.0:
                    _uniforms(seed, pa_stream[p], _COMMON, d0, nb, uz[p], spare)
                for k in range(pa_nk[p]):
                    kk = pa_koff[p] + k
                    _uniforms(seed, pa_stream[p], pa_step[kk], d0, nb, uk[kk], spare)
            for j in range(nb):
                _one_draw(j0 + j, j, code, params, aux, aux_off, sc_first, sc_ncl, sc_cum, cop_idx,
                          cop_chol, pa_first, pa_nk, pa_koff, pa_loading, uv, uc, uk, uz, scalars,
                          claims, knots, u, z, z2)


@kernel(inline=True)
def _one_draw(d, j, code, params, aux, aux_off, sc_first, sc_ncl, sc_cum, cop_idx, cop_chol,
              pa_first, pa_nk, pa_koff, pa_loading, uv, uc, uk, uz, scalars, claims, knots,
              u, z, z2):
    """Draw ``d`` (its row of the outputs) from column ``j`` of the block's uniforms."""
    S = u.shape[0]
    m = z.shape[0]
    for s in range(S):
        uc_s = uc[s, j]
        k = 0
        while k < sc_ncl[s] - 1 and uc_s >= sc_cum[s, k]:
            k += 1
        claims[d, s] = k
        u[s] = uv[s, j]
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
        di = sc_first[s] + claims[d, s]
        if u[s] < 0.0:
            scalars[d, s] = sample_z(code[di], params[di], aux, aux_off[di], z2[s])
        else:
            scalars[d, s] = sample(code[di], params[di], aux, aux_off[di], u[s])
    for p in range(pa_first.shape[0]):
        load = pa_loading[p]
        zc = 0.0
        if load > 0.0:
            zc = ndtri(uz[p, j])
        for k in range(pa_nk[p]):
            kk = pa_koff[p] + k
            uk_ = uk[kk, j]
            di = pa_first[p] + k
            if load > 0.0:
                zk = load * zc + math.sqrt(1.0 - load * load) * ndtri(uk_)
                knots[d, kk] = sample_z(code[di], params[di], aux, aux_off[di], zk)
            else:
                knots[d, kk] = sample(code[di], params[di], aux, aux_off[di], uk_)

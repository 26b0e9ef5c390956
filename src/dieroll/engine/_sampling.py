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
from ..distributions import sample, sample_z, sample_z_block, takes_z
from ._philox import uniform2
from .._special import ndtri_block

_COMMON = 0xFFFFFFFF
_B = 128  # draws per block: the uniforms of a block are drawn quantity by quantity


@kernel(inline=True)
def _uniforms(seed, stream, step, d0, nb, a, b):
    """``a[j], b[j] = uniform2(seed, stream, d0 + j, step)`` for ``j < nb``
    (a loop over draws alone, which the compiler vectorises)."""
    for j in range(nb):
        a[j], b[j] = uniform2(seed, stream, d0 + j, step)


@kernel(parallel=True)
def sample_chunk(seed, first_draw, dists, sci, pai, pci, nthreads, scalars, claims, knots):
    """Fill ``scalars (n, S)``, ``claims (n, S + Pc)`` and ``knots (n, K)`` for draws
    ``first_draw .. first_draw + n - 1`` of the inputs ``dists``, ``sci``, ``pai`` and ``pci``
    (:class:`~dieroll.engine.layout.Dists`, :class:`~dieroll.engine.layout.ScalarInputs`,
    :class:`~dieroll.engine.layout.PathInputs`, :class:`~dieroll.engine.layout.PathClaims`).

    A path with competing claims picks a claim per draw (by the second uniform of
    ``philox(seed, stream, d, 0)``, as a scalar does), samples every claim's own knots
    (from the same uniforms at the same months, so claims share their random numbers),
    and writes the chosen claim's path on the merged knot grid the model reads.

    Per block of ``_B`` draws, first every uniform, then the scalars' claims,
    copula and inverse CDFs, then the path knots, each quantity by quantity
    with the draws innermost.  The blocks are split into ``nthreads``
    contiguous ranges, each thread with its own scratch arrays; the result
    does not depend on it.
    """
    code, params, aux, aux_off = dists
    sc_stream, sc_first, sc_ncl, sc_cum, cop_idx, cop_chol = sci
    pa_stream, pa_first, pa_nk, pa_koff, pa_step, pa_loading, pa_cop = pai
    pc_stream, pc_col, pc_cum, in_pc, in_claim, in_dst, in_a, in_b, in_w, in_kind = pci
    Pc = pc_stream.shape[0]
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
        upc = np.empty((max(Pc, 1), _B))  # claim uniforms of the paths with competing claims
        spare = np.empty(_B)
        zc = np.empty(_B)
        zs = np.empty(_B)  # normal scores of one quantity (ndtri of its uniforms)
        zb = np.empty((2 * m, _B))  # the copula's normal scores, then L z
        cop_of = np.full(S, -1, np.int64)  # the copula row of each scalar, or -1
        for a in range(m):
            if cop_idx[a] >= 0:
                cop_of[cop_idx[a]] = a
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
            _scalars_block(j0, nb, code, params, aux, aux_off, sc_first, sc_ncl, sc_cum, cop_idx,
                           cop_chol, cop_of, uv, uc, uz, zb, zs, scalars, claims)
            _knots_block(j0, nb, code, params, aux, aux_off, pa_first, pa_nk, pa_koff, pa_loading, pa_cop,
                         uk, uz, zb, zc, zs, knots)
            if Pc > 0:
                for i in range(Pc):
                    _uniforms(seed, pc_stream[i], 0, d0, nb, spare, upc[i])
                _path_claims_block(j0, nb, pc_col, pc_cum, in_pc, in_claim, in_dst, in_a, in_b, in_w, in_kind,
                                   upc, claims, knots)


@kernel(inline=True)
def _pick_claims(u, cum, last, j0, nb, claims, col):
    """``claims[j0 + j, col]``: the first claim whose cumulative weight ``cum`` exceeds ``u[j]``
    (at most ``last``)."""
    for j in range(nb):
        uj = u[j]
        k = 0
        while k < last and uj >= cum[k]:
            k += 1
        claims[j0 + j, col] = k


@kernel(inline=True)
def _path_claims_block(j0, nb, pc_col, pc_cum, in_pc, in_claim, in_dst, in_a, in_b, in_w, in_kind, upc,
                       claims, knots):
    """Each path with competing claims: the claim of each draw, then the chosen claim's path
    at every knot of the merged grid (linear, log-linear or step, as the path is interpolated)."""
    for i in range(pc_col.shape[0]):
        _pick_claims(upc[i], pc_cum[i], pc_cum.shape[1] - 1, j0, nb, claims, pc_col[i])
    for m in range(in_pc.shape[0]):
        col = pc_col[in_pc[m]]
        c, dst, a, b, w, kind = in_claim[m], in_dst[m], in_a[m], in_b[m], in_w[m], in_kind[m]
        for j in range(nb):
            if claims[j0 + j, col] != c:
                continue
            va = knots[j0 + j, a]
            if w <= 0.0:
                knots[j0 + j, dst] = va
            elif w >= 1.0:
                knots[j0 + j, dst] = knots[j0 + j, b]
            elif kind == 0:
                knots[j0 + j, dst] = va + w * (knots[j0 + j, b] - va)
            elif kind == 1:
                knots[j0 + j, dst] = math.exp(math.log(va) + w * (math.log(knots[j0 + j, b]) - math.log(va)))
            else:
                knots[j0 + j, dst] = va


@kernel(inline=True)
def _scalars_block(j0, nb, code, params, aux, aux_off, sc_first, sc_ncl, sc_cum, cop_idx, cop_chol,
                   cop_of, uv, uc, uz, zb, zs, scalars, claims):
    """The scalars of draws ``j0 .. j0 + nb - 1``, quantity by quantity with the
    draws innermost: the claims, the copula's normal scores (``zb[a, j]``, then
    ``L z`` into ``zb[m + a, j]``), then each value.  A quantity whose claims
    all take a normal score (:func:`takes_z`) gets its scores for the whole
    block at once (:func:`ndtri_block`, into ``zs``): the same numbers, faster.  A copula
    member ``-(p + 1)`` is path ``p``'s common factor (its uniforms ``uz[p]``); the
    knots read its correlated score from ``zb[m + a]``."""
    S = uv.shape[0]
    m = cop_idx.shape[0]
    for s in range(S):
        _pick_claims(uc[s], sc_cum[s], sc_ncl[s] - 1, j0, nb, claims, s)
    for a in range(m):
        if cop_idx[a] >= 0:
            ndtri_block(uv[cop_idx[a]], zb[a], nb)
        else:
            ndtri_block(uz[-cop_idx[a] - 1], zb[a], nb)
    for a in range(m):
        for j in range(nb):
            acc = 0.0
            for b in range(a + 1):
                acc += cop_chol[a, b] * zb[b, j]
            zb[m + a, j] = acc
    for s in range(S):
        # from a normal score: the copula's, or ndtri of the value uniforms
        # when every claim takes one
        a = cop_of[s]
        if a >= 0:
            z, by_z = zb[m + a], True
        else:
            z, by_z = zs, True
            for c in range(sc_ncl[s]):
                by_z = by_z and takes_z(code[sc_first[s] + c], params[sc_first[s] + c])
            if by_z:
                ndtri_block(uv[s], zs, nb)
        if sc_ncl[s] == 1:
            # one claim: its distribution is taken out of the loop (a row view
            # of ``params`` made per draw costs more than most inverse CDFs)
            di = sc_first[s]
            c, pr, o = code[di], params[di], aux_off[di]
            if by_z:
                sample_z_block(c, pr, aux, o, z, nb, scalars, j0, s)
            else:
                for j in range(nb):
                    scalars[j0 + j, s] = sample(c, pr, aux, o, uv[s, j])
            continue
        for j in range(nb):
            di = sc_first[s] + claims[j0 + j, s]
            if by_z:
                scalars[j0 + j, s] = sample_z(code[di], params[di], aux, aux_off[di], z[j])
            else:
                scalars[j0 + j, s] = sample(code[di], params[di], aux, aux_off[di], uv[s, j])


@kernel(inline=True)
def _knots_block(j0, nb, code, params, aux, aux_off, pa_first, pa_nk, pa_koff, pa_loading, pa_cop,
                 uk, uz, zb, zc, zs, knots):
    """The path knots of draws ``j0 .. j0 + nb - 1``, knot by knot with the draws
    innermost (a knot's distribution is the same for every draw).  Normal
    scores are taken for the whole block at once (:func:`ndtri_block`).  A path in the
    copula takes its common factor's correlated score (``zb[m + pa_cop[p]]``)."""
    m = zb.shape[0] // 2
    for p in range(pa_first.shape[0]):
        load = pa_loading[p]
        if load > 0.0:
            if pa_cop[p] >= 0:
                for j in range(nb):
                    zc[j] = zb[m + pa_cop[p], j]
            else:
                ndtri_block(uz[p], zc, nb)
        own = math.sqrt(1.0 - load * load)
        for k in range(pa_nk[p]):
            kk = pa_koff[p] + k
            di = pa_first[p] + k
            c, pr, o = code[di], params[di], aux_off[di]
            if load > 0.0 or takes_z(c, pr):
                ndtri_block(uk[kk], zs, nb)
                if load > 0.0:
                    for j in range(nb):
                        zs[j] = load * zc[j] + own * zs[j]
                sample_z_block(c, pr, aux, o, zs, nb, knots, j0, kk)
            else:
                for j in range(nb):
                    knots[j0 + j, kk] = sample(c, pr, aux, o, uk[kk, j])

"""The model's chunk kernel: every channel, month by month, draws innermost.

Reads the sampled scalars and path knots of a chunk of draws and writes every
output series into ``out[series, t, draw]``.  The equations live in the channel
modules (:mod:`.tsmc`, :mod:`.smic`, :mod:`.hbm`, :mod:`.nvidia`,
:mod:`.conversion`, :mod:`.attrition`, :mod:`.us`); this kernel only wires them.
"""
from __future__ import annotations

import math

import numpy as np
from numba import prange

from .._jit import kernel
from . import attrition, conversion, hbm, nvidia, smic, tsmc, us
from .inputs import PATHS, SCALARS

_s = {n: i for i, n in enumerate(SCALARS)}
_p = {n: i for i, n in enumerate(PATHS)}

TSMC_DIES, TSMC_START, TSMC_MONTHS = _s["tsmc_dies"], _s["tsmc_packaging_start"], _s["tsmc_packaging_months"]
DPP, PACK_YIELD, STACKS_PER_DIE = _s["dies_per_910c"], _s["packaging_yield"], _s["hbm_stacks_per_die"]
DPW, Y0, YMAT = _s["smic_dies_per_wafer"], _s["smic_yield"], _s["smic_yield_mature"]
HBM0, PRE, A800, H800, H20 = (_s["hbm_stockpile"], _s["nvidia_prewindow_chips"], _s["a800_chips"],
                              _s["h800_chips"], _s["h20_chips"])
F910I, F910T, UTIL = _s["h100e_910c_inference"], _s["h100e_910c_training"], _s["ascend_utilisation"]
FA100I, FA100T = _s["h100e_a100_inference"], _s["h100e_a100_training"]
FH800I, FH800T = _s["h100e_h800_inference"], _s["h100e_h800_training"]
FH20I, FH20T, FSMUG = _s["h100e_h20_inference"], _s["h100e_h20_training"], _s["h100e_smuggled"]
ATTR = _s["attrition_per_year"]
P_WPM, P_SHARE, P_PROG, P_HBM = _p["smic_wpm"], _p["smic_ascend_share"], _p["smic_yield_progress"], _p["hbm_domestic"]
P_LIC, P_SMUG, P_US = _p["nvidia_licensed"], _p["smuggled_per_year"], _p["us_h100e"]

# output series (see outputs.py): china_stock[channel, metric] 0..7, china_total[metric] 8..9,
# us_total 10, us_china_ratio[metric] 11..12, ascend_packages[route] 13..14,
# ascend_waiting[route] 15..16, hbm_stacks 17, china_chips[channel] 18..21
N_SERIES = 22


# per-draw state rows of a block: waiting packages by route, HBM stock, then
# chips by channel and H100e by channel and metric
# (rows _SURV and _SPP hold per-draw constants: monthly survival, stacks per package)
_WT, _WS, _STOCK, _CHIPS, _H, _SURV, _SPP = 0, 1, 2, 3, 7, 15, 16
_NSTATE = 17


@kernel(inline=True)
def _by_draw(src, j0, nb, dst):
    """Copy rows ``j0 .. j0 + nb - 1`` of ``src (n, Q)`` to ``dst[q, draw - j0]``, so that
    the loops over a block's draws read with unit stride and are vectorised."""
    for q in range(src.shape[1]):
        for j in range(nb):
            dst[q, j] = src[j0 + j, q]


@kernel(inline=True)
def _paths_block(knots, j0, nb, pa_koff, pa_nk, pa_interp, pa_seg, pa_frac, kb, pv, rat):
    """Every path of draws ``j0 .. j0 + nb - 1`` on the time grid: ``pv[path, t, draw - j0]``.

    Before the first knot a path holds its first value, after the last its last;
    between knots ``i`` and ``i + 1`` (fraction ``f``) a linear path is
    ``a + f (b - a)``, a step path ``a``, a log-linear path ``exp(log a + f log(b / a))``:
    log-linear paths take ``exp`` where a segment starts and then multiply by
    the segment's monthly ratio (``rat (2, B)`` holds the log ratio of the
    segment's knots and the monthly ratio).  Months are equally spaced, so the
    interpolation fraction grows by the same step each month (to rounding,
    checked to 1e-15; otherwise the ratio is taken afresh).  The product
    differs from ``exp`` by a few units in the last place per month.  The
    block's knots are first copied to ``kb[knot, draw]`` (:func:`_by_draw`).
    """
    T = pv.shape[1]
    _by_draw(knots, j0, nb, kb)
    for p in range(pv.shape[0]):
        ko = pa_koff[p]
        nk = pa_nk[p]
        mode = pa_interp[p]
        step = -1.0  # the monthly step of the current log-linear segment
        for t in range(T):
            i = pa_seg[p, t]
            f = pa_frac[p, t]
            if nk == 1 or f <= 0.0:
                for j in range(nb):
                    pv[p, t, j] = kb[ko + i, j]
            elif f >= 1.0:
                for j in range(nb):
                    pv[p, t, j] = kb[ko + i + 1, j]
            elif mode == 0:
                for j in range(nb):
                    a = kb[ko + i, j]
                    pv[p, t, j] = a + f * (kb[ko + i + 1, j] - a)
            elif mode == 1:
                prev = pa_frac[p, t - 1] if t > 0 else 0.0
                df = f - prev
                if t > 1 and pa_seg[p, t - 1] == i and prev > 0.0 and abs(df - step) <= 1e-15:
                    # same segment and step as last month: multiply by the monthly ratio
                    for j in range(nb):
                        pv[p, t, j] = pv[p, t - 1, j] * rat[1, j]
                elif t > 0 and pa_seg[p, t - 1] == i and prev > 0.0:
                    # second month of a segment: the ratio for this step
                    step = df
                    for j in range(nb):
                        rat[1, j] = math.exp(rat[0, j] * df)
                        pv[p, t, j] = pv[p, t - 1, j] * rat[1, j]
                else:
                    step = -1.0
                    for j in range(nb):
                        la = math.log(kb[ko + i, j])
                        rat[0, j] = math.log(kb[ko + i + 1, j]) - la
                        pv[p, t, j] = math.exp(la + f * rat[0, j])
            else:
                for j in range(nb):
                    pv[p, t, j] = kb[ko + i, j]


@kernel(inline=True)
def _block(sc, j0, nb, abs0, pv, st, sb, ob, out):
    """Run draws ``j0 .. j0 + nb - 1`` month by month, the draws innermost.

    Each draw's months depend on each other (stocks, HBM), but draws do not:
    with the draws innermost the loop over them is vectorised.  Every array in
    that loop is indexed by the loop's own counter alone (an index like
    ``j0 + j`` gets a negative-index check, a view of ``out`` has strides known
    only at run time, and either stops the vectoriser): the block's scalars are
    first copied into ``sb[quantity, draw]`` (:func:`_by_draw`), and each
    month's outputs go to ``ob[series, draw]`` and are then copied into
    ``out[:, t, j0:j0 + nb]``.
    """
    T = pv.shape[1]
    _by_draw(sc, j0, nb, sb)
    for j in range(nb):
        st[_WT, j] = 0.0
        st[_WS, j] = 0.0
        st[_STOCK, j] = sb[HBM0, j]
        for c in range(4):
            st[_CHIPS + c, j] = 0.0
            st[_H + 2 * c, j] = 0.0
            st[_H + 2 * c + 1, j] = 0.0
        st[_CHIPS + 2, j] = sb[PRE, j]
        st[_H + 4, j] = conversion.h100e(sb[PRE, j], sb[FA100I, j], 1.0)
        st[_H + 5, j] = conversion.h100e(sb[PRE, j], sb[FA100T, j], 1.0)
        st[_SURV, j] = attrition.monthly_survival(sb[ATTR, j])
        st[_SPP, j] = sb[STACKS_PER_DIE, j] * sb[DPP, j]
    for t in range(T):
        a = abs0 + t
        controls = a >= hbm.CONTROLS
        w1 = nvidia.window_share(a, nvidia.A800_FIRST, nvidia.A800_LAST)
        w2 = nvidia.window_share(a, nvidia.H20_FIRST, nvidia.H20_LAST)
        licensed = a >= nvidia.LICENSED_FIRST
        for j in range(nb):
            dpp = sb[DPP, j]
            spp = st[_SPP, j]
            surv = st[_SURV, j]
            util = sb[UTIL, j]
            wait_t = st[_WT, j] + tsmc.released(a, 12.0 * sb[TSMC_START, j], sb[TSMC_MONTHS, j],
                                                sb[TSMC_DIES, j], dpp)
            yld = smic.yield_at(sb[Y0, j], sb[YMAT, j], pv[P_PROG, t, j])
            wait_s = st[_WS, j] + smic.packages(pv[P_WPM, t, j], pv[P_SHARE, t, j], sb[DPW, j], yld, dpp)
            stock = st[_STOCK, j]
            if controls:
                stock += pv[P_HBM, t, j]
                f = hbm.packable_fraction(stock, spp, wait_t + wait_s)
            else:
                f = 1.0
            att_t = f * wait_t
            att_s = f * wait_s
            if controls:
                stock = 0.0 if f < 1.0 else stock - spp * (att_t + att_s)
            wait_t -= att_t
            wait_s -= att_s
            st[_WT, j] = wait_t
            st[_WS, j] = wait_s
            st[_STOCK, j] = stock
            good_t = att_t * sb[PACK_YIELD, j]
            good_s = att_s * sb[PACK_YIELD, j]
            # Nvidia, legal and smuggled (chips this month)
            lic = pv[P_LIC, t, j] if licensed else 0.0
            a800 = sb[A800, j] * w1
            h800 = sb[H800, j] * w1
            h20 = sb[H20, j] * w2 + lic
            smug = pv[P_SMUG, t, j] / 12.0
            new_chips = (good_t, good_s, a800 + h800 + h20, smug)
            new_inf = (conversion.h100e(good_t, sb[F910I, j], util), conversion.h100e(good_s, sb[F910I, j], util),
                       a800 * sb[FA100I, j] + h800 * sb[FH800I, j] + h20 * sb[FH20I, j],
                       conversion.h100e(smug, sb[FSMUG, j], 1.0))
            new_tr = (conversion.h100e(good_t, sb[F910T, j], util), conversion.h100e(good_s, sb[F910T, j], util),
                      a800 * sb[FA100T, j] + h800 * sb[FH800T, j] + h20 * sb[FH20T, j],
                      conversion.h100e(smug, sb[FSMUG, j], 1.0))
            tot_i = 0.0
            tot_t = 0.0
            for c in range(4):
                ch = st[_CHIPS + c, j] * surv + new_chips[c]
                hi = st[_H + 2 * c, j] * surv + new_inf[c]
                ht = st[_H + 2 * c + 1, j] * surv + new_tr[c]
                st[_CHIPS + c, j] = ch
                st[_H + 2 * c, j] = hi
                st[_H + 2 * c + 1, j] = ht
                ob[2 * c, j] = hi
                ob[2 * c + 1, j] = ht
                ob[18 + c, j] = ch
                tot_i += hi
                tot_t += ht
            us_t = pv[P_US, t, j]
            ob[8, j] = tot_i
            ob[9, j] = tot_t
            ob[10, j] = us_t
            ob[11, j] = us.ratio(us_t, tot_i)
            ob[12, j] = us.ratio(us_t, tot_t)
            ob[13, j] = good_t
            ob[14, j] = good_s
            ob[15, j] = wait_t
            ob[16, j] = wait_s
            ob[17, j] = stock
        for q in range(ob.shape[0]):
            for j in range(nb):
                out[q, t, j0 + j] = ob[q, j]


_B = 64  # draws per block: paths and state of a block stay in cache


@kernel(parallel=True)
def run_chunk(scalars, knots, abs0, pa_koff, pa_nk, pa_interp, pa_seg, pa_frac, nthreads, out):
    """Fill ``out (N_SERIES, T, n)`` from ``scalars (n, S)`` and ``knots (n, K)``.

    Draws are split into ``nthreads`` contiguous ranges of blocks; each thread
    owns its scratch buffers.  The result does not depend on ``nthreads``.
    """
    n = scalars.shape[0]
    T = out.shape[1]
    P = pa_koff.shape[0]
    nblocks = (n + _B - 1) // _B
    nthr = max(1, min(nthreads, nblocks))
    for tid in prange(nthr):
        pv = np.empty((P, T, _B))
        st = np.empty((_NSTATE, _B))
        sb = np.empty((scalars.shape[1], _B))
        kb = np.empty((knots.shape[1], _B))
        ob = np.empty((N_SERIES, _B))
        rat = np.empty((2, _B))
        for b in range(tid * nblocks // nthr, (tid + 1) * nblocks // nthr):
            j0 = b * _B
            nb = min(n, j0 + _B) - j0
            _paths_block(knots, j0, nb, pa_koff, pa_nk, pa_interp, pa_seg, pa_frac, kb, pv, rat)
            _block(scalars, j0, nb, abs0, pv, st, sb, ob, out)

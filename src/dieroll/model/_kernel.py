"""The model's chunk kernel: every channel, per draw, month by month.

Reads the sampled scalars and path knots of a chunk of draws and writes every
output series into ``out[series, t, draw]``.  The equations live in the channel
modules (:mod:`.tsmc`, :mod:`.smic`, :mod:`.hbm`, :mod:`.nvidia`,
:mod:`.conversion`, :mod:`.attrition`, :mod:`.us`); this kernel only wires them.
"""
from __future__ import annotations

import numpy as np
from numba import prange

from .._jit import kernel
from ..engine._sampling import path_on_grid
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


@kernel(inline=True)
def _one_draw(sc, kn, abs0, pa_koff, pa_nk, pa_interp, pa_seg, pa_frac, paths, chips, h, out, j):
    T = paths.shape[1]
    for p in range(paths.shape[0]):
        path_on_grid(kn, pa_koff[p], pa_nk[p], pa_interp[p], pa_seg[p], pa_frac[p], paths[p])
    dpp = sc[DPP]
    spp = sc[STACKS_PER_DIE] * dpp
    start = 12.0 * sc[TSMC_START]
    surv = attrition.monthly_survival(sc[ATTR])
    util = sc[UTIL]
    stock = sc[HBM0]
    wait_t = 0.0
    wait_s = 0.0
    chips[:] = 0.0
    h[:] = 0.0
    chips[2] = sc[PRE]
    h[2, 0] = conversion.h100e(sc[PRE], sc[FA100I], 1.0)
    h[2, 1] = conversion.h100e(sc[PRE], sc[FA100T], 1.0)
    for t in range(T):
        a = abs0 + t
        wait_t += tsmc.released(a, start, sc[TSMC_MONTHS], sc[TSMC_DIES], dpp)
        yld = smic.yield_at(sc[Y0], sc[YMAT], paths[P_PROG, t])
        wait_s += smic.packages(paths[P_WPM, t], paths[P_SHARE, t], sc[DPW], yld, dpp)
        if a >= hbm.CONTROLS:
            stock += paths[P_HBM, t]
            f = hbm.packable_fraction(stock, spp, wait_t + wait_s)
        else:
            f = 1.0
        att_t = f * wait_t
        att_s = f * wait_s
        if a >= hbm.CONTROLS:
            stock = 0.0 if f < 1.0 else stock - spp * (att_t + att_s)
        wait_t -= att_t
        wait_s -= att_s
        good_t = att_t * sc[PACK_YIELD]
        good_s = att_s * sc[PACK_YIELD]
        # Nvidia, legal and smuggled (chips this month)
        w1 = nvidia.window_share(a, nvidia.A800_FIRST, nvidia.A800_LAST)
        w2 = nvidia.window_share(a, nvidia.H20_FIRST, nvidia.H20_LAST)
        lic = paths[P_LIC, t] if a >= nvidia.LICENSED_FIRST else 0.0
        a800 = sc[A800] * w1
        h800 = sc[H800] * w1
        h20 = sc[H20] * w2 + lic
        smug = paths[P_SMUG, t] / 12.0
        new_chips = (good_t, good_s, a800 + h800 + h20, smug)
        new_inf = (conversion.h100e(good_t, sc[F910I], util), conversion.h100e(good_s, sc[F910I], util),
                   a800 * sc[FA100I] + h800 * sc[FH800I] + h20 * sc[FH20I], conversion.h100e(smug, sc[FSMUG], 1.0))
        new_tr = (conversion.h100e(good_t, sc[F910T], util), conversion.h100e(good_s, sc[F910T], util),
                  a800 * sc[FA100T] + h800 * sc[FH800T] + h20 * sc[FH20T], conversion.h100e(smug, sc[FSMUG], 1.0))
        tot_i = 0.0
        tot_t = 0.0
        for c in range(4):
            chips[c] = chips[c] * surv + new_chips[c]
            h[c, 0] = h[c, 0] * surv + new_inf[c]
            h[c, 1] = h[c, 1] * surv + new_tr[c]
            out[j, t, 2 * c] = h[c, 0]
            out[j, t, 2 * c + 1] = h[c, 1]
            out[j, t, 18 + c] = chips[c]
            tot_i += h[c, 0]
            tot_t += h[c, 1]
        us_t = paths[P_US, t]
        out[j, t, 8] = tot_i
        out[j, t, 9] = tot_t
        out[j, t, 10] = us_t
        out[j, t, 11] = us.ratio(us_t, tot_i)
        out[j, t, 12] = us.ratio(us_t, tot_t)
        out[j, t, 13] = good_t
        out[j, t, 14] = good_s
        out[j, t, 15] = wait_t
        out[j, t, 16] = wait_s
        out[j, t, 17] = stock


_B = 32  # draws per block: a block's outputs are gathered in cache (each draw's contiguous), then transposed out


@kernel(parallel=True)
def run_chunk(scalars, knots, abs0, pa_koff, pa_nk, pa_interp, pa_seg, pa_frac, nthreads, out):
    """Fill ``out (N_SERIES, T, n)`` from ``scalars (n, S)`` and ``knots (n, K)``.

    Draws are split into ``nthreads`` contiguous ranges; each thread owns its
    scratch buffers.  The result does not depend on ``nthreads``.
    """
    n = scalars.shape[0]
    R = out.shape[0]
    T = out.shape[1]
    P = pa_koff.shape[0]
    nblocks = (n + _B - 1) // _B
    nthr = max(1, min(nthreads, nblocks))
    for tid in prange(nthr):
        paths = np.empty((P, T))
        buf = np.empty((_B, T, R))
        chips = np.empty(4)
        h = np.empty((4, 2))
        for b in range(tid * nblocks // nthr, (tid + 1) * nblocks // nthr):
            j0 = b * _B
            nb = min(n, j0 + _B) - j0
            for jj in range(nb):
                _one_draw(scalars[j0 + jj], knots[j0 + jj], abs0, pa_koff, pa_nk, pa_interp, pa_seg,
                          pa_frac, paths, chips, h, buf, jj)
            # transpose (draw, t, series) -> (series, t, draw); one month of the
            # block's draws is a few cache lines, read while the series are written
            for t in range(T):
                for r in range(R):
                    for jj in range(nb):
                        out[r, t, j0 + jj] = buf[jj, t, r]

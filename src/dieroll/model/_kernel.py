"""The model's chunk kernel: every channel, month by month, draws innermost.

Reads the sampled scalars and path knots of a chunk of draws and writes every
output series into ``out[series, t, draw]``.  The equations live in the channel
modules (:mod:`.tsmc`, :mod:`.smic`, :mod:`.other_domestic`, :mod:`.ascend`,
:mod:`.hbm`, :mod:`.nvidia`, :mod:`.smuggled`, :mod:`.abroad`,
:mod:`.conversion`, :mod:`.attrition`, :mod:`.flows`, :mod:`.us`); this kernel
only wires them.  Output rows come from the model's output contract
(:class:`dieroll.contract.OutputContract`), per-draw state rows from each
channel module's ``STATE``, input columns from :mod:`.inputs`: no index here is
written by hand.
"""
from __future__ import annotations

import math

import numpy as np
from numba import prange

from .._jit import kernel
from .._months import by_draw as _by_draw
from .._months import paths_month as _paths_month
from .._stream import store_fence, stream8
from ..contract import OutputContract
from . import abroad, ascend, attrition, conversion, flows, hbm, nvidia, other_domestic, smic, smuggled, tsmc, us
from .inputs import PATHS, SCALARS
from .outputs import CHANNELS, CONSTRAINTS, METRICS, OUTPUTS, ROUTES

_s = {n: i for i, n in enumerate(SCALARS)}
_p = {n: i for i, n in enumerate(PATHS)}

# --- input columns (scalars) and rows (paths)
TSMC_DIES, TSMC_AVAIL = _s["tsmc_dies"], _s["tsmc_bank_available"]
DPP, DPP950, PACK_YIELD, OBSOLESCENCE = (_s["dies_per_910c"], _s["dies_per_950"], _s["packaging_yield"],
                                         _s["die_obsolescence_per_year"])
DPW, Y0, YMAT, ODPW = _s["smic_dies_per_wafer"], _s["smic_yield"], _s["smic_yield_mature"], _s["other_dies_per_wafer"]
SPD, SPP950, HBM0 = _s["hbm_stacks_per_die"], _s["hbm_stacks_per_950"], _s["hbm_stockpile"]
PRE, A800, H800, H20, H20R = (_s["nvidia_prewindow_chips"], _s["a800_chips"], _s["h800_chips"], _s["h20_chips"],
                              _s["h20_resumed_chips"])
H200CAP, H200OK, H200SUP, H200M = (_s["h200_us_cap"], _s["h200_china_approved"], _s["h200_supply"],
                                   _s["h200_delivery_months"])
SMUG24 = _s["smuggled_2024"]
F910 = (_s["h100e_910c_inference"], _s["h100e_910c_training"])
F950 = (_s["h100e_950_inference"], _s["h100e_950_training"])
FOTHER = (_s["h100e_other_inference"], _s["h100e_other_training"])
FA100 = (_s["h100e_a100_inference"], _s["h100e_a100_training"])
FH800 = (_s["h100e_h800_inference"], _s["h100e_h800_training"])
FH20 = (_s["h100e_h20_inference"], _s["h100e_h20_training"])
FH200 = (_s["h100e_h200_inference"], _s["h100e_h200_training"])
FHOP, FBW, UTIL, ATTR = _s["h100e_hopper"], _s["h100e_blackwell"], _s["domestic_utilisation"], _s["attrition_per_year"]
P_PROXY, P_950, P_CAP = _p["tsmc_proxy_dies"], _p["ascend_950_share"], _p["packaging_capacity"]
P_WPM, P_SHARE, P_OSHARE, P_HWPM, P_PROG = (_p["smic_wpm"], _p["smic_ascend_share"], _p["smic_other_share"],
                                            _p["huawei_fab_wpm"], _p["smic_yield_progress"])
P_GREY, P_DOM = _p["hbm_grey"], _p["hbm_domestic"]
P_LIC, P_TREND, P_BW, P_ABROAD, P_US = (_p["nvidia_licensed"], _p["smuggling_trend"], _p["smuggled_blackwell_share"],
                                        _p["abroad_h100e"], _p["us_h100e"])

# --- labels
_ch = {c: i for i, c in enumerate(CHANNELS)}
C_TSMC, C_SMIC, C_HWFAB, C_OTHER, C_LEGAL, C_SMUG = (_ch["tsmc_ascend"], _ch["smic_ascend"], _ch["huawei_fab_ascend"],
                                                     _ch["other_domestic"], _ch["nvidia_legal"], _ch["nvidia_smuggled"])
N_CH, N_M, N_R = len(CHANNELS), len(METRICS), len(ROUTES)
R_TSMC, R_SMIC, R_HWFAB = ROUTES.index("tsmc"), ROUTES.index("smic"), ROUTES.index("huawei_fab")
if (ascend.DIES, ascend.HBM, ascend.PACKAGING) != tuple(CONSTRAINTS.index(c) for c in ("dies", "hbm", "packaging")):
    raise ImportError("ascend's constraint codes disagree with outputs.CONSTRAINTS")

# --- output rows, from the contract (integer arrays: constants in the kernel)
CONTRACT = OutputContract(OUTPUTS)
N_SERIES = CONTRACT.n_series
O_STOCK = CONTRACT.rows("china_stock")          # [channel, metric]
O_STOCK_I, O_STOCK_T = O_STOCK[:, 0].copy(), O_STOCK[:, 1].copy()
O_TOTAL = CONTRACT.rows("china_total")          # [metric]
O_ABROAD = CONTRACT.row("abroad_total")
O_FIRMS = CONTRACT.rows("china_firms_total")    # [metric]
O_US = CONTRACT.row("us_total")
O_RATIO = CONTRACT.rows("us_china_ratio")       # [metric]
O_PACK = CONTRACT.rows("ascend_packages")       # [route]
O_WAIT = CONTRACT.rows("dies_waiting")          # [route]
O_LOST = CONTRACT.rows("dies_lost")             # [route]
O_HBM = CONTRACT.row("hbm_stacks")
O_CHIPS = CONTRACT.rows("china_chips")          # [channel]
O_BIND = CONTRACT.rows("ascend_binding")        # [constraint]
O_MADE_Y = CONTRACT.rows("ascend_made_ytd")     # [route]
O_CHIPS_Y = CONTRACT.rows("chips_added_ytd")    # [channel]
_hy = CONTRACT.rows("h100e_added_ytd")          # [country, metric]
O_CHINA_Y, O_US_Y = _hy[0].copy(), _hy[1].copy()
O_RATIO_Y = CONTRACT.rows("additions_ratio_ytd")  # [metric]
ROUTE_CHANNEL = np.array([C_TSMC, C_SMIC, C_HWFAB])  # the channel each route's packages join


def _state_rows(groups):
    """First state row of every ``(group, name)`` of the channels' ``STATE`` declarations."""
    rows, r = {}, 0
    for group, state in groups:
        for name, size in state:
            rows[f"{group}.{name}"] = r
            r += size
    return rows, r


_S, _NSTATE = _state_rows((
    ("tsmc", tsmc.STATE), ("smic", smic.STATE), ("other", other_domestic.STATE), ("ascend", ascend.STATE),
    ("hbm", hbm.STATE), ("nvidia", nvidia.STATE), ("smuggled", smuggled.STATE), ("abroad", abroad.STATE),
    ("conversion", conversion.STATE), ("stock", attrition.STATE), ("flows", flows.STATE), ("us", us.STATE),
    # the kernel's own per-draw constants, running sums and this month's scratch
    ("const", (("survival", 1), ("loss", 1), ("bank_month", 1), ("h200", 1))),
    ("ytd", (("made", N_R), ("chips", N_CH), ("china", N_M), ("us", 1))),
    ("month", (("chips", N_CH), ("inference", N_CH), ("training", N_CH), ("total", N_M), ("added", N_M))),
))
S_WAIT, S_LOST, S_HBM = _S["ascend.waiting"], _S["ascend.lost"], _S["hbm.stock"]
S_CHIPS, S_INF, S_TRN, S_US_LAST = _S["stock.chips"], _S["stock.inference"], _S["stock.training"], _S["flows.us_last"]
S_SURV, S_LOSS, S_BANK, S_H200 = _S["const.survival"], _S["const.loss"], _S["const.bank_month"], _S["const.h200"]
Y_MADE, Y_CHIPS, Y_CHINA, Y_US = _S["ytd.made"], _S["ytd.chips"], _S["ytd.china"], _S["ytd.us"]
M_CHIPS, M_INF, M_TRN = _S["month.chips"], _S["month.inference"], _S["month.training"]
M_TOTAL, M_ADDED = _S["month.total"], _S["month.added"]


@kernel(inline=True)
def _init(sb, nb, abs0, st):
    """Per-draw state at the run start."""
    for j in range(nb):
        for r in range(N_R):
            st[S_WAIT + r, j] = 0.0
            st[S_LOST + r, j] = 0.0
        st[S_HBM, j] = sb[HBM0, j]
        for c in range(N_CH):
            st[S_CHIPS + c, j] = 0.0
            st[S_INF + c, j] = 0.0
            st[S_TRN + c, j] = 0.0
        st[S_CHIPS + C_LEGAL, j] = sb[PRE, j]
        st[S_INF + C_LEGAL, j] = conversion.h100e(sb[PRE, j], sb[FA100[0], j], 1.0)
        st[S_TRN + C_LEGAL, j] = conversion.h100e(sb[PRE, j], sb[FA100[1], j], 1.0)
        st[S_SURV, j] = attrition.monthly_survival(sb[ATTR, j])
        st[S_LOSS, j] = ascend.monthly_loss(sb[OBSOLESCENCE, j])
        st[S_BANK, j] = max(math.floor(12.0 * sb[TSMC_AVAIL, j]), float(abs0))
        st[S_H200, j] = nvidia.h200_delivered(sb[H200CAP, j], sb[H200OK, j], sb[H200SUP, j])
        st[S_US_LAST, j] = 0.0


@kernel(inline=True)
def _queue(st, ob, r, j, loss, arrivals):
    """Route ``r``'s queue after this month's losses and arrivals."""
    w = st[S_WAIT + r, j]
    lose = w * loss
    lost = st[S_LOST + r, j] + lose
    st[S_LOST + r, j] = lost
    ob[O_LOST[r], j] = lost
    return w - lose + arrivals


@kernel(inline=True)
def _take(st, ob, r, w, j, f, ppd, py, hpd_i, hpd_t, util):
    """Package a share ``f`` of route ``r``'s queue ``w``: writes the queue, the good
    packages, and the month's new chips and H100e of the route's channel."""
    taken = f * w
    left = w - taken
    st[S_WAIT + r, j] = left
    ob[O_WAIT[r], j] = left
    made = taken * ppd * py
    ob[O_PACK[r], j] = made
    c = ROUTE_CHANNEL[r]
    st[M_CHIPS + c, j] = made
    st[M_INF + c, j] = taken * py * hpd_i * util
    st[M_TRN + c, j] = taken * py * hpd_t * util


@kernel(inline=True)
def _ascend_month(t, a, controls, nb, pv, st, sb, ob):
    """Ascend this month: queues, the three limits, HBM, packages (:mod:`.ascend`)."""
    for j in range(nb):
        py = sb[PACK_YIELD, j]
        util = sb[UTIL, j]
        yld = smic.yield_at(sb[Y0, j], sb[YMAT, j], pv[P_PROG, j])
        g = pv[P_950, j]
        d910 = sb[DPP, j]
        d950 = sb[DPP950, j]
        ppd_t = 1.0 / d910
        spd_t = sb[SPD, j]
        ppd_d, spd_d = ascend.per_die(g, d910, d950, spd_t, sb[SPP950, j])
        loss = st[S_LOSS, j]
        w_t = _queue(st, ob, R_TSMC, j, loss,
                     tsmc.arrivals(a, st[S_BANK, j], sb[TSMC_DIES, j], pv[P_PROXY, j]))
        w_s = _queue(st, ob, R_SMIC, j, loss,
                     smic.good_dies(pv[P_WPM, j], pv[P_SHARE, j], sb[DPW, j], yld))
        w_h = _queue(st, ob, R_HWFAB, j, loss, smic.good_dies(pv[P_HWPM, j], 1.0, sb[DPW, j], yld))
        packages = w_t * ppd_t + w_s * ppd_d + w_h * ppd_d
        need = w_t * spd_t + w_s * spd_d + w_h * spd_d
        stock = st[S_HBM, j]
        f_hbm = 1.0
        if controls:
            stock += pv[P_GREY, j] + pv[P_DOM, j]
            f_hbm = hbm.available(stock, need)
        f, code = ascend.limit(f_hbm, pv[P_CAP, j], packages)
        if controls:
            stock = hbm.draw(stock, f, f_hbm, need)
        st[S_HBM, j] = stock
        ob[O_HBM, j] = stock
        ob[O_BIND[ascend.DIES], j] = 1.0 if code == ascend.DIES else 0.0
        ob[O_BIND[ascend.HBM], j] = 1.0 if code == ascend.HBM else 0.0
        ob[O_BIND[ascend.PACKAGING], j] = 1.0 if code == ascend.PACKAGING else 0.0
        hi_t = conversion.ascend_per_die(0.0, d910, d950, sb[F910[0], j], sb[F950[0], j])
        ht_t = conversion.ascend_per_die(0.0, d910, d950, sb[F910[1], j], sb[F950[1], j])
        hi_d = conversion.ascend_per_die(g, d910, d950, sb[F910[0], j], sb[F950[0], j])
        ht_d = conversion.ascend_per_die(g, d910, d950, sb[F910[1], j], sb[F950[1], j])
        _take(st, ob, R_TSMC, w_t, j, f, ppd_t, py, hi_t, ht_t, util)
        _take(st, ob, R_SMIC, w_s, j, f, ppd_d, py, hi_d, ht_d, util)
        _take(st, ob, R_HWFAB, w_h, j, f, ppd_d, py, hi_d, ht_d, util)


@kernel(inline=True)
def _other_month(t, a, nb, pv, st, sb):
    """Other designers, Nvidia legal and smuggled: this month's chips and H100e."""
    w_a800 = nvidia.window_share(a, nvidia.A800_FIRST, nvidia.A800_LAST)
    w_h20 = nvidia.window_share(a, nvidia.H20_FIRST, nvidia.H20_LAST)
    w_h20r = nvidia.window_share(a, nvidia.H20_RESUMED_FIRST, nvidia.H20_RESUMED_LAST)
    licensed = 1.0 if a >= nvidia.LICENSED_FIRST else 0.0
    for j in range(nb):
        py = sb[PACK_YIELD, j]
        util = sb[UTIL, j]
        yld = smic.yield_at(sb[Y0, j], sb[YMAT, j], pv[P_PROG, j])
        oc = other_domestic.chips(pv[P_WPM, j], pv[P_OSHARE, j], sb[ODPW, j], yld, py)
        st[M_CHIPS + C_OTHER, j] = oc
        st[M_INF + C_OTHER, j] = conversion.h100e(oc, sb[FOTHER[0], j], util)
        st[M_TRN + C_OTHER, j] = conversion.h100e(oc, sb[FOTHER[1], j], util)
        a800 = sb[A800, j] * w_a800
        h800 = sb[H800, j] * w_a800
        h20 = sb[H20, j] * w_h20 + sb[H20R, j] * w_h20r + pv[P_LIC, j] * licensed
        h200 = st[S_H200, j] * nvidia.spread_share(a, nvidia.H200_FIRST, sb[H200M, j])
        st[M_CHIPS + C_LEGAL, j] = a800 + h800 + h20 + h200
        st[M_INF + C_LEGAL, j] = (a800 * sb[FA100[0], j] + h800 * sb[FH800[0], j] + h20 * sb[FH20[0], j]
                                  + h200 * sb[FH200[0], j])
        st[M_TRN + C_LEGAL, j] = (a800 * sb[FA100[1], j] + h800 * sb[FH800[1], j] + h20 * sb[FH20[1], j]
                                  + h200 * sb[FH200[1], j])
        smug = smuggled.chips(sb[SMUG24, j], pv[P_TREND, j])
        smug_h = smuggled.h100e(smug, pv[P_BW, j], sb[FHOP, j], sb[FBW, j])
        st[M_CHIPS + C_SMUG, j] = smug
        st[M_INF + C_SMUG, j] = smug_h
        st[M_TRN + C_SMUG, j] = smug_h


@kernel(inline=True)
def _stocks_month(nb, st, ob):
    """Stocks in China with attrition, per channel, and their sums (:mod:`.attrition`).

    One channel at a time, the draws innermost: the rows are constant in the
    draw loop.  Sums run in channel order, from zero, as in the reference.
    """
    for q in range(M_TOTAL, M_ADDED + N_M):
        for j in range(nb):
            st[q, j] = 0.0
    for c in range(N_CH):
        o_i = O_STOCK_I[c]
        o_t = O_STOCK_T[c]
        o_c = O_CHIPS[c]
        o_y = O_CHIPS_Y[c]
        for j in range(nb):
            surv = st[S_SURV, j]
            new_c = st[M_CHIPS + c, j]
            new_i = st[M_INF + c, j]
            new_t = st[M_TRN + c, j]
            ch = st[S_CHIPS + c, j] * surv + new_c
            hi = st[S_INF + c, j] * surv + new_i
            ht = st[S_TRN + c, j] * surv + new_t
            st[S_CHIPS + c, j] = ch
            st[S_INF + c, j] = hi
            st[S_TRN + c, j] = ht
            ob[o_i, j] = hi
            ob[o_t, j] = ht
            ob[o_c, j] = ch
            st[M_TOTAL, j] += hi
            st[M_TOTAL + 1, j] += ht
            st[M_ADDED, j] += new_i
            st[M_ADDED + 1, j] += new_t
            y = st[Y_CHIPS + c, j] + new_c
            st[Y_CHIPS + c, j] = y
            ob[o_y, j] = y


@kernel(inline=True)
def _totals_month(t, nb, pv, st, ob):
    """Totals, compute from abroad, the US, ratios and the year's flows (:mod:`.flows`)."""
    for j in range(nb):
        tot_i = st[M_TOTAL, j]
        tot_t = st[M_TOTAL + 1, j]
        ob[O_TOTAL[0], j] = tot_i
        ob[O_TOTAL[1], j] = tot_t
        ab = pv[P_ABROAD, j]
        ob[O_ABROAD, j] = ab
        ob[O_FIRMS[0], j] = tot_i + ab
        ob[O_FIRMS[1], j] = tot_t + ab
        us_t = pv[P_US, j]
        ob[O_US, j] = us_t
        ob[O_RATIO[0], j] = us.ratio(us_t, tot_i)
        ob[O_RATIO[1], j] = us.ratio(us_t, tot_t)
        us_add = us_t - st[S_US_LAST, j] if t > 0 else 0.0
        st[S_US_LAST, j] = us_t
        for r in range(N_R):
            y = st[Y_MADE + r, j] + st[M_CHIPS + ROUTE_CHANNEL[r], j]
            st[Y_MADE + r, j] = y
            ob[O_MADE_Y[r], j] = y
        y_us = st[Y_US, j] + us_add
        st[Y_US, j] = y_us
        y_i = st[Y_CHINA, j] + st[M_ADDED, j]
        y_t = st[Y_CHINA + 1, j] + st[M_ADDED + 1, j]
        st[Y_CHINA, j] = y_i
        st[Y_CHINA + 1, j] = y_t
        ob[O_CHINA_Y[0], j] = y_i
        ob[O_CHINA_Y[1], j] = y_t
        ob[O_US_Y[0], j] = y_us
        ob[O_US_Y[1], j] = y_us
        ob[O_RATIO_Y[0], j] = us.ratio(y_us, y_i)
        ob[O_RATIO_Y[1], j] = us.ratio(y_us, y_t)


@kernel(inline=True)
def _block(sc, knots, j0, nb, abs0, pa_koff, pa_nk, pa_interp, pa_seg, pa_frac, kb, pv, rat, step, st, sb, ob, out,
           outf, obf, stream, write):
    """Run draws ``j0 .. j0 + nb - 1`` month by month, the draws innermost.

    Each draw's months depend on each other (queues, stocks, HBM), but draws do
    not: with the draws innermost the loops over them are vectorised.  A month
    is a few short loops over the block's draws (Ascend; other designers and
    Nvidia; stocks per channel; totals and flows) that pass this month's new
    chips through scratch rows of ``st``: one long loop body is not
    vectorised.  Every array in those loops is indexed by the loop's own
    counter alone (an index like ``j0 + j`` gets a negative-index check, a
    view of ``out`` has strides known only at run time, and either stops the
    vectoriser): the block's scalars are first copied into ``sb[quantity,
    draw]`` (:func:`_by_draw`), and each month's outputs go to ``ob[series,
    draw]`` and are then copied into ``out[:, t, j0:j0 + nb]`` with unsigned
    indices, for the same reason (with ``j0 + j`` the copy was not vectorised
    and took over half of the kernel's time: the kernel alone 6.3 -> 3.1 us a
    draw, ``benchmarks/bench_reducer.py``, the same bits).  With ``stream``
    (see :func:`dieroll._stream.can_stream`) the copy writes whole pieces of
    eight draws with streaming stores into ``outf``, the same array flat:
    the chunk is larger than the caches, and ordinary stores made the core
    read every line of it from memory before writing it (the kernel alone
    3.4-3.5 -> 1.9 us a draw on chunks of 1,536; the same bits).
    """
    T = out.shape[1]
    n = out.shape[2]
    bw = ob.shape[1]
    _by_draw(sc, j0, nb, sb)
    _by_draw(knots, j0, nb, kb)
    _init(sb, nb, abs0, st)
    u0 = np.uint64(j0)
    for t in range(T):
        a = abs0 + t
        _paths_month(t, nb, pa_koff, pa_nk, pa_interp, pa_seg, pa_frac, kb, pv, rat, step)
        if flows.restarts(a, t):  # a new calendar year of flows
            for q in range(Y_MADE, Y_US + 1):
                for j in range(nb):
                    st[q, j] = 0.0
        _ascend_month(t, a, a >= hbm.CONTROLS, nb, pv, st, sb, ob)
        _other_month(t, a, nb, pv, st, sb)
        _stocks_month(nb, st, ob)
        _totals_month(t, nb, pv, st, ob)
        ut = np.uint64(t)
        for q in range(ob.shape[0]):
            if not write[q, t]:
                continue  # a row nothing reads (see run_chunk)
            uq = np.uint64(q)
            j = 0
            if stream:
                # whole pieces of eight with streaming stores (see dieroll._stream)
                f0 = (q * T + t) * n + j0
                while j + 8 <= nb:
                    stream8(outf, f0 + j, obf, q * bw + j)
                    j += 8
            for i in range(j, nb):
                out[uq, ut, u0 + np.uint64(i)] = ob[q, i]


_B = 64  # draws per block: see run_chunk


@kernel(parallel=True)
def run_chunk(scalars, knots, abs0, pa_koff, pa_nk, pa_interp, pa_seg, pa_frac, nthreads, out, outf, stream, write):
    """Fill ``out (N_SERIES, T, n)`` from ``scalars (n, S)`` and ``knots (n, K)``.

    Draws are split into ``nthreads`` contiguous ranges of blocks of ``_B``
    draws; each thread owns its scratch buffers.  The result does not depend on
    ``nthreads`` or ``_B`` (every draw's arithmetic is the same).  Blocks of 64
    draws keep a block's state, inputs, paths and month of outputs (about
    130 KB) close to L1: a whole run's time per draw fell by about 15 % from
    blocks of 256 (sampling, model and reducers, windows for 1e7, chunks of
    1,536: 7.8-8.2 -> 6.8-6.9 us; 32 draws a block was slower again).
    ``outf`` is ``out`` flat when ``stream`` is true (any float32 array
    otherwise); each thread fences its streaming stores before it ends.
    Only rows ``(series, t)`` with ``write[series, t]`` are written: a run
    without kept draws leaves out the calendar-year flows between year ends,
    which it does not summarise (a quarter of the chunk; the kernel alone
    about 0.1-0.2 us a draw faster, alternating).
    """
    n = scalars.shape[0]
    P = pa_koff.shape[0]
    nblocks = (n + _B - 1) // _B
    nthr = max(1, min(nthreads, nblocks))
    for tid in prange(nthr):
        pv = np.empty((P, _B))
        st = np.empty((_NSTATE, _B))
        sb = np.empty((scalars.shape[1], _B))
        kb = np.empty((knots.shape[1], _B))
        ob = np.empty((N_SERIES, _B))
        obf = ob.reshape(-1)
        rat = np.empty((2 * P, _B))
        step = np.empty(P)
        for b in range(tid * nblocks // nthr, (tid + 1) * nblocks // nthr):
            j0 = b * _B
            nb = min(n, j0 + _B) - j0
            _block(scalars, knots, j0, nb, abs0, pa_koff, pa_nk, pa_interp, pa_seg, pa_frac, kb, pv, rat, step,
                   st, sb, ob, out, outf, obf, stream, write)
        if stream:
            store_fence()

"""The China model written by hand in plain numpy: the benchmarks' competitor.

What a competent analyst would write without dieroll: the same sampled inputs
as the kernel (``scalars (n, S)`` and path values on the time grid), a loop
over months with whole-array numpy operations over draws, one function per
supply channel.  It was the test reference of the hand-wired kernel (then
``dieroll.model.reference``) and shares no code with the model file
(``src/dieroll/models/china.toml``): its dates, equations and limits are
written out again here.  ``bench_full_model.py`` checks that it agrees with the
file's kernel before timing it.  Declarations (input order, outputs, labels)
come from the packaged model.
"""
from __future__ import annotations

import numpy as np

from dieroll import MODEL
from dieroll._months import paths_by_month, paths_on_grid
from dieroll.contract import OutputContract

SCALARS = MODEL.scalar_names
OUTPUTS = MODEL.outputs
CHANNELS, CONSTRAINTS, METRICS, ROUTES = (tuple(MODEL.labels[d]) for d in ("channel", "constraint", "metric",
                                                                           "route"))

__all__ = ["reference_outputs", "paths_on_grid"]

HBM_CONTROLS = 2024 * 12 + 11
FOUNDRY_RULE = 2025 * 12 + 0
A800_WINDOW = (2022 * 12 + 9, 2023 * 12 + 9)
H20_WINDOW = (2024 * 12 + 0, 2025 * 12 + 2)
H20_RESUMED_WINDOW = (2025 * 12 + 6, 2025 * 12 + 8)
H200_FROM = 2026 * 12 + 1
LICENSED_FROM = 2025 * 12 + 3


# --- one function per channel module -------------------------------------------

def _tsmc_arrivals(month, bank_month, x, proxy):
    """tsmc: the bank in its month, proxy dies from the Foundry Rule on."""
    d = np.where(month == bank_month, x["tsmc_dies"], 0.0)
    return d + (proxy if month >= FOUNDRY_RULE else 0.0)


def _smic_yield(x, progress):
    """smic: the yield path."""
    return x["smic_yield"] + np.maximum(0.0, x["smic_yield_mature"] - x["smic_yield"]) * progress


def _ascend_per_die(g, x):
    """ascend: packages and HBM stacks per die for a 950-class share g."""
    ppd = (1.0 - g) / x["dies_per_910c"] + g / x["dies_per_950"]
    spd = (1.0 - g) * x["hbm_stacks_per_die"] + g * x["hbm_stacks_per_950"] / x["dies_per_950"]
    return ppd, spd


def _ascend_limit(f_hbm, capacity, packages):
    """ascend: share packaged and the binding constraint (0 dies, 1 HBM, 2 packaging)."""
    f_pack = np.where(packages <= capacity, 1.0, capacity / np.where(packages > 0, packages, 1.0))
    f = np.minimum(f_hbm, f_pack)
    bind = np.where((f_hbm >= 1.0) & (f_pack >= 1.0), 0, np.where(f_hbm <= f_pack, 1, 2))
    return np.where(bind == 0, 1.0, f), bind


def _hbm_fraction(stock, need):
    """hbm: the share of the stacks needed that the stock covers."""
    return np.where((need <= stock) | (need <= 0), 1.0, stock / np.where(need > 0, need, 1.0))


def _h100e_per_die(g, x, metric):
    """conversion: H100e per Ascend die, before packaging yield and utilisation."""
    return ((1.0 - g) / x["dies_per_910c"] * x[f"h100e_910c_{metric}"]
            + g / x["dies_per_950"] * x[f"h100e_950_{metric}"])


def _nvidia_legal(month, x, licensed):
    """nvidia: chips this month by type (A800, H800, H20-class, H200)."""
    in_a800 = 1.0 / 13 if A800_WINDOW[0] <= month <= A800_WINDOW[1] else 0.0
    in_h20 = 1.0 / 15 if H20_WINDOW[0] <= month <= H20_WINDOW[1] else 0.0
    in_h20r = 1.0 / 3 if H20_RESUMED_WINDOW[0] <= month <= H20_RESUMED_WINDOW[1] else 0.0
    months = x["h200_delivery_months"]
    share = np.clip(np.minimum(month + 1.0, H200_FROM + months) - np.maximum(float(month), H200_FROM), 0.0, None) / months
    h200 = np.minimum(np.minimum(x["h200_us_cap"], x["h200_china_approved"]), x["h200_supply"]) * share
    lic = licensed if month >= LICENSED_FROM else 0.0
    return (x["a800_chips"] * in_a800, x["h800_chips"] * in_a800,
            x["h20_chips"] * in_h20 + x["h20_resumed_chips"] * in_h20r + lic, h200)


def _smuggled(x, trend, blackwell):
    """smuggled: chips this month and their H100e."""
    chips = x["smuggled_2024"] * trend / 12.0
    return chips, chips * ((1.0 - blackwell) * x["h100e_hopper"] + blackwell * x["h100e_blackwell"])


def reference_outputs(layout, scalars: np.ndarray, knots: np.ndarray, abs0: int) -> np.ndarray:
    """All outputs, ``(n_series, T, n)`` in the model contract's row order."""
    C = OutputContract(OUTPUTS)
    x = {name: scalars[:, i] for i, name in enumerate(SCALARS)}
    P = paths_by_month(layout, knots)
    n, T = scalars.shape[0], layout.pa_seg.shape[1]
    out = np.zeros((C.n_series, T, n))
    NR, NC = len(ROUTES), len(CHANNELS)
    survive = (1.0 - x["attrition_per_year"]) ** (1.0 / 12.0)
    loss = 1.0 - (1.0 - x["die_obsolescence_per_year"]) ** (1.0 / 12.0)
    bank_month = np.maximum(np.floor(12.0 * x["tsmc_bank_available"]), float(abs0))
    hbm = x["hbm_stockpile"].copy()
    waiting = np.zeros((NR, n))
    lost = np.zeros((NR, n))
    chips = np.zeros((NC, n))
    h = {m: np.zeros((NC, n)) for m in METRICS}
    legal = CHANNELS.index("nvidia_legal")
    chips[legal] = x["nvidia_prewindow_chips"]
    for m in METRICS:
        h[m][legal] = x["nvidia_prewindow_chips"] * x[f"h100e_a100_{m}"]
    ytd_made, ytd_chips = np.zeros((NR, n)), np.zeros((NC, n))
    ytd_china = {m: np.zeros(n) for m in METRICS}
    ytd_us = np.zeros(n)
    us_last = np.zeros(n)
    util = x["domestic_utilisation"]
    py = x["packaging_yield"]
    for t in range(T):
        month = abs0 + t
        yld = _smic_yield(x, P["smic_yield_progress"][t])
        arrivals = [_tsmc_arrivals(month, bank_month, x, P["tsmc_proxy_dies"][t]),
                    P["smic_wpm"][t] * P["smic_ascend_share"][t] * x["smic_dies_per_wafer"] * yld,
                    P["huawei_fab_wpm"][t] * x["smic_dies_per_wafer"] * yld]
        g = P["ascend_950_share"][t]
        g_route = [np.zeros(n), g, g]
        per_die = [_ascend_per_die(gr, x) for gr in g_route]
        packages = np.zeros(n)
        need = np.zeros(n)
        for r in range(NR):
            lose = waiting[r] * loss
            lost[r] = lost[r] + lose
            waiting[r] = waiting[r] - lose + arrivals[r]
            packages = packages + waiting[r] * per_die[r][0]
            need = need + waiting[r] * per_die[r][1]
        if month >= HBM_CONTROLS:
            hbm = hbm + (P["hbm_grey"][t] + P["hbm_domestic"][t])
            f_hbm = _hbm_fraction(hbm, need)
        else:
            f_hbm = np.ones(n)
        f, bind = _ascend_limit(f_hbm, P["packaging_capacity"][t], packages)
        if month >= HBM_CONTROLS:
            hbm = np.where((f_hbm < 1.0) & (f >= f_hbm), 0.0, hbm - f * need)
        new_chips = np.zeros((NC, n))
        new_h = {m: np.zeros((NC, n)) for m in METRICS}
        for r in range(NR):
            taken = f * waiting[r]
            waiting[r] = waiting[r] - taken
            c = CHANNELS.index(("tsmc_ascend", "smic_ascend", "huawei_fab_ascend")[r])
            new_chips[c] = taken * per_die[r][0] * py
            for m in METRICS:
                new_h[m][c] = taken * py * _h100e_per_die(g_route[r], x, m) * util
            route = ROUTES[r]
            out[C.row("ascend_packages", route=route), t] = new_chips[c]
            out[C.row("dies_waiting", route=route), t] = waiting[r]
            out[C.row("dies_lost", route=route), t] = lost[r]
        for k, name in enumerate(CONSTRAINTS):
            out[C.row("ascend_binding", constraint=name), t] = (bind == k).astype(float)
        out[C.row("hbm_stacks"), t] = hbm
        other = CHANNELS.index("other_domestic")
        new_chips[other] = P["smic_wpm"][t] * P["smic_other_share"][t] * x["other_dies_per_wafer"] * yld * py
        a800, h800, h20, h200 = _nvidia_legal(month, x, P["nvidia_licensed"][t])
        new_chips[legal] = a800 + h800 + h20 + h200
        smug, smug_h = _smuggled(x, P["smuggling_trend"][t], P["smuggled_blackwell_share"][t])
        sm = CHANNELS.index("nvidia_smuggled")
        new_chips[sm] = smug
        for m in METRICS:
            new_h[m][other] = new_chips[other] * x[f"h100e_other_{m}"] * util
            new_h[m][legal] = (a800 * x[f"h100e_a100_{m}"] + h800 * x[f"h100e_h800_{m}"] + h20 * x[f"h100e_h20_{m}"]
                               + h200 * x[f"h100e_h200_{m}"])
            new_h[m][sm] = smug_h
        chips = chips * survive + new_chips
        for m in METRICS:
            h[m] = h[m] * survive + new_h[m]
        for c, ch in enumerate(CHANNELS):
            out[C.row("china_chips", channel=ch), t] = chips[c]
            for m in METRICS:
                out[C.row("china_stock", channel=ch, metric=m), t] = h[m][c]
        us = P["us_h100e"][t]
        abroad = P["abroad_h100e"][t]
        out[C.row("us_total"), t] = us
        out[C.row("abroad_total"), t] = abroad
        for m in METRICS:
            total = _sum_rows(h[m])
            out[C.row("china_total", metric=m), t] = total
            out[C.row("china_firms_total", metric=m), t] = total + abroad
            out[C.row("us_china_ratio", metric=m), t] = us / np.maximum(total, 1.0)
        # calendar-year flows
        us_add = np.zeros(n) if t == 0 else us - us_last
        us_last = us
        if t == 0 or month % 12 == 0:
            ytd_made[:], ytd_chips[:], ytd_us = 0.0, 0.0, np.zeros(n)
            ytd_china = {m: np.zeros(n) for m in METRICS}
        for r, route in enumerate(ROUTES):
            ytd_made[r] = ytd_made[r] + new_chips[CHANNELS.index(("tsmc_ascend", "smic_ascend", "huawei_fab_ascend")[r])]
            out[C.row("ascend_made_ytd", route=route), t] = ytd_made[r]
        ytd_chips = ytd_chips + new_chips
        for c, ch in enumerate(CHANNELS):
            out[C.row("chips_added_ytd", channel=ch), t] = ytd_chips[c]
        ytd_us = ytd_us + us_add
        for m in METRICS:
            ytd_china[m] = ytd_china[m] + _sum_rows(new_h[m])
            out[C.row("h100e_added_ytd", country="china", metric=m), t] = ytd_china[m]
            out[C.row("h100e_added_ytd", country="us", metric=m), t] = ytd_us
            out[C.row("additions_ratio_ytd", metric=m), t] = ytd_us / np.maximum(ytd_china[m], 1.0)
    return out


def _sum_rows(a):
    """Sum over channels in channel order (the kernel's order of additions)."""
    s = np.zeros(a.shape[1])
    for row in a:
        s = s + row
    return s

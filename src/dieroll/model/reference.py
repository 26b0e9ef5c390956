"""A slow, plainly written numpy version of the model's equations, for tests.

It takes the same sampled inputs as the kernel (``scalars (n, S)`` and path
values on the time grid) and loops over months with whole-array numpy
operations over draws.  It shares no code with the kernels.
"""
from __future__ import annotations

import numpy as np

from .inputs import SCALARS

__all__ = ["reference_outputs", "paths_on_grid"]

HBM_CONTROLS = 2024 * 12 + 11
A800_WINDOW = (2022 * 12 + 9, 2023 * 12 + 9)
H20_WINDOW = (2024 * 12 + 0, 2025 * 12 + 2)
LICENSED_FROM = 2025 * 12 + 3


def paths_on_grid(layout, knots: np.ndarray) -> dict[str, np.ndarray]:
    """Interpolate every path's knots onto the time grid: name -> (n, T)."""
    return {k: v.T for k, v in _paths_by_month(layout, knots).items()}


def _paths_by_month(layout, knots: np.ndarray) -> dict[str, np.ndarray]:
    """As :func:`paths_on_grid`, name -> (T, n): a month's draws contiguous."""
    out = {}
    T = layout.pa_seg.shape[1]
    t = np.arange(T, dtype=float)
    for p, name in enumerate(layout.path_names):
        k0, nk = int(layout.pa_koff[p]), int(layout.pa_nk[p])
        v = knots[:, k0:k0 + nk]
        months = layout.knot_months[p]
        v = np.ascontiguousarray(v.T)  # (knot, n): a knot's draws contiguous
        if nk == 1:
            out[name] = np.repeat(v, T, axis=0)
            continue
        mode = int(layout.pa_interp[p])
        res = np.empty((T, v.shape[1]))
        for ti in range(T):
            if t[ti] <= months[0]:
                res[ti] = v[0]
            elif t[ti] >= months[-1]:
                res[ti] = v[-1]
            else:
                i = np.searchsorted(months, t[ti], side="right") - 1
                f = (t[ti] - months[i]) / (months[i + 1] - months[i])
                if mode == 0:
                    res[ti] = v[i] + f * (v[i + 1] - v[i])
                elif mode == 1:
                    res[ti] = np.exp(np.log(v[i]) + f * (np.log(v[i + 1]) - np.log(v[i])))
                else:
                    res[ti] = v[i]
        out[name] = res
    return out


def reference_outputs(layout, scalars: np.ndarray, knots: np.ndarray, abs0: int) -> np.ndarray:
    """All outputs, ``(22, T, n)`` in the kernel's series order."""
    x = {name: scalars[:, i] for i, name in enumerate(SCALARS)}
    P = _paths_by_month(layout, knots)
    n, T = scalars.shape[0], layout.pa_seg.shape[1]
    out = np.zeros((22, T, n))
    dpp = x["dies_per_910c"]
    stacks_per_pkg = x["hbm_stacks_per_die"] * dpp
    start = 12.0 * x["tsmc_packaging_start"]
    dur = x["tsmc_packaging_months"]
    survive = (1.0 - x["attrition_per_year"]) ** (1.0 / 12.0)
    hbm = x["hbm_stockpile"].copy()
    wait_tsmc = np.zeros(n)
    wait_smic = np.zeros(n)
    chips = np.zeros((4, n))
    inf = np.zeros((4, n))
    trn = np.zeros((4, n))
    chips[2] = x["nvidia_prewindow_chips"]
    inf[2] = x["nvidia_prewindow_chips"] * x["h100e_a100_inference"]
    trn[2] = x["nvidia_prewindow_chips"] * x["h100e_a100_training"]
    for t in range(T):
        month = abs0 + t
        overlap = np.clip(np.minimum(month + 1.0, start + dur) - np.maximum(float(month), start), 0.0, None)
        wait_tsmc = wait_tsmc + x["tsmc_dies"] / dpp * overlap / dur
        yld = x["smic_yield"] + np.maximum(0.0, x["smic_yield_mature"] - x["smic_yield"]) * P["smic_yield_progress"][t]
        wait_smic = wait_smic + (P["smic_wpm"][t] * P["smic_ascend_share"][t] * x["smic_dies_per_wafer"]
                                 * yld / dpp)
        if month >= HBM_CONTROLS:
            hbm = hbm + P["hbm_domestic"][t]
            need = stacks_per_pkg * (wait_tsmc + wait_smic)
            frac = np.where((need <= hbm) | (need <= 0), 1.0, hbm / np.where(need > 0, need, 1.0))
        else:
            frac = np.ones(n)
        made_tsmc = frac * wait_tsmc
        made_smic = frac * wait_smic
        if month >= HBM_CONTROLS:
            hbm = np.where(frac < 1.0, 0.0, hbm - stacks_per_pkg * (made_tsmc + made_smic))
        wait_tsmc = wait_tsmc - made_tsmc
        wait_smic = wait_smic - made_smic
        good_tsmc = made_tsmc * x["packaging_yield"]
        good_smic = made_smic * x["packaging_yield"]
        in_a800 = 1.0 / 13 if A800_WINDOW[0] <= month <= A800_WINDOW[1] else 0.0
        in_h20 = 1.0 / 15 if H20_WINDOW[0] <= month <= H20_WINDOW[1] else 0.0
        licensed = P["nvidia_licensed"][t] if month >= LICENSED_FROM else np.zeros(n)
        a800 = x["a800_chips"] * in_a800
        h800 = x["h800_chips"] * in_a800
        h20 = x["h20_chips"] * in_h20 + licensed
        smuggled = P["smuggled_per_year"][t] / 12.0
        util = x["ascend_utilisation"]
        new_chips = [good_tsmc, good_smic, a800 + h800 + h20, smuggled]
        new_inf = [good_tsmc * x["h100e_910c_inference"] * util, good_smic * x["h100e_910c_inference"] * util,
                   a800 * x["h100e_a100_inference"] + h800 * x["h100e_h800_inference"] + h20 * x["h100e_h20_inference"],
                   smuggled * x["h100e_smuggled"]]
        new_trn = [good_tsmc * x["h100e_910c_training"] * util, good_smic * x["h100e_910c_training"] * util,
                   a800 * x["h100e_a100_training"] + h800 * x["h100e_h800_training"] + h20 * x["h100e_h20_training"],
                   smuggled * x["h100e_smuggled"]]
        for c in range(4):
            chips[c] = chips[c] * survive + new_chips[c]
            inf[c] = inf[c] * survive + new_inf[c]
            trn[c] = trn[c] * survive + new_trn[c]
            out[2 * c, t] = inf[c]
            out[2 * c + 1, t] = trn[c]
            out[18 + c, t] = chips[c]
        us = P["us_h100e"][t]
        out[8, t] = inf.sum(axis=0)
        out[9, t] = trn.sum(axis=0)
        out[10, t] = us
        out[11, t] = us / np.maximum(out[8, t], 1.0)
        out[12, t] = us / np.maximum(out[9, t], 1.0)
        out[13, t] = good_tsmc
        out[14, t] = good_smic
        out[15, t] = wait_tsmc
        out[16, t] = wait_smic
        out[17, t] = hbm
    return out

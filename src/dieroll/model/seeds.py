"""The seed-arithmetic model: the documents' own back-of-envelope sums, per month.

A second, small model (used by the benchmarks, the engine's tests and the
``reproduce-seeds`` notebook)::

    tsmc_h100e   = tsmc_dies / dies_per_910c * packaging_yield * h100e_910c
    smic_pkgs(t) = smic_wpm(t) * smic_share * dies_per_wafer * smic_yield / dies_per_910c
    china(t)     = tsmc_h100e + sum_{s <= t} smic_pkgs(s) * packaging_yield * h100e_910c
                   + smuggled_per_month * (t + 1)

CSIS (2025-03-07) j.15 and j.18; Heim (RAND, 2025-05-02).
"""
from __future__ import annotations

import math


from numba import prange

from .._jit import kernel
from ..catalog import InputSpec, Model, OutputSpec

__all__ = ["SEED_MODEL"]

_I = InputSpec
INPUTS = (
    _I("tsmc_dies", "die", "Ascend 910B dies TSMC made for Huawei", "tsmc_ascend", 0, math.inf),
    _I("dies_per_910c", "die/package", "910B dies per 910C", "ascend", 1, 4),
    _I("packaging_yield", "1", "910C surviving packaging", "ascend", 0, 1),
    _I("h100e_910c", "H100e/chip", "910C relative to H100", "conversion", 0, 4),
    _I("smic_wpm", "wafer/month", "SMIC 7 nm wafers per month", "smic_ascend", 0, math.inf, path=True),
    _I("smic_share", "1", "Share of wafers to Ascend", "smic_ascend", 0, 1),
    _I("dies_per_wafer", "die/wafer", "Gross dies per wafer", "smic_ascend", 0, math.inf),
    _I("smic_yield", "1", "SMIC 910B yield", "smic_ascend", 0, 1),
    _I("smuggled_per_month", "chip/month", "H100s smuggled per month", "nvidia_smuggled", 0, math.inf),
)
OUTPUTS = (
    OutputSpec("china_total", "H100e", "China AI compute in hand, H100-equivalents"),
    OutputSpec("smic_packages", "package/month", "SMIC-made 910C per month before packaging losses"),
)


@kernel(parallel=True)
def _run(sc, kn, koff, seg, frac, out):
    n = sc.shape[0]
    T = out.shape[1]
    for j in prange(n):
        dies, dpp, py, h, share, dpw, yld, smug = (sc[j, 0], sc[j, 1], sc[j, 2], sc[j, 3], sc[j, 4], sc[j, 5],
                                                   sc[j, 6], sc[j, 7])
        base = dies / dpp * py * h
        acc = 0.0
        for t in range(T):
            i = seg[t]
            a = kn[j, koff + i]
            wpm = a + frac[t] * (kn[j, koff + i + 1] - a) if i + 1 < kn.shape[1] - koff else a
            pk = wpm * share * dpw * yld / dpp
            acc += pk * py * h
            out[0, t, j] = base + acc + smug * (t + 1)
            out[1, t, j] = pk


def _run_chunk(layout, scalars, knots, abs0, out):
    _run(scalars, knots, int(layout.pa_koff[0]), layout.pa_seg[0], layout.pa_frac[0], out)


SEED_MODEL = Model(name="seed-arithmetic", inputs={i.name: i for i in INPUTS}, outputs=OUTPUTS,
                   run_chunk=_run_chunk)

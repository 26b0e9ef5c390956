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

import numpy as np
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


_B = 256  # draws per block: the block's inputs and running sums stay in L1


@kernel(parallel=True)
def _run(sc, kn, koff, seg, frac, out):
    """``out[0 | 1, t, draw]`` for the chunk; draws innermost, in blocks of ``_B``.

    Per draw the arithmetic is the module docstring's, in its order (the same
    bits as a loop over draws); the loops over a block's draws read and write
    with unit stride, so they are vectorised.
    """
    n = sc.shape[0]
    T = out.shape[1]
    nk = kn.shape[1] - koff
    nblocks = (n + _B - 1) // _B
    for b in prange(nblocks):
        j0 = b * _B
        m = min(n, j0 + _B) - j0
        v = np.empty((8, _B))
        base = np.empty(_B)
        acc = np.zeros(_B)
        kb = np.empty((nk, _B))
        for q in range(8):
            for j in range(m):
                v[q, j] = sc[j0 + j, q]
        for q in range(nk):
            for j in range(m):
                kb[q, j] = kn[j0 + j, koff + q]
        for j in range(m):
            base[j] = v[0, j] / v[1, j] * v[2, j] * v[3, j]
        for t in range(T):
            i = seg[t]
            f = frac[t]
            last = i + 1 >= nk
            i1 = i if last else i + 1
            k = float(t + 1)
            for j in range(m):
                a = kb[i, j]
                wpm = a if last else a + f * (kb[i1, j] - a)
                pk = wpm * v[4, j] * v[5, j] * v[6, j] / v[1, j]
                acc[j] += pk * v[2, j] * v[3, j]
                out[0, t, j0 + j] = base[j] + acc[j] + v[7, j] * k
                out[1, t, j0 + j] = pk


def _run_chunk(layout, scalars, knots, abs0, out):
    _run(scalars, knots, int(layout.pa_koff[0]), layout.pa_seg[0], layout.pa_frac[0], out)


SEED_MODEL = Model(name="seed-arithmetic", inputs={i.name: i for i in INPUTS}, outputs=OUTPUTS,
                   run_chunk=_run_chunk)

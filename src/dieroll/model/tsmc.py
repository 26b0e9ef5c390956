"""TSMC-made Ascend: a one-off stock of 910B dies packaged into 910C over some months.

Packages released for packaging in month ``[a, a+1)`` (absolute months)::

    released(a) = dies / dies_per_910c * overlap([a, a+1), [S, S+D)) / D

with ``S = 12 * tsmc_packaging_start`` and ``D = tsmc_packaging_months``.
Released dies wait for HBM (:mod:`.hbm`); packaging yield applies when packaged.
Sources: dies > 2 M (CSIS 2025-03-07, judgment 15), ~3 M (Heim, RAND 2025-05-02);
2 dies per 910C (CSIS j.14, 15, 18); ~75 % packaging yield (CSIS j.15).
"""
from __future__ import annotations

from .._jit import kernel


@kernel
def released(a, start, duration, dies, dies_per_pkg):
    """910C packages' worth of TSMC dies released in absolute month ``a``."""
    lo = max(float(a), start)
    hi = min(a + 1.0, start + duration)
    if hi <= lo:
        return 0.0
    return dies / dies_per_pkg * (hi - lo) / duration

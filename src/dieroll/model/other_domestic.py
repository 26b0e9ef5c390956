"""Other Chinese AI-chip designers on SMIC's lines (Cambricon, Hygon, Kunlunxin, ...).

Their own route: wafers SMIC gives them become chips after yield and
packaging yield::

    chips(t) = smic_wpm(t) * smic_other_share(t) * other_dies_per_wafer * yield(t) * packaging_yield

Their HBM and packaging are not modelled (they compete with Huawei for both;
a limitation the docs state).  Sources: Cambricon revenue CNY 4.6 B in the
first nine months of 2025; a reported 500k-unit 2026 target was denied;
Kunlunxin, Hygon, Iluvatar, MetaX and Moore Threads compete for capacity
(company filings and reporting 2025-12, via secondary reporting).
"""
from __future__ import annotations

from .._jit import kernel

STATE: tuple = ()


@kernel
def chips(wpm, share, dies_per_wafer, yld, pack_yield):
    """Other designers' chips made in a month."""
    return wpm * share * dies_per_wafer * yld * pack_yield

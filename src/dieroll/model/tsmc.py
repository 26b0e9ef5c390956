"""TSMC-made Ascend: a bank of dies, plus any proxy fabrication that continues.

Dies joining the TSMC route's queue in absolute month ``a``::

    arrivals(a) = tsmc_dies                 if a == max(B, first month of the run)
                + tsmc_proxy_dies(a)        if a >= Jan 2025 (the Foundry Rule)

with ``B = floor(12 * tsmc_bank_available)``.  The bank does not become
packages by itself: it waits in the queue and is drawn at the rate HBM and
packaging allow (:mod:`.ascend`).  All TSMC dies become 910C packages.

Sources: dies > 2 M (CSIS 2025-03-07, j.15), ~3 M (Heim, RAND 2025-05-02),
> 2.9 M (SemiAnalysis 2025-09, via secondary reporting).  Proxy fabrication
after the Foundry Rule: no document gives a figure (judgement).
"""
from __future__ import annotations

from .._jit import kernel

FOUNDRY_RULE = 2025 * 12 + 0  # Jan 2025, absolute month

#: Per-draw state this channel keeps (it keeps none; its queue is in :mod:`.ascend`).
STATE: tuple = ()


@kernel
def arrivals(a, bank_month, bank, proxy):
    """Dies reaching the TSMC queue in absolute month ``a``."""
    d = bank if a == bank_month else 0.0
    if a >= FOUNDRY_RULE:
        d += proxy
    return d

"""HBM: a stockpile, grey-market imports and domestic supply, drawn by packages.

HBM was not controlled before December 2024: until then Ascend output is not
limited by HBM and the stock is not drawn.  From December 2024 the stock starts
at ``hbm_stockpile`` and each month::

    stock += hbm_grey(t) + hbm_domestic(t)
    f_hbm  = min(1, stock / need)       need = sum_r W_r * spd_r  (:mod:`.ascend`)
    stock -= f * need                   (0 when HBM binds)

Stacks are fungible here: Samsung stacks in the stockpile, grey imports and
CXMT's or Huawei's own stacks all serve 910C and 950-class packages alike.

Sources: stockpile "at least a full year's worth of production" (CSIS j.15);
Samsung 11.4 M stacks (7 M shipped in Dec 2024), ~13 M in total (SemiAnalysis
2025-09); CXMT HBM3 samples to Huawei, mass production targeted for 2026 at
~30k wafers/month at first, still sampling in Apr 2026 (IPO reporting, MK);
via secondary reporting.  Grey imports: no document gives a figure.
"""
from __future__ import annotations

from .._jit import kernel

CONTROLS = 2024 * 12 + 11  # Dec 2024, absolute month of the country-wide HBM controls

#: Per-draw state: the stock of stacks.
STATE = (("stock", 1),)


@kernel
def available(stock, need):
    """Fraction of the stacks ``need`` the stock can serve."""
    if need <= stock or need <= 0.0:
        return 1.0
    return stock / need


@kernel
def draw(stock, f, f_hbm, need):
    """The stock after packaging a share ``f`` of the queues (empty when HBM bound)."""
    if f_hbm < 1.0 and f >= f_hbm:
        return 0.0
    return stock - f * need

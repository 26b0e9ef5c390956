"""HBM: a stockpile plus domestic supply, drawn down by stacks per 910C.

HBM was not controlled before December 2024, so before then Ascend output is
not limited by HBM and the stockpile is not drawn; from December 2024 the
stock starts at ``hbm_stockpile``.  Each month the stock gains ``hbm_domestic(t)``; dies waiting on both routes ask
for ``stacks_per_pkg = hbm_stacks_per_die * dies_per_910c`` stacks per package
attempted.  If the stock cannot cover them, both routes are packaged in
proportion and the rest keep waiting (``ascend_waiting``)::

    f = min(1, stock / (stacks_per_pkg * (wait_tsmc + wait_smic)))
    attempted_r = f * wait_r;   stock -= stacks_per_pkg * sum_r attempted_r

Sources: stockpile of "at least a full year's worth of production" before the
Dec 2024 controls; open whether enough for 1 M 910C (CSIS j.15); 8 stacks per
910C (4 per die), widely reported.
"""
from __future__ import annotations

from .._jit import kernel

CONTROLS = 2024 * 12 + 11  # Dec 2024, absolute month of the country-wide HBM controls


@kernel
def packable_fraction(stock, stacks_per_pkg, waiting):
    """Fraction of the waiting packages the HBM stock can serve."""
    need = stacks_per_pkg * waiting
    if need <= stock or need <= 0.0:
        return 1.0
    return stock / need

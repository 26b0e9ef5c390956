"""Calendar-year flows, accumulated per draw during the run.

Each ``*_ytd`` output is a running sum that restarts every January::

    ytd(t) = flow(t)                 if t is a January (or the run's first month)
           = ytd(t - 1) + flow(t)    otherwise

so in December it is the draw's flow for the calendar year, and its quantiles
there are the yearly flow's quantiles.  The flows are good Ascend packages by
route, chips acquired by channel (before attrition), China's H100e added (new
chips) and the US's (the growth of ``us_h100e``, which is net of
retirements), and the US:China ratio of the year's additions (China floored
at 1 H100e).
"""
from __future__ import annotations

from .._jit import kernel

#: Per-draw state: running sums (the outputs hold them) and last month's US stock.
STATE = (("us_last", 1),)


@kernel
def restarts(a, t):
    """True when month ``a`` (step ``t``) starts a new year of flows."""
    return t == 0 or a % 12 == 0

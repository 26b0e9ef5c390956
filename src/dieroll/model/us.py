"""The United States: an H100-equivalent stock path, and the ratio US / China.

``us_total(t) = us_h100e(t)``; ``ratio_k(t) = us_total(t) / max(china_total_k(t), 1)``
(China's total is floored at one H100e so that the ratio stays finite).
Sources: Nvidia cumulative 2022 - Q4 2025 13.7 M H100e (11.9-15.5 M)
worldwide, most to US-headquartered owners, plus Google TPU 3.8 M and Trainium
1.0 M (Epoch AI, 2026-04); global AI compute > 15 M H100e by Jan 2026, 90 %
intervals about 2x wide (Epoch AI); US share of AI supercomputer performance
~75 % (Epoch AI, June 2025).  The US stock is taken as given (net of retirements); no attrition is
applied to it.
"""
from __future__ import annotations

from .._jit import kernel

STATE: tuple = ()


@kernel
def ratio(us, china):
    """US / China, China floored at 1 H100e."""
    return us / max(china, 1.0)

"""Nvidia chips reaching China legally (chips per month), by type.

Each shipment is spread evenly over its window of months:

* A800 and H800: Oct 2022 - Oct 2023 (13 months, CSIS j.4);
* H20: Jan 2024 - Mar 2025 (15 months; ~1 M in 2024, CSIS j.15; licence
  requirement April 2025, Zhang op-ed);
* H20 after the rule: ``h20_resumed_chips`` over Jul - Sep 2025 (resumption
  allowed July 2025, production halted Aug 2025 after China's regulator
  summoned Nvidia; Q2 FY26 no H20 to China, Q3 ~$50 M: Nvidia filings);
* H200, with two gates: ``delivered = min(h200_us_cap, h200_china_approved,
  h200_supply)``, spread over ``h200_delivery_months`` from Feb 2026 (BIS
  rule 2026-01-13 caps China at 50 % of US customers' volume; China's customs
  blocked them 2026-01-14, then approved > 400k for three firms 2026-01-28;
  ~700k in inventory; Nvidia's outlook of 2026-05-20 assumes no China
  data-centre revenue: Reuters and others, via secondary reporting);
* ``nvidia_licensed(t)`` H20-class chips per month from April 2025 (an
  analyst's switch for other licences);

plus ``nvidia_prewindow_chips`` (A100-class) in hand at the run start.
"""
from __future__ import annotations

from .._jit import kernel

A800_FIRST = 2022 * 12 + 9    # Oct 2022, absolute month
A800_LAST = 2023 * 12 + 9     # Oct 2023
H20_FIRST = 2024 * 12 + 0     # Jan 2024
H20_LAST = 2025 * 12 + 2      # Mar 2025
LICENSED_FIRST = 2025 * 12 + 3  # Apr 2025
H20_RESUMED_FIRST = 2025 * 12 + 6  # Jul 2025
H20_RESUMED_LAST = 2025 * 12 + 8   # Sep 2025
H200_FIRST = 2026 * 12 + 1    # Feb 2026

STATE: tuple = ()


@kernel
def window_share(a, first, last):
    """Share of a total spread evenly over months ``first..last`` falling in month ``a``."""
    if first <= a <= last:
        return 1.0 / (last - first + 1)
    return 0.0


@kernel
def spread_share(a, first, months):
    """Share of a total spread evenly over ``months`` (may be fractional) from month ``first``."""
    lo = max(float(a), float(first))
    hi = min(a + 1.0, first + months)
    if hi <= lo:
        return 0.0
    return (hi - lo) / months


@kernel
def h200_delivered(us_cap, china_approved, supply):
    """H200 chips delivered: the smallest of the two gates and what Nvidia can supply."""
    return min(us_cap, china_approved, supply)

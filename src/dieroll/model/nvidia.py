"""Nvidia chips reaching China, legally and smuggled (chips per month).

Legal: A800 and H800 spread evenly over Oct 2022 - Oct 2023 (13 months, CSIS
j.4); H20 spread evenly over Jan 2024 - Mar 2025 (15 months; ~1 M in 2024, CSIS
j.15; licence requirement April 2025, Zhang op-ed); ``nvidia_licensed(t)`` chips
per month from April 2025.  Plus ``nvidia_prewindow_chips`` (A100-class) in hand
at the run start.  Smuggled: ``smuggled_per_year(t) / 12`` per month (CSIS j.4,
j.10; Heim: "tens of thousands of units, not millions").
"""
from __future__ import annotations

from .._jit import kernel

A800_FIRST = 2022 * 12 + 9   # Oct 2022, absolute month
A800_LAST = 2023 * 12 + 9    # Oct 2023
H20_FIRST = 2024 * 12 + 0    # Jan 2024
H20_LAST = 2025 * 12 + 2     # Mar 2025
LICENSED_FIRST = 2025 * 12 + 3  # Apr 2025


@kernel
def window_share(a, first, last):
    """Share of a total spread evenly over months ``first..last`` falling in month ``a``."""
    if first <= a <= last:
        return 1.0 / (last - first + 1)
    return 0.0

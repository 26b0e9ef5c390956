"""Nvidia chips smuggled into China: a 2024 volume, a trend, and a Hopper/Blackwell mix.

::

    chips(t)  = smuggled_2024 * smuggling_trend(t) / 12            per month
    h100e(t)  = chips(t) * ((1 - b(t)) * h100e_hopper + b(t) * h100e_blackwell)

with ``b(t) = smuggled_blackwell_share(t)``, the same factor for both metrics.
The 2024 volume carries the competing claims (CNAS: median ~140k, from 10k
to "several hundred thousand"; Heim: "tens of thousands of units, not
millions"); the trend is relative to 2024 (enforcement, new networks).
Sources: CSIS j.4, j.10; Heim 2025-05-02; CNAS (Grunewald & Fist) 2025-06-11;
cases of >= $1 B in three months (FT, mid-2025) and Megaspeed ~$2 B (reporting).
"""
from __future__ import annotations

from .._jit import kernel

STATE: tuple = ()


@kernel
def chips(level_2024, trend):
    """Chips smuggled in a month."""
    return level_2024 * trend / 12.0


@kernel
def h100e(chips, blackwell_share, per_hopper, per_blackwell):
    """H100-equivalents of a month's smuggled chips."""
    return chips * ((1.0 - blackwell_share) * per_hopper + blackwell_share * per_blackwell)

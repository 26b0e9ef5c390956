"""Attrition: a yearly failure and retirement rate applied to every China stock.

Monthly survival ``s = (1 - attrition_per_year) ** (1/12)``; each month
``stock = stock * s + new`` for chips and for H100e of both metrics, per
channel.  Sources: Llama 3 training, <= 6 %/yr GPU and <= 9 %/yr GPU+HBM
interruptions (upper bounds; Meta, arXiv 2407.21783); a 3 %/yr hazard and
long-lived fleets (Clymer's notes); accounting lives of 4-6 years (company
filings).
"""
from __future__ import annotations

from .._jit import kernel

#: Per-draw state: chips and H100e (inference, training) in hand, per channel.
STATE = (("chips", 6), ("inference", 6), ("training", 6))


@kernel
def monthly_survival(per_year):
    """Fraction of a stock surviving one month."""
    return (1.0 - per_year) ** (1.0 / 12.0)

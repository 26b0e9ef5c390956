"""Attrition: a yearly failure and retirement rate applied to every China stock.

Monthly survival ``s = (1 - attrition_per_year) ** (1/12)``; each month
``stock = stock * s + new``.  No document gives a figure; "a few percent per
year in large clusters, economic life ~4-6 years" (industry reporting).
"""
from __future__ import annotations

from .._jit import kernel


@kernel
def monthly_survival(per_year):
    """Fraction of a stock surviving one month."""
    return (1.0 - per_year) ** (1.0 / 12.0)

"""The defaults shared across dieroll, each written once.

A label set's default label (which ``metric`` a chart shows unless told) is
not here: it belongs to the model and is declared in its file
(``[labels.<set>] default``, read by :func:`dieroll.selection.label_default`).
"""
from __future__ import annotations

__all__ = ["MONTH", "QUANTILES"]

#: The month (``YYYY-MM``) that analyses, histograms and disputes read unless told.
MONTH = "2026-12"
#: The quantile levels a run reports unless its priors' ``[run] quantiles`` say otherwise.
QUANTILES = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)

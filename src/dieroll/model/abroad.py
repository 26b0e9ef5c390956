"""Compute Chinese firms use from abroad, kept apart from chips in China.

``abroad_total(t) = abroad_h100e(t)`` (rented cloud and offshore data centres,
in H100-equivalents, the same for both metrics), and::

    china_firms_total_m(t) = china_total_m(t) + abroad_total(t)

It is a stock used, not chips owned in China: no attrition is applied (the
path is net) and it is not in ``china_total`` or the US:China ratio.
Sources: ByteDance using ~36k B200 through a Malaysian cloud (reporting,
2026-03); CNAS cloud-diversion pathway, median 18k chips a year (2023-10).
"""
from __future__ import annotations

STATE: tuple = ()

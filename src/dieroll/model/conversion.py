"""Conversion to H100-equivalents for two metrics, ``inference`` and ``training``.

``H100e = chips * factor[chip type, metric]``; for Chinese-made chips also times
``domestic_utilisation`` (software, cluster scaling).  Per Ascend die packaged
(a share ``g`` of domestic dies as 950-class, TSMC dies all 910C)::

    H100e per die_m = ((1 - g) / dies_per_910c * h100e_910c_m + g / dies_per_950 * h100e_950_m)
                      * packaging_yield * domestic_utilisation

Sources: 910C ~0.6 of H100 for inference (DeepSeek evaluation, CSIS j.14;
Zhang), "far less" for training; Chinese systems lose 40-50 % of peak at
cluster scale vs 20-30 % for Nvidia (industry reporting 2025); specification
ratios (Total Processing Performance for training, memory bandwidth for
inference) for A100/A800, H800, H20, H200, Hopper and Blackwell.
"""
from __future__ import annotations

from .._jit import kernel

STATE: tuple = ()


@kernel
def h100e(chips, factor, utilisation):
    """H100-equivalents of ``chips`` at ``factor`` H100e per chip times ``utilisation``."""
    return chips * factor * utilisation


@kernel
def ascend_per_die(g, dies_per_910c, dies_per_950, per_910c, per_950):
    """H100e per Ascend die packaged (before yield and utilisation), a share ``g`` as 950-class."""
    return (1.0 - g) / dies_per_910c * per_910c + g / dies_per_950 * per_950

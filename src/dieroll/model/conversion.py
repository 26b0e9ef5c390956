"""Conversion to H100-equivalents for two metrics, ``inference`` and ``training``.

``H100e = chips * factor[chip type, metric]``, and for Ascend also times
``ascend_utilisation`` (CANN software, cluster integration; CSIS j.19-20).
910C ~0.6 of H100 for inference (DeepSeek evaluation, CSIS j.14, Zhang);
"far less" for training.  Other chips: Total Processing Performance ratios for
training (A100/A800 0.32, H800 1.0 before interconnect, H20 0.15), memory
bandwidth for inference (H20 counts for far more than its TPP).
"""
from __future__ import annotations

from .._jit import kernel


@kernel
def h100e(chips, factor, utilisation):
    """H100-equivalents of ``chips`` at ``factor`` H100e per chip times ``utilisation``."""
    return chips * factor * utilisation

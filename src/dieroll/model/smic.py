"""SMIC-made Ascend: a monthly flow of 7 nm wafers turned into 910C packages.

::

    yield(t)   = y0 + max(0, y_mature - y0) * progress(t)
    dies(t)    = wpm(t) * share(t) * dies_per_wafer * yield(t)
    packages(t)= dies(t) / dies_per_910c          (before packaging yield and HBM)

Sources (CSIS 2025-03-07): ~20k WPM late 2024, 50k target end 2025, 85k ceiling
(j.16-18); ~80 gross dies per wafer (j.16); yield ~20 % (CSIS, industry) vs
~40 % (Financial Times 2025-02-24) (j.16), "will likely improve significantly"
(j.18).  Worked example: 50,000 x 80 x 20 % / 2 = 400,000 910C/month (j.18).
"""
from __future__ import annotations

from .._jit import kernel


@kernel
def yield_at(y0, mature, progress):
    """Yield after closing ``progress`` of the gap to ``mature`` (never below ``y0``)."""
    return y0 + max(0.0, mature - y0) * progress


@kernel
def packages(wpm, share, dies_per_wafer, yld, dies_per_pkg):
    """910C packages' worth of good dies made in a month."""
    return wpm * share * dies_per_wafer * yld / dies_per_pkg

"""Domestic wafers: SMIC's 7 nm-class lines and Huawei's own fabs, as good dies per month.

::

    yield(t)          = y0 + max(0, y_mature - y0) * progress(t)
    smic_dies(t)      = smic_wpm(t) * smic_ascend_share(t) * dies_per_wafer * yield(t)
    huawei_fab_dies(t)= huawei_fab_wpm(t) * dies_per_wafer * yield(t)

Huawei-dedicated fabs run the same N+2-class process with the same tools, so
they take SMIC's gross dies per wafer and yield (a judgement).  The dies join
each route's queue (:mod:`.ascend`).  SMIC's wafers are shared with other
designers (:mod:`.other_domestic`), so ``smic_ascend_share + smic_other_share``
should stay at most 1 (the rest are phone and other chips).

Sources (CSIS 2025-03-07): ~20k WPM late 2024, 50k target end 2025, 85k ceiling
(j.16-18); ~80 gross dies per wafer (j.16); yield ~20 % (CSIS) vs ~40 %
(Financial Times 2025-02-24) (j.16).  Later: 22k (2025) -> 42k WPM (2026)
(Morgan Stanley); 45k (end 2025) -> 60k -> 80k (SemiAnalysis); ~30 % AI-die
yield through 2025 (Morgan Stanley); three Huawei fabs, one end 2025 and two
in 2026 (Financial Times 2025-08-27); all via secondary reporting.
Worked example: 50,000 x 80 x 20 % / 2 = 400,000 910C/month (CSIS j.18).
"""
from __future__ import annotations

from .._jit import kernel

STATE: tuple = ()


@kernel
def yield_at(y0, mature, progress):
    """Yield after closing ``progress`` of the gap to ``mature`` (never below ``y0``)."""
    return y0 + max(0.0, mature - y0) * progress


@kernel
def good_dies(wpm, share, dies_per_wafer, yld):
    """Good dies made in a month from ``wpm`` wafer starts, ``share`` of them for this use."""
    return wpm * share * dies_per_wafer * yld

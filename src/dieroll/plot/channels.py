"""Where China's compute comes from: median stock by channel, stacked."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from .style import colors, date_axis, quantity_axis, record

__all__ = ["channels"]

_LABELS = {"tsmc_ascend": "Ascend, TSMC-made dies", "smic_ascend": "Ascend, SMIC-made",
           "huawei_fab_ascend": "Ascend, Huawei fabs", "other_domestic": "Other Chinese designers",
           "nvidia_legal": "Nvidia, legal", "nvidia_smuggled": "Nvidia, smuggled"}


def channels(ds, ax=None, *, metric: str = "inference", log: bool = False):
    """Stack each channel's median stock (medians of parts do not add up to the
    median of the total; the total's median is drawn as a line for comparison).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    da = ds["china_stock"].sel(metric=metric, quantile=0.5)
    t = da["time"].values
    ys = [da.sel(channel=c).values for c in da["channel"].values]
    ax.stackplot(t, ys, labels=[_LABELS.get(str(c), str(c)) for c in da["channel"].values],
                 colors=colors["claim"][:len(ys)], alpha=0.85, linewidth=0)
    total = ds["china_total"].sel(metric=metric, quantile=0.5).values
    ax.plot(t, total, color="#000000", linewidth=1.0, linestyle="--", label="median of the total")
    months = pd.to_datetime(t).strftime("%Y-%m")
    record(ax, pd.DataFrame({"series": [str(c) for c in da["channel"].values for _ in t] + ["total"] * len(t),
                             "time": list(months) * (len(ys) + 1),
                             "median": [v for y in ys for v in y] + list(total)}))
    date_axis(ax)
    quantity_axis(ax, log=log)
    ax.set_ylabel("H100-equivalents")
    ax.margins(x=0)
    return ax

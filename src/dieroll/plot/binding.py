"""What limits Ascend output: the share of draws bound by dies, HBM or packaging."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from .style import colors, date_axis, record

__all__ = ["binding"]

_LABELS = {"dies": "dies (every waiting die packaged)", "hbm": "HBM", "packaging": "packaging capacity"}


def binding(ds, ax=None):
    """Stack, month by month, the share of draws in which each constraint binds.

    Reads ``ascend_binding_mean`` (the mean of a 0/1 indicator is the share of
    draws).  The shares add up to 1 in every month.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    da = ds["ascend_binding_mean"]
    t = da["time"].values
    names = [str(c) for c in da["constraint"].values]
    ax.stackplot(t, [da.sel(constraint=c).values for c in names], labels=[_LABELS.get(c, c) for c in names],
                 colors=colors["claim"][:len(names)], alpha=0.85, linewidth=0)
    months = pd.to_datetime(t).strftime("%Y-%m")
    record(ax, pd.DataFrame({"constraint": [c for c in names for _ in t], "time": list(months) * len(names),
                             "share_of_draws": [v for c in names for v in da.sel(constraint=c).values]}))
    date_axis(ax)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda x, _p: f"{x:.0%}"))
    ax.set_ylabel("share of draws")
    ax.margins(x=0)
    return ax

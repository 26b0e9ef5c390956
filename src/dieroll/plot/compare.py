"""Scenario comparison: medians with 90 % bands on one axis, or small multiples."""
from __future__ import annotations

import matplotlib.pyplot as plt

from .fan import _select
from .style import colors, date_axis, quantity_axis

__all__ = ["compare"]


def compare(runs: dict, var: str = "china_total", ax=None, *, metric: str = "inference", log: bool = False):
    """Overlay each scenario's median and 90 % band.

    Parameters
    ----------
    runs : dict of str to xarray.Dataset
        Scenario label -> summary Dataset.
    var, metric, log
        As for :func:`dieroll.plot.fan`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    for i, (label, ds) in enumerate(runs.items()):
        da = _select(ds, var, metric)
        c = colors["claim"][i % len(colors["claim"])]
        t = da["time"].values
        ax.fill_between(t, da.sel(quantile=0.05).values, da.sel(quantile=0.95).values, color=c, alpha=0.10,
                        linewidth=0)
        for q in (0.05, 0.95):
            ax.plot(t, da.sel(quantile=q).values, color=c, linewidth=0.6, alpha=0.7)
        ax.plot(t, da.sel(quantile=0.5).values, color=c, label=label)
    date_axis(ax)
    quantity_axis(ax, log=log)
    units = next(iter(runs.values()))[var].attrs.get("units", "")
    ax.set_ylabel("H100-equivalents" if units == "H100e" else units)
    ax.margins(x=0)
    return ax

"""Scenario comparison: medians with 90 % bands on one axis, or small multiples."""
from __future__ import annotations

import matplotlib.pyplot as plt

from ..selection import headline, select
from .fan import quantile_table
from .style import axis_label, colors, date_axis, quantity_axis, record

__all__ = ["compare"]


def compare(runs: dict, var: str | None = None, ax=None, *, metric: str | None = None, log: bool = False,
            **labels):
    """Overlay each scenario's median and 90 % band.

    Parameters
    ----------
    runs : dict of str to xarray.Dataset
        Scenario label -> summary Dataset.
    var, metric, log, **labels
        As for :func:`dieroll.plot.fan`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    var = var or headline(next(iter(runs.values())))
    if ax is None:
        _, ax = plt.subplots()
    for i, (label, ds) in enumerate(runs.items()):
        da = select(ds, var, {"metric": metric, **labels}, option="{dim}=")
        c = colors["claim"][i % len(colors["claim"])]
        t = da["time"].values
        ax.fill_between(t, da.sel(quantile=0.05).values, da.sel(quantile=0.95).values, color=c, alpha=0.10,
                        linewidth=0)
        for q in (0.05, 0.95):
            ax.plot(t, da.sel(quantile=q).values, color=c, linewidth=0.6, alpha=0.7)
        ax.plot(t, da.sel(quantile=0.5).values, color=c, label=label)
        record(ax, quantile_table(da, label, (0.05, 0.5, 0.95)))
    date_axis(ax)
    quantity_axis(ax, log=log)
    ax.set_ylabel(axis_label(next(iter(runs.values()))[var]))
    ax.margins(x=0)
    return ax

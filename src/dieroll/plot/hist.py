"""The distribution of an output at one date, optionally stacked by a disputed claim."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .style import colors, quantity_axis

__all__ = ["hist"]


def hist(prior, prior_predictive, var: str = "china_total", at: str = "2026-12", ax=None, *,
         metric: str = "inference", by: str | None = None, bins: int = 60, log: bool = False):
    """Histogram of ``var`` at ``at`` from kept draws; ``by`` stacks it by the claim
    drawn for that quantity.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    d = prior_predictive[var]
    if "metric" in d.dims:
        d = d.sel(metric=metric)
    x = d.sel(time=np.datetime64(at, "M").astype("datetime64[ns]")).values.astype(float)
    edges = np.geomspace(max(x[x > 0].min(), 1e-12), x.max(), bins + 1) if log else np.linspace(x.min(), x.max(), bins + 1)
    if by:
        cl = prior[f"{by}_claim"]
        ids = cl.attrs["flag_meanings"].split()
        k = cl.values
        parts = [x[k == i] for i in range(len(ids))]
        ax.hist(parts, bins=edges, stacked=True, color=colors["claim"][:len(ids)],
                label=[f"{by} = {c} ({(k == i).mean():.0%} of draws)" for i, c in enumerate(ids)])
        ax.legend()
    else:
        ax.hist(x, bins=edges, color=colors["china"])
    if log:
        ax.set_xscale("log")
    quantity_axis(ax)
    ax.xaxis.set_major_formatter(ax.yaxis.get_major_formatter())
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_ylabel("draws")
    units = d.attrs.get("units", "")
    ax.set_xlabel("H100-equivalents" if units == "H100e" else units)
    ax.grid(axis="x", visible=False)
    return ax

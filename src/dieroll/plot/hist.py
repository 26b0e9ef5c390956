"""The distribution of an output at one date, optionally stacked by a disputed claim."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .style import axis_label, colors, quantity_axis, record
from ..selection import headline
from ..defaults import MONTH
from ..selection import period_month

__all__ = ["hist"]


def hist(prior, prior_predictive, var: str | None = None, at: str = MONTH, ax=None, *,
         metric: str | None = None, by: str | None = None, bins: int = 60, log: bool = False, **labels):
    """Histogram of ``var`` at ``at`` from kept draws; ``by`` stacks it by the claim
    drawn for that quantity.

    Returns
    -------
    matplotlib.axes.Axes
    """
    var = var or headline(prior_predictive)
    if ax is None:
        _, ax = plt.subplots()
    from ..selection import select
    d = select(prior_predictive, var, {"metric": metric, **labels}, option="{dim}=")
    x = d.sel(time=period_month(at, d["time"].values)).values.astype(float)
    edges = np.geomspace(max(x[x > 0].min(), 1e-12), x.max(), bins + 1) if log else np.linspace(x.min(), x.max(), bins + 1)
    if by:
        cl = prior[f"{by}_claim"]
        ids = cl.attrs["flag_meanings"].split()
        k = cl.values
        parts = [x[k == i] for i in range(len(ids))]
        counts = {f"draws_{c}": np.histogram(p, bins=edges)[0] for c, p in zip(ids, parts)}
        ax.hist(parts, bins=edges, stacked=True, color=colors["claim"][:len(ids)],
                label=[f"{by} = {c} ({(k == i).mean():.0%} of draws)" for i, c in enumerate(ids)])
        ax.legend()
    else:
        ax.hist(x, bins=edges, color=colors["main"])
        counts = {"draws": np.histogram(x, bins=edges)[0]}
    record(ax, pd.DataFrame({"bin_low": edges[:-1], "bin_high": edges[1:], **counts}))
    quantity_axis(ax, log=log, axis="x")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_ylabel("draws")
    ax.set_xlabel(axis_label(prior_predictive[var]))
    ax.grid(axis="x", visible=False)
    return ax

"""Shares of draws: the mean of a 0/1 output over its label set, stacked month by month."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..errors import DierollError
from ..selection import declared_charts, label_colour, label_dims, label_name
from .style import colors, date_axis, record

__all__ = ["binding", "shares_chart"]


def shares_chart(ds, var=None) -> dict:
    """The run's model's declared ``shares`` chart (of ``var`` if given): ``var``, ``title``.
    Raises :class:`~dieroll.errors.DierollError` when the model declares none."""
    for c in declared_charts(ds, "shares"):
        if var is None or c["var"] == var:
            return c
    raise DierollError(f"this run's model ({ds.attrs.get('model', '?')}) declares no shares chart"
                       + (f" of {var}" if var else "") + ": give var= (a 0/1 output with one label set)")


def binding(ds, ax=None, *, var: str | None = None):
    """Stack, month by month, the share of draws in which each label of a 0/1 output holds
    (the mean of a 0/1 indicator is the share of draws): for the China model, which of
    dies, HBM and packaging limits Ascend output.  Without ``var``, the model's declared
    ``shares`` chart.

    Returns
    -------
    matplotlib.axes.Axes
    """
    var = var or shares_chart(ds)["var"]
    if ax is None:
        _, ax = plt.subplots()
    da = ds[f"{var}_mean"]
    dims = label_dims(da)
    if len(dims) != 1:
        raise DierollError(f"{var} has label sets {', '.join(dims) or 'none'}: a shares chart needs exactly one")
    dim = dims[0]
    t = da["time"].values
    names = [str(c) for c in da[dim].values]
    palette = colors["claim"]
    ax.stackplot(t, [da.sel({dim: c}).values for c in names], labels=[label_name(ds, dim, c) for c in names],
                 colors=[label_colour(ds, dim, c) or palette[k % len(palette)] for k, c in enumerate(names)],
                 alpha=0.85, linewidth=0)
    months = pd.to_datetime(t).strftime("%Y-%m")
    record(ax, pd.DataFrame({dim: [c for c in names for _ in t], "time": list(months) * len(names),
                             "share_of_draws": [v for c in names for v in da.sel({dim: c}).values]}))
    date_axis(ax)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda x, _p: f"{x:.0%}"))
    ax.set_ylabel("share of draws")
    ax.margins(x=0)
    return ax

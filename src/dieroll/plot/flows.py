"""Calendar-year flows as bars with intervals (``*_ytd`` outputs read in December)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..selection import SelectionError, declared_charts, label_colour, label_name
from .style import axis_label, colors, quantity_axis, record

__all__ = ["yearly", "yearly_table"]


def yearly_table(ds, var: str, **labels):
    """The December quantiles of a ``*_ytd`` output: one row per full calendar year.

    Returns
    -------
    xarray.DataArray
        ``(year, quantile)``; a year the run does not cover from January to
        December is left out.
    """
    da = ds[var]
    if labels:
        from ..selection import select
        da = select(ds, var, labels, option="{dim}=")
    times = da["time"].values.astype("datetime64[M]")
    months = times.astype(int) % 12
    years = times.astype("datetime64[Y]").astype(int) + 1970
    full = [y for y in np.unique(years) if np.sum(years == y) == 12]
    idx = [int(np.where((years == y) & (months == 11))[0][0]) for y in full]
    out = da.isel(time=idx)
    return out.assign_coords(year=("time", np.array(full))).swap_dims(time="year").drop_vars("time")


def yearly(ds, var: str | None = None, ax=None, *, dim: str | None = None, **labels):
    """Bars of the median yearly flow with 5-95 % intervals, grouped by ``dim``'s labels
    (each in its colour and human name, as the run's model declares them).  ``var``
    defaults to the first yearly chart the model declares.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if var is None:
        decl = declared_charts(ds, "yearly")
        if not decl:
            raise SelectionError("this run's model declares no yearly chart: give var= (a calendar-year flow)")
        var = decl[0]["var"]
    if ax is None:
        _, ax = plt.subplots()
    groups = [None] if dim is None else [str(x) for x in ds[var][dim].values]
    width = 0.8 / len(groups)
    for k, g in enumerate(groups):
        sel = dict(labels) if g is None else {**labels, dim: g}
        tab = yearly_table(ds, var, **sel)
        yrs = tab["year"].values
        med = tab.sel(quantile=0.5, method="nearest").values
        lo = tab.sel(quantile=0.05, method="nearest").values
        hi = tab.sel(quantile=0.95, method="nearest").values
        x = yrs + (k - (len(groups) - 1) / 2) * width
        colour = (label_colour(ds, dim, g) if g is not None else None) or colors["claim"][k % len(colors["claim"])]
        ax.bar(x, med, width * 0.9, color=colour,
               label=label_name(ds, dim, g) if g is not None else "median of the year's total (bar), 90 % interval (line)")
        ax.errorbar(x, med, yerr=[med - lo, hi - med], fmt="none", ecolor="#333333", elinewidth=0.8, capsize=2)
        record(ax, pd.DataFrame({"series": g or var, "year": yrs, "p5": lo, "median": med, "p95": hi}))
    ax.set_ylabel(axis_label(ds[var]))
    ax.set_xticks(yrs)
    ax.set_xticklabels([str(y) for y in yrs])
    quantity_axis(ax, log=False)
    return ax

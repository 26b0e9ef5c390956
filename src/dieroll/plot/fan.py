"""Fan charts: equal-tailed bands and the median over time."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..selection import SelectionError, headline, quantile_column, select, year_ends_only
from .style import axis_label, colors, date_axis, quantity_axis, record

__all__ = ["fan", "BANDS", "quantile_table"]

#: (lower, upper, alpha) from the widest band to the narrowest.
BANDS = ((0.05, 0.95, 0.18), (0.10, 0.90, 0.28), (0.25, 0.75, 0.45))


def quantile_table(da, series: str, quantiles) -> pd.DataFrame:
    """One row per month: ``series``, ``time`` and a ``pNN`` column per quantile drawn."""
    out = pd.DataFrame({"series": series, "time": pd.to_datetime(da["time"].values).strftime("%Y-%m")})
    for q in quantiles:
        out[quantile_column(q)] = da.sel(quantile=q).values
    return out


def fan(ds, var: str | None = None, ax=None, *, metric: str | None = None, color=None, label=None,
        log: bool = False, median: bool = True, bands=BANDS, **labels):
    """Draw a fan chart of ``var`` from a summary Dataset.

    Parameters
    ----------
    ds : xarray.Dataset
        A run's ``summary`` (``dieroll.open_run(path).summary``).
    var : str
        Output name (default: the run's headline output; ``dieroll describe`` lists them).
    ax : matplotlib Axes, optional
    metric : str
        For outputs with a ``metric`` dimension.
    **labels
        The label of each other dimension (``region="north"``); a missing one is a :class:`dieroll.selection.SelectionError`
        listing the labels.
    color, label : optional
        Colour and legend label of the fan.
    log : bool
        Log scale on y.
    median : bool
        Draw the median line.
    bands : sequence of (lower, upper, alpha)

    Returns
    -------
    matplotlib.axes.Axes
    """
    var = var or headline(ds)
    if var in ds.data_vars and year_ends_only(ds, var):
        raise SelectionError(f"{var} is a calendar-year flow, summarised at year ends only (December and the "
                             f"run's last month): chart it per year (dieroll.plot.yearly, or dieroll chart "
                             f"--kind yearly --var {var})")
    if ax is None:
        _, ax = plt.subplots()
    da = select(ds, var, {"metric": metric, **labels}, option="{dim}=")
    t = da["time"].values
    color = color or colors["main"]
    label = label or da.attrs.get("long_name", var).split(":")[0]
    for lo, hi, alpha in bands:
        ax.fill_between(t, da.sel(quantile=lo).values, da.sel(quantile=hi).values, color=color, alpha=alpha,
                        linewidth=0, label=f"{label}: {int(lo * 100)}–{int(hi * 100)} %")
    if median:
        ax.plot(t, da.sel(quantile=0.5).values, color=color, label=f"{label}: median")
    qs = sorted({q for lo, hi, _ in bands for q in (lo, hi)} | ({0.5} if median else set()))
    record(ax, quantile_table(da, label, qs))
    date_axis(ax)
    quantity_axis(ax, log=log)
    ax.set_ylabel(axis_label(da))
    ax.margins(x=0)
    return ax

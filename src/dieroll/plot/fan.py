"""Fan charts: equal-tailed bands and the median over time."""
from __future__ import annotations

import matplotlib.pyplot as plt

from .style import colors, date_axis, quantity_axis

__all__ = ["fan", "BANDS"]

#: (lower, upper, alpha) from the widest band to the narrowest.
BANDS = ((0.05, 0.95, 0.18), (0.10, 0.90, 0.28), (0.25, 0.75, 0.45))


def _select(ds, var, metric):
    da = ds[var]
    if "metric" in da.dims:
        da = da.sel(metric=metric)
    extra = [d for d in da.dims if d not in ("time", "quantile")]
    if extra:
        raise ValueError(f"{var} has dimension(s) {extra}; select one label first (e.g. ds.sel(channel=...))")
    return da


def fan(ds, var: str = "china_total", ax=None, *, metric: str = "inference", color=None, label=None,
        log: bool = False, median: bool = True, bands=BANDS):
    """Draw a fan chart of ``var`` from a summary Dataset.

    Parameters
    ----------
    ds : xarray.Dataset
        A run's ``summary`` (``dieroll.open_run(path).summary``).
    var : str
        Output name (``china_total``, ``us_total``, ``us_china_ratio``, ...).
    ax : matplotlib Axes, optional
    metric : str
        For outputs with a ``metric`` dimension.
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
    if ax is None:
        _, ax = plt.subplots()
    da = _select(ds, var, metric)
    t = da["time"].values
    color = color or colors["china"]
    label = label or da.attrs.get("long_name", var).split(":")[0]
    for lo, hi, alpha in bands:
        ax.fill_between(t, da.sel(quantile=lo).values, da.sel(quantile=hi).values, color=color, alpha=alpha,
                        linewidth=0, label=f"{label}: {int(lo * 100)}–{int(hi * 100)} %")
    if median:
        ax.plot(t, da.sel(quantile=0.5).values, color=color, label=f"{label}: median")
    date_axis(ax)
    quantity_axis(ax, log=log)
    units = da.attrs.get("units", "")
    ax.set_ylabel("H100-equivalents" if units == "H100e" else units)
    ax.margins(x=0)
    return ax

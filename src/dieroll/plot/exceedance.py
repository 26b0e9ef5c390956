"""Exceedance curves: P(variable > threshold) over time."""
from __future__ import annotations

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd

from ..units import model_units
from .style import _human, colors, date_axis, record
from ..selection import headline, label_dims, select

__all__ = ["exceedance", "exceedance_table"]


def exceedance_table(ds, var, thresholds, *, metric=None, draws=None, **labels):
    """P(var > x) per time for each threshold: from the summary where the run
    stored that threshold, else from the kept draws.  ``**labels`` (and ``metric``, a
    shortcut for ``metric=...``) pick a label of each label set of ``var``; a label set
    the model declares a default for defaults to it.

    Returns
    -------
    dict of float to ndarray (time,)
    """
    out = {}
    if metric is not None:
        labels = {**labels, "metric": metric}
    chosen = {d: str(select(ds, var, labels, option="{dim}=")[d].values) for d in label_dims(ds[var])}
    stored = ds.get(f"{var}_exceedance")
    for x in thresholds:
        got = None
        if stored is not None:
            tdim = f"{var}_threshold"
            hit = np.isclose(ds[tdim].values, x, rtol=1e-12)
            if hit.any():
                s = stored.isel({tdim: int(np.argmax(hit))})
                got = s.sel(chosen).values
        if got is None and draws is not None:
            d = draws[var]
            got = (d.sel(chosen) > x).mean("draw").values
        if got is None:
            raise ValueError(f"P({var} > {x:g}) was not stored: add it to [run.thresholds] {var} = [...] "
                             "or run with --keep-draws")
        out[float(x)] = np.asarray(got, dtype=float)
    return out


def exceedance(ds, var: str | None = None, thresholds=(1e6,), ax=None, *, metric: str | None = None,
               draws=None, **labels):
    """Draw P(var > x) over time for each threshold ``x``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    var = var or headline(ds)
    if ax is None:
        _, ax = plt.subplots()
    table = exceedance_table(ds, var, thresholds, metric=metric, draws=draws, **labels)
    t = ds["time"].values
    units = model_units(ds[var])
    for i, (x, p) in enumerate(table.items()):
        ax.plot(t, p, color=colors["claim"][i % len(colors["claim"])],
                label=f"> {_human(x)} {units}".strip())
    months = pd.to_datetime(t).strftime("%Y-%m")
    record(ax, pd.DataFrame({"threshold": [x for x in table for _ in t], "time": list(months) * len(table),
                             "probability": np.concatenate(list(table.values()))}))
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(mticker.PercentFormatter(1.0))
    ax.set_ylabel("probability")
    date_axis(ax)
    ax.margins(x=0)
    return ax

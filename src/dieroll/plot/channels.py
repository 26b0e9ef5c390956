"""Where a total comes from: an output's median stacked over one of its label sets."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..errors import DierollError
from ..selection import declared_charts, label_colour, label_name, select
from .style import axis_label, colors, date_axis, quantity_axis, record

__all__ = ["channels", "stack_chart"]


def stack_chart(ds, var=None) -> dict:
    """The run's model's declared ``stack`` chart (of ``var`` if given): ``var``, ``by``, ``total``,
    ``title``.  Raises :class:`~dieroll.errors.DierollError` when the model declares none."""
    for c in declared_charts(ds, "stack"):
        if var is None or c["var"] == var:
            return c
    raise DierollError(f"this run's model ({ds.attrs.get('model', '?')}) declares no stacked chart"
                       + (f" of {var}" if var else "") + ": give var= and by= (a label set of var)")


def channels(ds, ax=None, *, var: str | None = None, by: str | None = None, total: str | None = None,
             log: bool = False, **labels):
    """Stack the medians of ``var`` over its label set ``by`` (medians of parts do not add
    up to the median of the total; the median of ``total``, when given, is drawn as a line).

    Without ``var``, the model's declared stacked chart (``[model] charts``, kind
    ``stack``: China's compute by channel).  ``**labels`` pick the labels of the
    other label sets (a declared ``default`` otherwise).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if var is None or by is None:
        c = stack_chart(ds, var)
        var, by, total = c["var"], by or c["by"], total if total is not None else c.get("total")
    if ax is None:
        _, ax = plt.subplots()
    da = select(ds, var, labels, keep=(by,), option="{dim}=").sel(quantile=0.5)
    t = da["time"].values
    parts = [str(c) for c in da[by].values]
    ys = [da.sel({by: c}).values for c in parts]
    palette = colors["claim"]
    ax.stackplot(t, ys, labels=[label_name(ds, by, c) for c in parts],
                 colors=[label_colour(ds, by, c) or palette[k % len(palette)] for k, c in enumerate(parts)],
                 alpha=0.85, linewidth=0)
    series = [c for c in parts for _ in t]
    values = [v for y in ys for v in y]
    if total:
        tot = select(ds, total, labels, option="{dim}=").sel(quantile=0.5).values
        ax.plot(t, tot, color="#000000", linewidth=1.0, linestyle="--", label="median of the total")
        series += ["total"] * len(t)
        values += list(tot)
    months = pd.to_datetime(t).strftime("%Y-%m")
    record(ax, pd.DataFrame({"series": series, "time": list(months) * (len(parts) + bool(total)),
                             "median": values}))
    date_axis(ax)
    quantity_axis(ax, log=log)
    ax.set_ylabel(axis_label(da))
    ax.margins(x=0)
    return ax

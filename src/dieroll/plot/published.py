"""Published estimates drawn on a chart as labelled markers."""
from __future__ import annotations

import pandas as pd

from ..selection import label_default
from .style import record

__all__ = ["markers"]

_MARKERS = ("D", "s", "^", "v", "P", "X", "*")


def _matches(est, var, labels, ds) -> bool:
    """True when ``est`` is about ``var`` with exactly the chart's labels (an estimate
    that names no label of a label set with a declared default counts as that default:
    for the China model, an estimate that names no metric counts as inference)."""
    if est.variable != var:
        return False
    full = {d: label_default(ds, d) for d in labels if label_default(ds, d)}
    full.update(est.labels)
    return set(full) == set(labels) and all(str(labels[k]) == v for k, v in full.items())


def markers(ax, estimates, var: str, labels: dict, ds, *, yearly: bool = False):
    """Draw the estimates that are about ``var`` with ``labels`` at their dates.

    A point is a marker; a range a marker at its midpoint with a bar from low to
    high; a bound a triangle at the bound pointing to the side the value lies
    on (up for a floor, down for a ceiling).  Yearly
    charts place an estimate at its year.

    Returns
    -------
    (handles, names)
        For the figure's legend.
    """
    from ..published import estimate_month
    handles, names, rows = [], [], []
    lo_ax, hi_ax = ax.get_ylim()
    for i, e in enumerate(x for x in estimates if _matches(x, var, labels, ds)):
        t = estimate_month(e, ds["time"].values)
        xpos = int(str(t)[:4]) if yearly else t
        m = _MARKERS[i % len(_MARKERS)]
        if e.kind in ("point", "range"):
            y = e.value if e.value is not None else 0.5 * (e.low + e.high)
            err = None if e.value is not None else [[y - e.low], [e.high - y]]
            h = ax.errorbar([xpos], [y], yerr=err, fmt=m, color="#000000", markersize=5, markerfacecolor="#FFFFFF",
                            elinewidth=0.9, capsize=3, zorder=5)
        else:  # a bound: a triangle at the bound pointing to the side the value lies on
            y = e.low if e.kind == "lower bound" else e.high
            h, = ax.plot([xpos], [y], "^" if e.kind == "lower bound" else "v", color="#000000", markersize=6,
                         markerfacecolor="#FFFFFF", zorder=5, linestyle="none")
        handles.append(h)
        names.append(f"{e.source.split(',')[0]}: {e.text()} ({e.kind})")
        rows.append({"series": f"published:{e.id}", "time": str(t)[:7], "value": e.value, "low": e.low,
                     "high": e.high})
    if rows:
        lo2, hi2 = ax.get_ylim()
        if ax.get_yscale() == "log":
            ax.set_ylim(min(lo_ax, lo2), max(hi_ax, hi2) * 3)
        else:
            ax.set_ylim(min(lo_ax, lo2), lo2 + (max(hi_ax, hi2) - lo2) * 1.3)  # headroom for the legend
        record(ax, pd.DataFrame(rows))
    return handles, names


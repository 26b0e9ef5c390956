"""Charts for the dispute analyses: claim intervals, weight sweeps, tornado."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .style import _human, colors

__all__ = ["disputes_chart", "sweep_chart", "tornado"]


def disputes_chart(table, ax=None, *, top: int = 8):
    """Median and 90 % interval of the output given each claim, per disputed
    quantity (largest impact at the top), against the overall 90 % interval.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots()
    qs = list(table["quantity"].values)[:top]
    ax.axvspan(table.attrs["p05_all"], table.attrs["p95_all"], color="#DDDDDD", alpha=0.6, linewidth=0,
               label="90 % interval, all claims")
    ax.axvline(table.attrs["median_all"], color="#888888", linewidth=0.8)
    y = 0.0
    ticks, labels = [], []
    for q in qs:
        row = table.sel(quantity=q)
        ids = [c for c in row["claim_id"].values if c]
        for i, cid in enumerate(ids):
            c = colors["claim"][i % len(colors["claim"])]
            ax.plot([row["p05"].values[i], row["p95"].values[i]], [y, y], color=c, linewidth=2.2)
            ax.plot(row["median"].values[i], y, "o", color=c, markersize=4)
            ticks.append(y)
            labels.append(f"{q}: {cid} ({row['weight'].values[i]:.0%}, narrows {row['narrowing'].values[i]:.0%})")
            y -= 1
        y -= 0.6
    ax.set_yticks(ticks, labels, fontsize=7)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(_human))
    units = table["median"].attrs.get("units", "")
    ax.set_xlabel(f"{table.attrs['variable']} ({table.attrs['metric']}) at {table.attrs['at']}"
                  + (" [H100-equivalents]" if units == "H100e" else ""))
    ax.legend(loc="lower right")
    return ax


def sweep_chart(sw, ax=None):
    """Median and 90 % band as the weight on one claim goes from 0 to 1."""
    if ax is None:
        _, ax = plt.subplots()
    w = sw["weight"].values
    ax.fill_between(w, sw["p05"].values, sw["p95"].values, color=colors["china"], alpha=0.2, linewidth=0,
                    label="90 % interval")
    ax.plot(w, sw["median"].values, color=colors["china"], label="median")
    ax.set_xlabel(f"weight on {sw.attrs['quantity']} = {sw.attrs['claim']}")
    ax.set_ylabel(f"{sw.attrs['variable']} ({sw.attrs['metric']}) at {sw.attrs['at']}")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(_human))
    ax.set_xlim(0, 1)
    ax.legend(loc="upper left")
    return ax


def tornado(sens, ax=None, *, top: int = 15):
    """Horizontal bars of rank correlation, largest at the top, with RBD-FAST
    first-order indices written beside them."""
    if ax is None:
        _, ax = plt.subplots()
    rho = sens["rank_correlation"].values[:top]
    names = list(sens["input"].values[:top])
    s1 = sens["rbd_fast_s1"].values[:top]
    y = np.arange(len(rho))[::-1]
    ax.barh(y, rho, color=[colors["china"] if r >= 0 else colors["us"] for r in rho], height=0.7)
    for yi, r, s in zip(y, rho, s1):
        if np.isfinite(s):
            ax.text(r + (0.02 if r >= 0 else -0.02), yi, f"S1 {s:.2f}", va="center",
                    ha="left" if r >= 0 else "right", fontsize=6.5, color="#555555")
    ax.set_yticks(y, names, fontsize=7)
    ax.axvline(0, color="#555555", linewidth=0.6)
    ax.set_xlim(-1.15, 1.15)
    ax.set_xlabel(f"rank correlation with {sens.attrs['variable']} ({sens.attrs['metric']}) at {sens.attrs['at']}")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    return ax

"""Charts for the dispute analyses: claim intervals, weight sweeps, tornado."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..units import model_units
from .style import _human, colors, record

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
    rows = []
    for q in qs:
        row = table.sel(quantity=q)
        ids = [c for c in row["claim_id"].values if c]
        for i, cid in enumerate(ids):
            c = colors["claim"][i % len(colors["claim"])]
            ax.plot([row["p05"].values[i], row["p95"].values[i]], [y, y], color=c, linewidth=2.2)
            ax.plot(row["median"].values[i], y, "o", color=c, markersize=4)
            rows.append({"quantity": q, "claim": cid, "weight": row["weight"].values[i],
                         "p5": row["p05"].values[i], "median": row["median"].values[i], "p95": row["p95"].values[i],
                         "narrowing": row["narrowing"].values[i]})
            ticks.append(y)
            labels.append(f"{q}: {cid} ({row['weight'].values[i]:.0%}, narrows {row['narrowing'].values[i]:.0%})")
            y -= 1
        y -= 0.6
    rows.append({"quantity": "(all claims)", "claim": "", "weight": 1.0, "p5": table.attrs["p05_all"],
                 "median": table.attrs["median_all"], "p95": table.attrs["p95_all"], "narrowing": 0.0})
    record(ax, pd.DataFrame(rows))
    ax.set_yticks(ticks, labels, fontsize=7)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(_human))
    units = model_units(table["median"])
    ax.set_xlabel(f"{table.attrs['variable']} ({table.attrs.get('labels', '')}) at {table.attrs['at']}"
                  + (" [H100-equivalents]" if units == "H100e" else ""))
    ax.legend(loc="lower right")
    return ax


def sweep_chart(sw, ax=None):
    """Median and 90 % band as the weight on one claim goes from 0 to 1."""
    if ax is None:
        _, ax = plt.subplots()
    w = sw["weight"].values
    ax.fill_between(w, sw["p05"].values, sw["p95"].values, color=colors["main"], alpha=0.2, linewidth=0,
                    label="90 % interval")
    ax.plot(w, sw["median"].values, color=colors["main"], label="median")
    ax.set_xlabel(f"weight on {sw.attrs['quantity']} = {sw.attrs['claim']}")
    ax.set_ylabel(f"{sw.attrs['variable']} ({sw.attrs.get('labels', '')}) at {sw.attrs['at']}")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(_human))
    ax.set_xlim(0, 1)
    ax.legend(loc="upper left")
    record(ax, pd.DataFrame({"weight": w, "p5": sw["p05"].values, "median": sw["median"].values,
                             "p95": sw["p95"].values}))
    return ax


def tornado(sens, ax=None, *, top: int = 15):
    """Horizontal bars of rank correlation and of the RBD-FAST first-order index
    S1, one row per input, sorted by the stronger of the two (``max(|rho|, S1)``),
    largest at the top.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.patches import Patch
    if ax is None:
        _, ax = plt.subplots()
    rho_all = np.asarray(sens["rank_correlation"].values, dtype=float)
    s1_all = np.asarray(sens["rbd_fast_s1"].values, dtype=float)
    strength = np.maximum(np.abs(rho_all), np.where(np.isfinite(s1_all), s1_all, 0.0))
    order = np.argsort(-strength, kind="stable")[:top]
    rho, s1 = rho_all[order], s1_all[order]
    names = [str(sens["input"].values[i]) for i in order]
    y = np.arange(len(rho))[::-1]
    ax.barh(y + 0.17, rho, color=[colors["main"] if r >= 0 else colors["beside"] for r in rho], height=0.34)
    ax.barh(y - 0.17, np.where(np.isfinite(s1), s1, 0.0), color="#999999", height=0.34)
    ax.set_yticks(y, names, fontsize=7)
    ax.axvline(0, color="#555555", linewidth=0.6)
    ax.set_xlim(-1.05, 1.05)
    ax.set_xlabel(f"rank correlation or S1 with {sens.attrs['variable']} ({sens.attrs.get('labels', '')}) at "
                  f"{sens.attrs['at']}")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.legend(handles=[Patch(color=colors["main"], label="rank correlation, positive"),
                       Patch(color=colors["beside"], label="rank correlation, negative"),
                       Patch(color="#999999", label="first-order index S1 (RBD-FAST)")],
              loc="lower right", fontsize=7)
    record(ax, pd.DataFrame({"input": names, "rank_correlation": rho, "rbd_fast_s1": s1,
                             "strength": strength[order]}))
    return ax

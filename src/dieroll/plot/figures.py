"""Whole figures with title, legend and provenance footnote, as the CLI saves them."""
from __future__ import annotations

import matplotlib.pyplot as plt

from .fan import fan
from .style import colors, footnote, provenance_text, style

__all__ = ["fan_figure"]


def fan_figure(ds, var: str = "china_total", *, metric: str = "inference", log: bool = False,
               with_us: bool = True, command: str = ""):
    """A publishable fan chart of ``var`` (with the US beside China's totals).

    Returns
    -------
    matplotlib.figure.Figure
    """
    with style():
        fig, ax = plt.subplots()
        us = with_us and var == "china_total" and "us_total" in ds
        fan(ds, var, ax, metric=metric, log=log, label="China")
        if us:
            fan(ds, "us_total", ax, color=colors["us"], label="United States", log=log,
                bands=((0.05, 0.95, 0.15), (0.25, 0.75, 0.3)))
        what = ds[var].attrs.get("long_name", var).split(":")[0]
        metric_txt = f" ({metric})" if "metric" in ds[var].dims else ""
        ax.set_title(f"{what}{metric_txt}", pad=16)
        ax.text(0.0, 1.01, f"{ds.attrs.get('title', '')} · bands: 5–95, 10–90, 25–75 % · line: median",
                transform=ax.transAxes, fontsize=7.5, color="#555555", va="bottom")
        ax.set_xlabel("")
        handles, labels = ax.get_legend_handles_labels()
        keep = [i for i, lbl in enumerate(labels) if "median" in lbl or "5–95" in lbl]
        ax.legend([handles[i] for i in keep], [labels[i] for i in keep], loc="upper left", ncol=2)
        footnote(fig, provenance_text(ds.attrs, command))
    return fig

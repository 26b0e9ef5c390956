"""Render a run's default charts into its folder."""
from __future__ import annotations

import os

import matplotlib.pyplot as plt

from ..selection import declared_charts, headline, label_text
from .figures import binding_figure, channels_figure, fan_figure, yearly_figure
from .style import save, save_table

__all__ = ["default_charts", "chart_command"]


def chart_command(run_path: str, var: str, metric: str | None, log: bool, kind: str = "fan") -> str:
    """The CLI command that regenerates a chart (``metric=None``: a variable without one)."""
    cmd = f"dieroll chart {run_path} --var {var}" + (f" --metric {metric}" if metric else "")
    if kind != "fan":
        cmd += f" --kind {kind}"
    return cmd + (" --log" if log else "")


def default_charts(ds, folder: str, run_path: str, formats=("png", "svg", "pdf"), write=None,
                   between=None) -> list[str]:
    """Write, each with a CSV of the numbers it draws, ``fan.<fmt>`` (the model's headline
    output, log scale, with the output it declares ``beside`` it) and a PNG of every chart
    the model declares (``[model] charts``: for the China model, what limits Ascend output
    and Ascend packages per year by route).

    ``write(path, data)`` writes each file's bytes (default: matplotlib writes
    it); ``between()`` is called before each file (the run store checks for Ctrl-C).
    """
    out = []
    var = headline(ds)
    da = ds[var]
    desc = str(da.attrs.get("long_name", var)).split(":")[0] + label_text(da, {})
    cmd = chart_command(run_path, var, None, True)
    fig = fan_figure(ds, var, log=True, command=cmd)
    try:
        for fmt in formats:
            if between is not None:
                between()
            out += save(fig, os.path.join(folder, f"fan.{fmt}"), ds.attrs, cmd, desc, write=write)
        out += save_table(fig, os.path.join(folder, "fan.csv"), ds.attrs, cmd, write=write)
    finally:
        plt.close(fig)
    for chart in declared_charts(ds):
        if between is not None:
            between()
        kind, v = chart["kind"], chart["var"]
        if kind == "stack":
            cmd = f"dieroll chart {run_path} --kind stack --var {v} --by {chart['by']}"
            fig = channels_figure(ds, var=v, by=chart["by"], total=chart.get("total"), command=cmd)
        elif kind == "shares":
            cmd = f"dieroll chart {run_path} --kind shares --var {v}"
            fig = binding_figure(ds, var=v, command=cmd)
        else:
            cmd = f"dieroll chart {run_path} --kind yearly --var {v}"
            fig = yearly_figure(ds, v, command=cmd)
        try:
            out += save(fig, os.path.join(folder, f"{chart['name']}.png"), ds.attrs, cmd, chart["title"], write=write)
            out += save_table(fig, os.path.join(folder, f"{chart['name']}.csv"), ds.attrs, cmd, write=write)
        finally:
            plt.close(fig)
    return out

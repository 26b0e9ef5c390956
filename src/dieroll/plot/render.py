"""Render a run's default charts into its folder."""
from __future__ import annotations

import os

import matplotlib.pyplot as plt

from .figures import binding_figure, fan_figure, yearly_figure
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
    """Write, each with a CSV of the numbers it draws, ``fan.<fmt>`` (China's inference compute beside the US, log scale), and
    ``binding.png`` (what limits Ascend output) and ``ascend-yearly.png`` (Ascend
    packages per year by route) when the run has those outputs.

    ``write(path, data)`` writes each file's bytes (default: matplotlib writes
    it); ``between()`` is called before each file (the run store checks for Ctrl-C).
    """
    out = []
    var, metric, desc = "china_total", "inference", "China AI compute in H100-equivalents (inference)"
    if var not in ds:  # another model: its first output summarised every month
        var = next(str(v) for v in ds.data_vars if "quantile" in ds[v].dims and not ds[v].attrs.get("summarised"))
        metric = "inference" if "metric" in ds[var].dims else None
        desc = str(ds[var].attrs.get("long_name", var))
    cmd = chart_command(run_path, var, metric, True)
    fig = fan_figure(ds, var, metric=metric, log=True, command=cmd)
    try:
        for fmt in formats:
            if between is not None:
                between()
            out += save(fig, os.path.join(folder, f"fan.{fmt}"), ds.attrs, cmd, desc, write=write)
        out += save_table(fig, os.path.join(folder, "fan.csv"), ds.attrs, cmd, write=write)
    finally:
        plt.close(fig)
    extra = []
    if "ascend_binding_mean" in ds:
        extra.append(("binding", "dieroll chart {run} --kind binding", binding_figure,
                      "Share of draws in which dies, HBM or packaging limits Ascend output", {}))
    if "ascend_made_ytd" in ds:
        extra.append(("ascend-yearly", "dieroll chart {run} --kind yearly --var ascend_made_ytd", yearly_figure,
                      "Ascend packages made per calendar year, by route", {"var": "ascend_made_ytd"}))
    for stem, template, make, desc, kw in extra:
        if between is not None:
            between()
        cmd = template.format(run=run_path)
        fig = make(ds, command=cmd, **kw)
        try:
            out += save(fig, os.path.join(folder, f"{stem}.png"), ds.attrs, cmd, desc, write=write)
            out += save_table(fig, os.path.join(folder, f"{stem}.csv"), ds.attrs, cmd, write=write)
        finally:
            plt.close(fig)
    return out

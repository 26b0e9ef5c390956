"""Render a run's default charts into its folder."""
from __future__ import annotations

import os

import matplotlib.pyplot as plt

from .figures import fan_figure
from .style import save

__all__ = ["default_charts", "chart_command"]


def chart_command(run_path: str, var: str, metric: str, log: bool, kind: str = "fan") -> str:
    """The CLI command that regenerates a chart."""
    cmd = f"dieroll chart {run_path} --var {var} --metric {metric}"
    if kind != "fan":
        cmd += f" --kind {kind}"
    return cmd + (" --log" if log else "")


def default_charts(ds, folder: str, run_path: str, formats=("png", "svg", "pdf"), write=None,
                   between=None) -> list[str]:
    """Write ``fan.<fmt>`` (China's inference compute beside the US, log scale).

    ``write(path, data)`` writes each file's bytes (default: matplotlib writes
    it); ``between()`` is called before each file (the run store checks for Ctrl-C).
    """
    out = []
    cmd = chart_command(run_path, "china_total", "inference", True)
    fig = fan_figure(ds, "china_total", metric="inference", log=True, command=cmd)
    try:
        for fmt in formats:
            if between is not None:
                between()
            out += save(fig, os.path.join(folder, f"fan.{fmt}"), ds.attrs, cmd,
                        "China AI compute in H100-equivalents (inference)", write=write)
    finally:
        plt.close(fig)
    return out

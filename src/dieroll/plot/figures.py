"""Whole figures with title, legend and provenance footnote, as the CLI saves them."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt

from .binding import binding
from .channels import channels
from .compare import compare
from .exceedance import exceedance
from .fan import fan
from .flows import yearly
from .hist import hist
from .style import colors, footnote, provenance_text, style

__all__ = ["fan_figure", "compare_figure", "exceedance_figure", "hist_figure", "channels_figure", "binding_figure",
           "yearly_figure"]

CRN_NOTE = ("Scenarios share random numbers (same seed, common random numbers): "
            "differences come from the priors, not from sampling noise.")


def _frame(fig, ax, title, subtitle, attrs, command, legend=True, note=""):
    ax.set_title(title, pad=16)
    ax.text(0.0, 1.01, subtitle, transform=ax.transAxes, fontsize=7.5, color="#555555", va="bottom")
    if legend:
        ax.legend(loc="upper left", ncol=2)
    text = provenance_text(attrs, command)
    footnote(fig, f"{note}\n{text}" if note else text)


def _metric_txt(ds, var, metric):
    return f" ({metric})" if "metric" in ds[var].dims else ""


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
        fan(ds, var, ax, metric=metric, log=log, label="China" if var.startswith("china") else None)
        if us:
            fan(ds, "us_total", ax, color=colors["us"], label="United States", log=log,
                bands=((0.05, 0.95, 0.15), (0.25, 0.75, 0.3)))
        what = ds[var].attrs.get("long_name", var).split(":")[0]
        handles, labels = ax.get_legend_handles_labels()
        keep = [i for i, lbl in enumerate(labels) if "median" in lbl or "5–95" in lbl]
        ax.legend([handles[i] for i in keep], [labels[i] for i in keep], loc="upper left", ncol=2)
        _frame(fig, ax, f"{what}{_metric_txt(ds, var, metric)}",
               f"{ds.attrs.get('title', '')} · bands: 5–95, 10–90, 25–75 % · line: median",
               ds.attrs, command, legend=False)
    return fig


def compare_figure(runs: dict, var: str = "china_total", *, metric: str = "inference", log: bool = False,
                   command: str = ""):
    """Scenarios overlaid (up to three) or as small multiples (more than three)."""
    first = next(iter(runs.values()))
    what = first[var].attrs.get("long_name", var).split(":")[0] + _metric_txt(first, var, metric)
    a = first.attrs
    prov = (f"dieroll {a.get('dieroll_version', '?')} · N = {int(a.get('draws', 0)):,} draws · seed {a.get('seed')} · "
            "priors (sha256): " + ", ".join(f"{k} {str(ds.attrs.get('priors_sha256', ''))[:8]}"
                                           for k, ds in runs.items()) + f"\nRegenerate: {command}")
    with style():
        if len(runs) <= 3:
            fig, ax = plt.subplots()
            compare(runs, var, ax, metric=metric, log=log)
            ax.set_title(what, pad=16)
            ax.text(0.0, 1.01, "median and 90 % band per scenario", transform=ax.transAxes, fontsize=7.5,
                    color="#555555", va="bottom")
            ax.legend(loc="upper left", ncol=3)
            footnote(fig, f"{CRN_NOTE}\n{prov}")
            return fig
        ncol = 3
        nrow = math.ceil(len(runs) / ncol)
        fig, axes = plt.subplots(nrow, ncol, figsize=(7.0, 2.2 * nrow + 0.6), sharex=True, sharey=True,
                                 squeeze=False)
        import matplotlib.dates as mdates
        for ax, (label, ds) in zip(axes.flat, runs.items()):
            compare({label: ds}, var, ax, metric=metric, log=log)
            ax.set_title(label, fontsize=8.5, loc="left", pad=3)
            ax.set_ylabel("")
            ax.xaxis.set_major_locator(mdates.YearLocator(2))
            ax.xaxis.set_minor_locator(mdates.YearLocator(1))
        for ax in list(axes.flat)[len(runs):]:
            ax.set_visible(False)
        fig.suptitle(what, x=0.01, ha="left", fontweight="bold", fontsize=10.5)
        fig.text(0.01, 0.935, "median and 90 % band by scenario", fontsize=7.5, color="#555555")
        fig.tight_layout(rect=(0, 0, 1, 0.93))
        footnote(fig, f"{CRN_NOTE}\n{prov}")
    return fig


def exceedance_figure(ds, var: str = "china_total", thresholds=(1e6,), *, metric: str = "inference",
                      draws=None, command: str = ""):
    """P(var > threshold) over time."""
    with style():
        fig, ax = plt.subplots()
        exceedance(ds, var, thresholds, ax, metric=metric, draws=draws)
        what = ds[var].attrs.get("long_name", var).split(":")[0].split(",")[0]
        _frame(fig, ax, f"Chance that {what} exceeds each level{_metric_txt(ds, var, metric)}",
               f"{ds.attrs.get('title', '')} · share of draws above the threshold, by month", ds.attrs, command)
    return fig


def hist_figure(ds, prior, prior_predictive, var="china_total", at="2026-12", *, metric="inference", by=None,
                log=False, command=""):
    """Distribution of ``var`` at ``at``, optionally stacked by claim."""
    with style():
        fig, ax = plt.subplots()
        hist(prior, prior_predictive, var, at, ax, metric=metric, by=by, log=log)
        what = ds[var].attrs.get("long_name", var).split(":")[0]
        sub = f"{ds.attrs.get('title', '')} · {at}" + (f" · stacked by the claim drawn for {by}" if by else "")
        _frame(fig, ax, f"{what}{_metric_txt(ds, var, metric)}", sub, ds.attrs, command, legend=bool(by))
    return fig


def channels_figure(ds, *, metric="inference", log=False, command=""):
    """Median stock by channel, stacked."""
    with style():
        fig, ax = plt.subplots()
        channels(ds, ax, metric=metric, log=log)
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, hi * 1.35)  # room for the legend above the stack
        _frame(fig, ax, f"Where China's AI compute comes from ({metric})",
               f"{ds.attrs.get('title', '')} · median of each channel, stacked", ds.attrs, command)
    return fig


def binding_figure(ds, *, command=""):
    """Share of draws in which dies, HBM or packaging limits Ascend output, by month."""
    with style():
        fig, ax = plt.subplots()
        binding(ds, ax)
        _frame(fig, ax, "What limits Ascend output",
               f"{ds.attrs.get('title', '')} · share of draws bound by each constraint, by month", ds.attrs, command)
    return fig


_YEARLY_TITLES = {"ascend_made_ytd": ("Ascend packages made per year", "route"),
                  "chips_added_ytd": ("Accelerators China acquired per year", "channel"),
                  "h100e_added_ytd": ("H100-equivalents added per year", "country"),
                  "additions_ratio_ytd": ("US additions per China addition, by year", None)}


def yearly_figure(ds, var="ascend_made_ytd", *, metric="inference", command=""):
    """Yearly flows as bars: median and 90 % interval of each calendar year's total, per draw."""
    title, dim = _YEARLY_TITLES.get(var, (ds[var].attrs.get("long_name", var), None))
    labels = {"metric": metric} if "metric" in ds[var].dims else {}
    with style():
        fig, ax = plt.subplots()
        yearly(ds, var, ax, dim=dim, **labels)
        _frame(fig, ax, title + (f" ({metric})" if labels else ""),
               f"{ds.attrs.get('title', '')} · median and 90 % interval of each year's total over draws",
               ds.attrs, command)
    return fig

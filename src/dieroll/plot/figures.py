"""Whole figures with title, legend, sources and provenance footnote, as the CLI saves them.

Every ``*_figure`` function takes the same layout arguments and keeps the house
layout whatever they are:

``title``, ``subtitle``
    Replace the default title and the grey line under it.
``size``
    ``(width, height)`` in inches; the title, legend and footnote are placed
    for that size (resizing a finished figure would not move them).
``dpi``
    Resolution of PNG files saved with :func:`dieroll.plot.save` (default 200).
``footnote``
    ``False`` leaves out the provenance and sources lines (for a slide whose
    notes carry them).

Each figure also records the numbers it draws: :func:`dieroll.plot.chart_table`
returns them as a table, and the CLI writes it as a CSV beside the chart.
"""
from __future__ import annotations

import math
import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..defaults import MONTH
from ..selection import SelectionError, declared_charts, headline, headlines, label_default, label_dims, label_text, select
from .analysis import disputes_chart, sweep_chart, tornado
from .binding import binding, shares_chart
from .channels import channels, stack_chart
from .compare import compare
from .exceedance import exceedance
from .fan import fan, quantile_table
from .flows import yearly
from .hist import hist
from .style import (axis_label, cited_documents, colors, date_axis, footnote, provenance_text, quantity_axis,
                    record, style)

__all__ = ["fan_figure", "compare_figure", "difference_figure", "exceedance_figure", "hist_figure",
           "channels_figure", "binding_figure", "yearly_figure", "disputes_figure", "tornado_figure",
           "sweep_figure", "LAYOUT_ARGS"]

#: The layout keyword arguments every ``*_figure`` function accepts.
LAYOUT_ARGS = ("title", "subtitle", "size", "dpi", "footnote")

CRN_NOTE = ("Scenarios share random numbers (same seed, common random numbers): "
            "differences come from the priors, not from sampling noise.")


def _new(size=None, dpi=None, nrows=1, ncols=1, **kw):
    """A figure in the house style, of ``size`` inches, remembering ``dpi`` for saving."""
    if size is not None:
        w, h = (float(x) for x in size)
        if not (1.0 <= w <= 40.0 and 1.0 <= h <= 40.0):
            raise ValueError(f"size {size!r}: give width and height in inches, each from 1 to 40")
        kw["figsize"] = (w, h)
    fig, axes = plt.subplots(nrows, ncols, **kw)
    if dpi is not None:
        if not 30 <= float(dpi) <= 1200:
            raise ValueError(f"dpi {dpi!r}: give from 30 to 1200 dots per inch")
        fig.__dict__["_dieroll_dpi"] = float(dpi)
    return fig, axes


def sources_line(attrs: dict, width: int = 150) -> str:
    """``Sources: CSIS; L. Heim; ...`` for the documents the run's priors cite, wrapped."""
    docs = cited_documents(attrs)
    return "\n".join(textwrap.wrap("Sources: " + "; ".join(docs), width)) if docs else ""


def _frame(fig, ax, title, subtitle, attrs, command, legend=True, note="", *, layout=None, prov=None):
    """Title, grey subtitle, legend inside the axes, and the footnote (note, sources, provenance)."""
    layout = layout or {}
    ax.set_title(layout.get("title") or title, pad=16)
    sub = layout.get("subtitle")
    ax.text(0.0, 1.01, subtitle if sub is None else sub, transform=ax.transAxes, fontsize=7.5, color="#555555",
            va="bottom")
    if legend:
        ax.legend(loc="upper left", ncol=2)
    _footnote(fig, attrs, command, note, layout, prov)


def _footnote(fig, attrs, command, note, layout, prov=None):
    if layout.get("footnote", True) is False:
        return
    parts = [note] if note else []
    src = sources_line(attrs)
    if src:
        parts.append(src)
    parts.append(prov or provenance_text(attrs, command))
    footnote(fig, "\n".join(parts))


def _layout(kw) -> dict:
    bad = [k for k in kw if k not in LAYOUT_ARGS]
    if bad:
        raise TypeError(f"unexpected argument(s) {', '.join(bad)}; layout arguments are {', '.join(LAYOUT_ARGS)}")
    return kw


def _short(ds, var) -> str:
    """An output's name for a legend: the title its model gives it in the headline table, or
    its long name, up to the first comma, colon or parenthesis ("China", "United States")."""
    import re
    title = next((t for v, _, t in headlines(ds) if v == var), None) or str(ds[var].attrs.get("long_name", var))
    return re.split(r",|:| \(", title)[0].strip() or var


def _what(ds, var, labels):
    return ds[var].attrs.get("long_name", var).split(":")[0] + label_text(ds[var], labels)


def fan_figure(ds, var: str | None = None, *, metric: str | None = None, log: bool = False,
               with_us: bool = True, command: str = "", published=None, labels: dict | None = None, **layout):
    """A publishable fan chart of ``var`` (the run's headline output by default), with the
    output its model draws ``beside`` the headline (the US beside China's totals).

    Parameters
    ----------
    ds : xarray.Dataset
        A run's summary.
    var, metric, log
        Output (default: the model's headline), the label of its ``metric`` label set
        where it has one (default: the model's declared default), and log scale.
    with_us : bool
        Draw the model's ``beside`` output with the headline (default: yes).
    labels : dict, optional
        Labels of the output's other dimensions (``{"region": "north"}``).
    published : list of dieroll.published.Estimate, optional
        Drawn as labelled markers where they match ``var`` and its labels.
    **layout
        ``title``, ``subtitle``, ``size``, ``dpi``, ``footnote`` (see the module).

    Returns
    -------
    matplotlib.figure.Figure
    """
    var = var or headline(ds)
    layout = _layout(layout)
    labels = {k: v for k, v in {"metric": metric, **(labels or {})}.items() if v is not None}
    with style():
        fig, ax = _new(layout.get("size"), layout.get("dpi"))
        beside = ds.attrs.get("beside")
        us = with_us and beside in ds and var == headline(ds)
        fan(ds, var, ax, log=log, label=_short(ds, var), **labels)
        if us:
            fan(ds, beside, ax, color=colors["beside"], label=_short(ds, beside), log=log,
                bands=((0.05, 0.95, 0.15), (0.25, 0.75, 0.3)))
        handles, names = ax.get_legend_handles_labels()
        keep = [i for i, lbl in enumerate(names) if "median" in lbl or "5–95" in lbl]
        handles, names = [handles[i] for i in keep], [names[i] for i in keep]
        if published:
            from .published import markers
            chosen = select(ds, var, labels, option="{dim}=")
            h2, n2 = markers(ax, published, var, {d: str(chosen[d].values) for d in label_dims(ds[var])}, ds)
            handles, names = handles + h2, names + n2
        ax.legend(handles, names, loc="upper left", ncol=1 if published else 2)
        _frame(fig, ax, _what(ds, var, labels),
               f"{ds.attrs.get('title', '')} · bands: 5–95, 10–90, 25–75 % · line: median",
               ds.attrs, command, legend=False, layout=layout)
    return fig


def _runs_footnote(runs: dict, command: str) -> str:
    first = next(iter(runs.values())).attrs
    lines = [f"dieroll {first.get('dieroll_version', '?')} · seed {first.get('seed')} · per run N and priors "
             "(sha256): " + "; ".join(f"{k} N = {int(ds.attrs.get('draws', 0)):,} "
                                      f"{str(ds.attrs.get('priors_sha256', ''))[:8]}" for k, ds in runs.items())]
    return "\n".join(textwrap.wrap(lines[0], 150) + [f"Regenerate: {command}"])


def compare_figure(runs: dict, var: str | None = None, *, metric: str | None = None, log: bool = False,
                   command: str = "", labels: dict | None = None, **layout):
    """Scenarios overlaid (up to three) or as small multiples (more than three).

    ``runs`` maps a label to a summary Dataset.  The footnote gives every run's
    N and priors hash; each small-multiple panel has its own year labels.
    """
    var = var or headline(next(iter(runs.values())))
    layout = _layout(layout)
    labels = {"metric": metric, **(labels or {})}
    first = next(iter(runs.values()))
    what = _what(first, var, labels)
    prov = _runs_footnote(runs, command)
    with style():
        if len(runs) <= 3:
            fig, ax = _new(layout.get("size"), layout.get("dpi"))
            compare(runs, var, ax, log=log, **labels)
            _frame(fig, ax, what, "median and 90 % band per scenario", first.attrs, command, legend=False,
                   note=CRN_NOTE, layout=layout, prov=prov)
            ax.legend(loc="upper left", ncol=3)
            return fig
        ncol = 3
        nrow = math.ceil(len(runs) / ncol)
        size = layout.get("size") or (7.0, 2.2 * nrow + 0.6)
        fig, axes = _new(size, layout.get("dpi"), nrow, ncol, sharex=True, sharey=True, squeeze=False)
        import matplotlib.dates as mdates
        for ax, (label, ds) in zip(axes.flat, runs.items()):
            compare({label: ds}, var, ax, log=log, **labels)
            ax.set_title(label, fontsize=8.5, loc="left", pad=3)
            ax.set_ylabel("")
            ax.xaxis.set_major_locator(mdates.YearLocator(2))
            ax.xaxis.set_minor_locator(mdates.YearLocator(1))
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
            ax.tick_params(axis="x", labelbottom=True)
        for ax in list(axes.flat)[len(runs):]:
            ax.set_visible(False)
        fig.suptitle(layout.get("title") or what, x=0.01, ha="left", fontweight="bold", fontsize=10.5)
        sub = layout.get("subtitle")
        fig.text(0.01, 1 - 0.45 / size[1], "median and 90 % band by scenario" if sub is None else sub,
                 fontsize=7.5, color="#555555")
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.55 / size[1]))
        _footnote(fig, first.attrs, command, CRN_NOTE, layout, prov)
    return fig


def difference_figure(runs: dict, var: str | None = None, *, metric: str | None = None, command: str = "",
                      labels: dict | None = None, **layout):
    """Each scenario minus the first (the baseline), month by month.

    ``runs`` maps a label to a run (anything with ``summary`` and, when kept,
    ``prior_predictive``: :class:`dieroll.Run` or :class:`dieroll.Result`), the
    baseline first.  With kept draws in every run and the same seed and number
    of draws, the difference is taken draw by draw (the runs share random
    numbers, so draw ``i`` of each is the same world but for the priors) and
    its median and 90 % interval are drawn.  Otherwise only the difference of
    the medians can be drawn, and the subtitle says so.
    """
    var = var or headline(next(iter(runs.values())).summary)
    from ..analysis.compare import differences
    layout = _layout(layout)
    labels = {"metric": metric, **(labels or {})}
    tab = differences(runs, var, labels)
    base = next(iter(runs))
    paired = bool(tab.attrs["paired"])
    first = next(iter(runs.values())).summary
    with style():
        fig, ax = _new(layout.get("size"), layout.get("dpi"))
        for i, (label, sub) in enumerate(tab.groupby("scenario", sort=False)):
            c = colors["claim"][(i + 1) % len(colors["claim"])]
            t = pd.to_datetime(sub["time"]).values
            if paired:
                ax.fill_between(t, sub["p5"], sub["p95"], color=c, alpha=0.15, linewidth=0,
                                label=f"{label} − {base}: 90 % interval")
            ax.plot(t, sub["median"], color=c, label=f"{label} − {base}: median")
        ax.axhline(0, color="#555555", linewidth=0.6)
        record(ax, tab)
        date_axis(ax)
        quantity_axis(ax)
        ax.set_ylabel(f"difference, {axis_label(first[var])}")
        ax.margins(x=0)
        what = _what(first, var, labels)
        subtitle = ("paired by draw: median and 90 % interval of the per-draw difference" if paired else
                    "difference of the medians (runs without kept draws: not the median of the difference)")
        ax.legend(loc="best")
        _frame(fig, ax, f"Change from {base}: {what}", subtitle, first.attrs, command, legend=False,
               note=CRN_NOTE, layout=layout, prov=_runs_footnote({k: r.summary for k, r in runs.items()}, command))
    return fig


def exceedance_figure(ds, var: str | None = None, thresholds=None, *, metric: str | None = None,
                      draws=None, command: str = "", labels: dict | None = None, **layout):
    """P(var > threshold) over time; ``thresholds`` default to those the run stored."""
    var = var or headline(ds)
    layout = _layout(layout)
    if thresholds is None:
        tdim = f"{var}_threshold"
        if tdim not in ds.coords:
            raise ValueError(f"this run stored no thresholds for {var}: give thresholds, or add "
                             f"[run.thresholds] {var} = [...] to the priors")
        thresholds = [float(x) for x in ds[tdim].values]
    with style():
        fig, ax = _new(layout.get("size"), layout.get("dpi"))
        labels = {**(labels or {}), **({"metric": metric} if metric else {})}
        exceedance(ds, var, thresholds, ax, draws=draws, **labels)
        what = ds[var].attrs.get("long_name", var).split(":")[0].split(",")[0]
        _frame(fig, ax, f"Chance that {what} exceeds each level{label_text(ds[var], labels)}",
               f"{ds.attrs.get('title', '')} · share of draws above the threshold, by month", ds.attrs, command,
               layout=layout)
    return fig


def hist_figure(ds, prior, prior_predictive, var=None, at=MONTH, *, metric=None, by=None,
                log=False, command="", labels: dict | None = None, **layout):
    """Distribution of ``var`` at ``at``, optionally stacked by claim."""
    var = var or headline(ds)
    layout = _layout(layout)
    labels = {k: v for k, v in {"metric": metric, **(labels or {})}.items() if v is not None}
    # kept draws carry no declared defaults: pick them from the summary
    labels = {d: str(select(ds, var, labels, option="{dim}=")[d].values) for d in label_dims(ds[var])}
    with style():
        fig, ax = _new(layout.get("size"), layout.get("dpi"))
        hist(prior, prior_predictive, var, at, ax, by=by, log=log, **labels)
        sub = f"{ds.attrs.get('title', '')} · {at}" + (f" · stacked by the claim drawn for {by}" if by else "")
        _frame(fig, ax, _what(ds, var, labels), sub, ds.attrs, command, legend=bool(by),
               layout=layout)
    return fig


def channels_figure(ds, *, var=None, by=None, total=None, log=False, command="", labels: dict | None = None,
                    **layout):
    """An output's medians stacked over a label set (:func:`dieroll.plot.channels`): without
    ``var``, the stacked chart the run's model declares (China's compute by channel)."""
    layout = _layout(layout)
    labels = {k: v for k, v in (labels or {}).items() if v is not None}
    if var is None or by is None:
        decl = stack_chart(ds, var)
        var, by, total = decl["var"], by or decl["by"], total if total is not None else decl.get("total")
    decl = next((c for c in declared_charts(ds, "stack") if c["var"] == var and c["by"] == by), {})
    total = decl.get("total") if total is None else total
    with style():
        fig, ax = _new(layout.get("size"), layout.get("dpi"))
        channels(ds, ax, var=var, by=by, total=total, log=log, **labels)
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, hi * 1.35)  # room for the legend above the stack
        title = decl.get("title") or f"{_short(ds, var)} by {by}"
        _frame(fig, ax, title + label_text(ds[var].isel({by: 0}, drop=True), labels),
               f"{ds.attrs.get('title', '')} · median of each {by}, stacked", ds.attrs, command, layout=layout)
    return fig


def binding_figure(ds, *, var=None, command="", **layout):
    """The share of draws in which each label of a 0/1 output holds, by month
    (:func:`dieroll.plot.binding`): without ``var``, the shares chart the run's model
    declares (what limits Ascend output)."""
    layout = _layout(layout)
    decl = shares_chart(ds, var) if var is None else next(
        (c for c in declared_charts(ds, "shares") if c["var"] == var), {"var": var})
    var = decl["var"]
    with style():
        fig, ax = _new(layout.get("size"), layout.get("dpi"))
        binding(ds, ax, var=var)
        _frame(fig, ax, decl.get("title") or _what(ds, var, {}),
               f"{ds.attrs.get('title', '')} · share of draws, by month", ds.attrs, command, layout=layout)
    return fig


def yearly_figure(ds, var=None, *, metric=None, command="", published=None,
                  labels: dict | None = None, **layout):
    """Yearly flows as bars: median and 90 % interval of each calendar year's total, per draw.

    ``var`` defaults to the first yearly chart the run's model declares.  The
    output's first label set without a declared default (route, channel or
    country) makes the bar groups unless ``labels`` picks one label of it.
    """
    layout = _layout(layout)
    if var is None:
        decl = declared_charts(ds, "yearly")
        if not decl:
            raise SelectionError("this run's model declares no yearly chart: give var= (a calendar-year flow)")
        var = decl[0]["var"]
    decl = next((c for c in declared_charts(ds, "yearly") if c["var"] == var), {})
    title = decl.get("title") or str(ds[var].attrs.get("long_name", var)).split(":")[0]
    labels = {k: v for k, v in (labels or {}).items() if v is not None}
    if metric is not None:
        labels.setdefault("metric", metric)
    dim = next((d for d in label_dims(ds[var]) if not label_default(ds, d)), None)
    if dim in labels:
        dim = None
    for d in label_dims(ds[var]):
        if d != dim and d not in labels and label_default(ds, d):
            labels[d] = label_default(ds, d)
    others = [d for d in ds[var].dims if d not in ("time", "quantile") and d != dim]
    sel = {d: labels[d] for d in others if d in labels}
    select(ds, var, sel, keep=(dim,) if dim else (), option="{dim}=")  # a clear error for a missing label
    with style():
        fig, ax = _new(layout.get("size"), layout.get("dpi"))
        yearly(ds, var, ax, dim=dim, **sel)
        handles, names = ax.get_legend_handles_labels()
        if published:
            from .published import markers
            h2, n2 = markers(ax, published, var, sel, ds, yearly=True)
            handles, names = handles + h2, names + n2
        ax.legend(handles, names, loc="upper left", ncol=2)
        _frame(fig, ax, title + label_text(ds[var], {d: sel[d] for d in sel}),
               f"{ds.attrs.get('title', '')} · median and 90 % interval of each year's total over draws",
               ds.attrs, command, legend=False, layout=layout)
    return fig


def disputes_figure(table, attrs: dict, *, command="", **layout):
    """Median and 90 % interval given each claim of each disputed quantity (see :func:`dieroll.disputes`)."""
    layout = _layout(layout)
    n = int((table["claim_id"] != "").sum())
    with style():
        fig, ax = _new(layout.get("size") or (6.4, 1.2 + 0.28 * n), layout.get("dpi"))
        disputes_chart(table, ax)
        _frame(fig, ax, "Which dispute matters", f"{attrs.get('title', '')} · median and 90 % interval given each "
               "claim", attrs, command, legend=False, layout=layout)
    return fig


def tornado_figure(sens, attrs: dict, *, command="", **layout):
    """What drives an output: rank correlation and first-order index per input (see :func:`dieroll.sensitivity`)."""
    layout = _layout(layout)
    with style():
        fig, ax = _new(layout.get("size") or (6.4, 4.6), layout.get("dpi"))
        tornado(sens, ax)
        sub = f"{attrs.get('title', '')} · rank correlation over {sens.attrs['draws']:,} draws"
        if np.isfinite(sens["rbd_fast_s1"].values).any():
            sub += f"; S1: RBD-FAST on {sens.attrs.get('salib_subsample', 0):,}"
        _frame(fig, ax, "What drives the result", sub, attrs, command, legend=False, layout=layout)
    return fig


def sweep_figure(sw, attrs: dict, *, command="", **layout):
    """The output as the weight on one claim goes from 0 to 1 (see :func:`dieroll.sweep`)."""
    layout = _layout(layout)
    with style():
        fig, ax = _new(layout.get("size"), layout.get("dpi"))
        sweep_chart(sw, ax)
        _frame(fig, ax, f"If {sw.attrs['quantity']} = {sw.attrs['claim']} were more (or less) believed",
               f"{attrs.get('title', '')} · reweighted stored draws; smallest effective sample size "
               f"{float(sw['ess'].min()):,.0f}", attrs, command, legend=False, layout=layout)
    return fig


__all__ += ["sources_line", "quantile_table"]

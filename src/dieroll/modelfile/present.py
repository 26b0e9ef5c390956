"""What charts, tables and reports show of a model, as its file declares it.

A model file's ``[model]`` table may name:

``headline``
    The output that charts, checks, comparisons and reports show unless told
    otherwise (default: the first output).
``headlines``
    The series of a run's headline table (``dieroll run``, ``Run`` in Jupyter,
    the report), each ``{ series = "name[dim=label]", title = "..." }`` (default:
    the headline output at its default labels).
``charts``
    The charts a run draws beside its fan chart, each ``{ kind = "...", var =
    "...", title = "...", name = "file-stem" }``: ``stack`` (an output's medians stacked over a
    label set ``by``, with the median of ``total`` as a line), ``shares`` (the
    mean of a 0/1 output over a label set, stacked: the share of draws in which
    each label holds) and ``yearly`` (a calendar-year flow by year).
``beside``
    An output drawn beside the headline in its fan chart (the US beside China).
``notes``
    Markdown printed in the model's generated documentation after its
    description: conventions, sources, known simplifications.

A label set (``[labels.name]``) may say which label is picked when a chart or
table is not told (``default = "label"``); without one, a chart of an output
with that label set must be told which label to show.

:func:`check_presentation` checks these against the model's outputs and labels;
the run store writes them into every run's summary (:func:`summary_attrs`), so
that charts and tables read them from the run.
"""
from __future__ import annotations

import json
import re

from ..text import did_you_mean

__all__ = ["Presentation", "check_presentation", "CHART_KINDS", "parse_series"]

CHART_KINDS = {
    "stack": ("var", "by", "total", "title", "name"),
    "shares": ("var", "title", "name"),
    "yearly": ("var", "title", "name"),
}
MAX_HEADLINES = 16
MAX_CHARTS = 8
_SERIES = re.compile(r"\A\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[([^\]]*)\])?\s*\Z")


class Presentation:
    """The checked ``headline``, ``headlines``, ``charts`` and ``notes`` of a model."""

    def __init__(self, headline="", headlines=(), charts=(), notes="", beside=""):
        self.headline = headline
        self.beside = beside
        self.headlines = tuple(headlines)  # (output, {dim: label}, title)
        self.charts = tuple(charts)        # dicts, as declared
        self.notes = notes

    def attrs(self) -> dict:
        """Summary attributes (JSON where not a string)."""
        return {"headline": self.headline, **({"beside": self.beside} if self.beside else {}),
                "headlines": json.dumps([[o, sel, t] for o, sel, t in self.headlines]),
                "charts": json.dumps(list(self.charts))}


def parse_series(text):
    """``"name[dim=label, ...]"`` as ``(name, {dim: label})``, or ``None`` when malformed."""
    m = _SERIES.match(text) if isinstance(text, str) else None
    if not m:
        return None
    sel = {}
    for part in (m.group(2) or "").split(","):
        if not part.strip():
            continue
        k, eq, v = part.partition("=")
        if not eq or not k.strip() or not v.strip():
            return None
        sel[k.strip()] = v.strip()
    return m.group(1), sel


def check_presentation(head: dict, outputs: dict, labels: dict, report) -> Presentation:
    """Check the presentation keys of ``[model]`` (``head``) against the model's ``outputs``
    (name -> Variable with ``dims`` and ``calendar_year``) and ``labels`` (name -> LabelSet);
    ``report(key, message, value)`` for each problem."""
    names = list(outputs)
    headline = head.get("headline", names[0] if names else "")
    if not isinstance(headline, str) or headline not in outputs:
        report("model.headline", "must name one of the model's outputs" + _near(headline, names), headline)
        headline = names[0] if names else ""

    def series(key, text):
        got = parse_series(text)
        if got is None:
            report(key, "must be an output's series, written name or name[dimension=label, ...]", text)
            return None
        name, sel = got
        if name not in outputs:
            report(key, f"{name!r} is not an output" + _near(name, names), text)
            return None
        dims = outputs[name].dims
        for d, lb in sel.items():
            if d not in dims:
                report(key, f"{name} has no dimension {d!r} (it has: {', '.join(dims) or 'none'})", text)
                return None
            if lb not in labels[d].labels:
                report(key, f"{d} has no label {lb!r} (it has: {', '.join(labels[d].labels)})", text)
                return None
        return name, sel

    headlines = []
    raw = head.get("headlines")
    if raw is None:
        v = outputs.get(headline)
        if v is not None:
            sel = {d: labels[d].default or labels[d].labels[0] for d in v.dims}
            headlines.append((headline, sel, v.description or headline))
    elif not isinstance(raw, list) or len(raw) > MAX_HEADLINES:
        report("model.headlines", f"must be a list of at most {MAX_HEADLINES} tables "
               "{ series = \"name[dim=label]\", title = \"...\" }", raw)
    else:
        for k, e in enumerate(raw):
            key = f"model.headlines[{k}]"
            if not isinstance(e, dict) or set(e) != {"series", "title"} or not isinstance(e.get("title"), str):
                report(key, "must be { series = \"name[dim=label]\", title = \"...\" }", e)
                continue
            got = series(key, e["series"])
            if got:
                headlines.append((got[0], got[1], e["title"]))
    charts = []
    raw = head.get("charts", [])
    if not isinstance(raw, list) or len(raw) > MAX_CHARTS:
        report("model.charts", f"must be a list of at most {MAX_CHARTS} tables {{ kind = ..., var = ..., title = ... }}",
               raw)
        raw = []
    for k, e in enumerate(raw):
        key = f"model.charts[{k}]"
        kind = e.get("kind") if isinstance(e, dict) else None
        if kind not in CHART_KINDS:
            report(key, f"kind must be one of {', '.join(CHART_KINDS)}" + _near(kind, CHART_KINDS), kind)
            continue
        allowed = ("kind",) + CHART_KINDS[kind]
        extra = sorted(set(e) - set(allowed))
        if extra or not all(isinstance(e.get(x), str) for x in ("var", "title")) \
                or not all(isinstance(x, str) for x in e.values()):
            report(key, f"a {kind} chart has {', '.join(allowed)} (strings; var and title are required)",
                   extra or e)
            continue
        if "name" in e and not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,40}", e["name"]):
            report(f"{key}.name", "a chart's file name is lower-case letters, digits and dashes", e["name"])
            continue
        v = outputs.get(e["var"])
        if v is None:
            report(f"{key}.var", "must name one of the model's outputs" + _near(e["var"], names), e["var"])
            continue
        if kind == "yearly" and not v.calendar_year:
            report(f"{key}.var", "a yearly chart draws a calendar-year flow (calendar_year = true)", e["var"])
            continue
        if kind == "shares" and len(v.dims) != 1:
            report(f"{key}.var", "a shares chart draws an output with one label set", e["var"])
            continue
        if kind == "stack":
            if e.get("by") not in v.dims:
                report(f"{key}.by", f"must be one of {e['var']}'s label sets ({', '.join(v.dims) or 'none'})",
                       e.get("by"))
                continue
            total = e.get("total")
            if total is not None and (total not in outputs
                                      or set(outputs[total].dims) != set(v.dims) - {e["by"]}):
                report(f"{key}.total", f"must be an output with {e['var']}'s label sets but {e['by']}", total)
                continue
        charts.append({"name": f"{kind}-{e['var']}", **e})
    beside = head.get("beside", "")
    if beside and (not isinstance(beside, str) or beside not in outputs or outputs[beside].dims):
        report("model.beside", "must name an output without label sets, drawn beside the headline"
               + _near(beside, names), beside)
        beside = ""
    notes = head.get("notes", "")
    if not isinstance(notes, str):
        report("model.notes", "must be Markdown text, a string", notes)
        notes = ""
    return Presentation(headline, headlines, charts, notes, beside)


def _near(name, candidates) -> str:
    return did_you_mean(name, candidates) if isinstance(name, str) else ""

"""A run as one self-contained HTML page: charts, priors with sources, disputes, published
estimates, comparisons and provenance.

The page holds everything inline (SVG charts with their text as text, CSS); it
loads no script, font or image, so it opens from an e-mail attachment or a
shared drive and prints on A4.  It is built from a Jinja2 template
(``templates/report.html.j2``) with autoescaping on: every text that comes
from a priors file or a run folder is escaped.
"""
from __future__ import annotations

import io
import os
import re
import shlex

import numpy as np

from ..errors import DierollError
from ..text import human

__all__ = ["build_report", "write_report", "REPORT"]

REPORT = "report.html"
_HERE = os.path.dirname(os.path.abspath(__file__))


def _svg(fig, alt: str) -> str:
    """``fig`` as inline SVG (no XML header), labelled for screen readers, then closed."""
    import html

    import matplotlib as mpl
    import matplotlib.pyplot as plt

    from ..plot.style import style
    buf = io.StringIO()
    try:
        with style(), mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "dieroll"}):
            fig.savefig(buf, format="svg", metadata={"Date": None})
    finally:
        plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    from ..text import visible_format
    text = visible_format(text)  # a format character in a chart's text (a path, a title) is shown, not obeyed
    label = html.escape(visible_format(alt), quote=True)
    # width/height in pt -> scale to the container; keep the aspect through viewBox
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1', text, count=1)
    return text.replace("<svg", f'<svg role="img" aria-label="{label}" class="svg"', 1)


def _path_band(q, width: int = 120, height: int = 28) -> str:
    """A small inline SVG of a path's prior over time: the 5–95 % band and the median through its knots
    (for competing paths, one band and median per claim)."""
    paths = q.paths()
    every = [k for _, _, knots in paths for k in knots]
    months_all = np.array([k.month for k in every], dtype=float)
    qs_all = np.array([[float(k.dist.ppf(p)) for p in (0.05, 0.5, 0.95)] for k in every])
    if not np.all(np.isfinite(qs_all)):
        return ""
    m0, span = months_all.min(), (months_all.max() - months_all.min()) or 1.0
    lo, hi = float(qs_all.min()), float(qs_all.max())
    scale = (hi - lo) or 1.0
    y = lambda v: height - 2 - (height - 4) * (v - lo) / scale  # noqa: E731
    shapes, alts = [], []
    for cid, _, knots in paths:
        months = np.array([k.month for k in knots], dtype=float)
        qs = np.array([[float(k.dist.ppf(p)) for p in (0.05, 0.5, 0.95)] for k in knots])
        xs = 2 + (width - 4) * (months - m0) / span if len(months_all) > 1 else np.array([width / 2])
        band = " ".join(f"{a:.1f},{y(b):.1f}" for a, b in zip(xs, qs[:, 2])) + " " + \
            " ".join(f"{a:.1f},{y(b):.1f}" for a, b in zip(xs[::-1], qs[::-1, 0]))
        med = " ".join(f"{a:.1f},{y(b):.1f}" for a, b in zip(xs, qs[:, 1]))
        shapes.append(f'<polygon points="{band}" fill="#0072B2" fill-opacity="{0.25 / len(paths):.3f}"/>'
                      f'<polyline points="{med}" fill="none" stroke="#0072B2" stroke-width="1.2"/>')
        alts.append(f"{cid + ': ' if cid else ''}median from {html_num(qs[0, 1])} to {html_num(qs[-1, 1])}")
    alt = (f"prior path over {len(every)} knots, {'; '.join(alts)}, 5–95 % band from {html_num(lo)} to "
           f"{html_num(hi)}")
    return (f'<svg role="img" aria-label="{alt}" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
            + "".join(shapes) + "</svg>")


def _density(q, width: int = 120, height: int = 28) -> str:
    """A small inline SVG of a scalar quantity's prior density (mixture of its claims), or of a path's band."""
    if q.is_path:
        return _path_band(q, width, height)
    lo, hi = (float(x) for x in q.ppf([0.005, 0.995]))
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        v = html_num(lo)
        return f'<svg role="img" aria-label="a single value, {v}" width="{width}" height="{height}" ' \
               f'viewBox="0 0 {width} {height}"><line x1="{width / 2}" y1="2" x2="{width / 2}" y2="{height}" ' \
               'stroke="#0072B2" stroke-width="2"/></svg>'
    x = np.linspace(lo, hi, 61)
    c = np.asarray(q.cdf(x), dtype=float)
    d = np.diff(c) / np.diff(x)
    d = np.where(np.isfinite(d), d, 0.0)
    top = d.max() if d.max() > 0 else 1.0
    xs = np.linspace(0, width, len(d))
    ys = height - 2 - (height - 4) * d / top
    pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(xs, ys))
    alt = f"prior density from {html_num(lo)} to {html_num(hi)}"
    return (f'<svg role="img" aria-label="{alt}" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
            f'<polyline points="0,{height - 2} {pts} {width},{height - 2}" fill="#0072B2" fill-opacity="0.25" '
            f'stroke="#0072B2" stroke-width="1"/></svg>')


def html_num(x) -> str:
    return human(float(x))


def _priors_rows(prior) -> list[dict]:
    rows = []
    for name, q in prior.quantities.items():
        if q.is_path:
            claims = [{"id": "path", "weight": "", "says": "", "source": f"{q.source} — knots, "
                       f"{q.interpolate} interpolation, knot rank {q.knot_rank:g}:"}]
            by_id = {c.id: c for c in q.claims}
            for cid, w, knots in q.paths():
                if cid:
                    c = by_id[cid]
                    claims.append({"id": cid, "weight": f"{w:.0%}", "says": c.says,
                                   "source": c.source + (f" ({c.date})" if c.date else "")})
                claims.extend({"id": str(k.date)[:7], "weight": "", "says": "judgement" if k.basis == "judgement"
                               else "", "source": f"{html_num(k.dist.ppf(0.05))} / {html_num(k.dist.ppf(0.5))} / "
                                                  f"{html_num(k.dist.ppf(0.95))} (p5 / p50 / p95)"} for k in knots)
            p5 = p50 = p95 = "path"
        else:
            claims = [{"id": c.id, "weight": f"{c.weight:.0%}" if len(q.claims) > 1 else "",
                       "source": c.source + (f" ({c.date})" if c.date else ""), "says": c.says} for c in q.claims]
            p5, p50, p95 = (html_num(v) for v in q.ppf([0.05, 0.5, 0.95]))
        reasoning = prior.resolved.get("quantities", {}).get(name, {}).get("reasoning", "")
        rows.append({"name": name, "description": q.description, "units": q.units, "basis": q.basis,
                     "claims": claims, "reasoning": reasoning, "p5": p5, "p50": p50, "p95": p95,
                     "density": _density(q)})
    return rows


def _short(ds, var) -> str:
    return str(ds[var].attrs.get("long_name", var)).split(":")[0]


def _charts(ds, run_path: str, published) -> list[dict]:
    """Every chart the run's model declares: fans of its headline series (log and linear
    scale, with the output it draws beside them), its stacked and shares charts, and a
    yearly chart of every calendar-year flow with a label set to group by."""
    from .. import plot
    from ..plot.render import chart_command
    from ..selection import (declared_charts, headline, headlines, label_default, label_dims, label_text, outputs,
                             year_ends_only)
    groups = []
    fans = []
    var = headline(ds)
    beside = ds.attrs.get("beside") if ds.attrs.get("beside") in ds else None
    series = [sel for v, sel, _ in headlines(ds) if v == var] or [{}]
    for sel in series:
        for log in (True, False):
            cmd = chart_command(run_path, var, None, log) + "".join(f" --{d} {lb}" for d, lb in sel.items())
            fig = plot.fan_figure(ds, var, log=log, command=cmd, published=published, labels=sel)
            scale = "log" if log else "linear"
            what = _short(ds, var) + label_text(ds[var], sel)
            also = f", with {_short(ds, beside)} beside it" if beside else ""
            fans.append({"svg": _svg(fig, f"Fan chart of {what}, {scale} scale{also}: median and 50, 80 and 90 % "
                                          "bands by month"),
                         "caption": f"{what}, {scale} scale{also}. Bands: 5–95, 10–90, 25–75 %; line: median."})
    groups.append({"id": "fans", "title": _short(ds, var) + (f" beside {_short(ds, beside)}" if beside else ""),
                   "charts": fans, "text": "A fan chart is not one path: a single draw can wander from band to band."})
    more = []
    for c in declared_charts(ds):
        if c["kind"] == "stack":
            fig = plot.channels_figure(ds, var=c["var"], by=c["by"], total=c.get("total"),
                                       command=f"dieroll chart {run_path} --kind stack --var {c['var']} --by {c['by']}")
            more.append({"svg": _svg(fig, f"Stacked medians: {c['title']}"),
                         "caption": f"{c['title']}: the median of each {c['by']}, stacked (medians of parts do not "
                                    "add up to the median of the total" + (", drawn dashed)." if c.get("total")
                                                                            else ").")})
        elif c["kind"] == "shares":
            fig = plot.binding_figure(ds, var=c["var"], command=f"dieroll chart {run_path} --kind shares --var "
                                                                f"{c['var']}")
            more.append({"svg": _svg(fig, f"Share of draws by month: {c['title']}"),
                         "caption": f"{c['title']}: the share of draws, by month."})
    if more:
        groups.append({"id": "channels", "title": "Where it comes from and what limits it", "charts": more,
                       "text": ""})
    flows = []
    for v in outputs(ds):
        if not year_ends_only(ds, v):
            continue
        if not any(not label_default(ds, d) for d in label_dims(ds[v])):
            continue  # nothing to group the bars by
        what = next((c["title"] for c in declared_charts(ds, "yearly") if c["var"] == v), _short(ds, v))
        fig = plot.yearly_figure(ds, v, command=f"dieroll chart {run_path} --kind yearly --var {v}",
                                 published=published)
        flows.append({"svg": _svg(fig, f"Bar chart: {what}, median and 90 % interval"),
                      "caption": f"{what}: median bars and 90 % intervals of each year's total over draws."})
    if flows:
        groups.append({"id": "flows", "title": "Yearly flows", "charts": flows,
                       "text": "A year's quantiles come from each draw's total for the year, not from the months."})
    return groups


def _model_section(attrs, spec) -> dict | None:
    """The run's model: its stock-and-flow diagram (when Graphviz is installed) and every
    equation with units, source and note, from the model text the run recorded."""
    if spec is None:
        return None
    from ..errors import DierollError
    from ..modelfile import render_diagram
    try:
        import html
        svg = render_diagram(spec, "svg").decode("utf-8")
        svg = svg[svg.index("<svg"):]  # drop the XML prolog and doctype: inline SVG
        alt = html.escape(f"Stock-and-flow diagram of the model {spec.name}: every stock, flow, auxiliary, input "
                          "and output, with an arrow from every name an equation reads to what it computes")
        svg = svg.replace("<svg", f'<svg role="img" aria-label="{alt}"', 1)
        missing = ""
    except DierollError as exc:
        svg, missing = "", str(exc)

    def rows(variables, kind):
        out = []
        for v in variables:
            eqs = [(lb or "", t) for lb, t in v.texts.items()]
            if v.kind == "stock":
                eqs = [(f"initial{' ' + lb if lb else ''}", t) for lb, t in eqs]
                eqs += [(k, t) for k, t in (("inflow", v.inflow_text), ("outflow", v.outflow_text),
                                            ("change", v.change_text)) if t]
            out.append({"name": v.name, "kind": kind if v.kind != "aux" else "auxiliary",
                        "dims": ", ".join(v.dims), "units": v.units, "description": v.description,
                        "equations": eqs, "source": v.source, "note": v.note,
                        "yearly": bool(getattr(v, "calendar_year", False))})
        return out

    return {"name": spec.name, "title": spec.title, "description": spec.description,
            "sha256": spec.sha256, "file": attrs.get("model_file", ""), "svg": svg, "missing": missing,
            "variables": rows(spec.stocks.values(), "stock") + rows(spec.flows.values(), "flow")
            + rows(spec.outputs.values(), "output"),
            "labels": [(d, ", ".join(f"{lb} ({ls.titles.get(lb, lb)})" for lb in ls.labels))
                       for d, ls in spec.labels.items()]}


def _disputes(run, run_path):
    if getattr(run, "prior", None) is None:
        return None
    from .. import plot
    from ..analysis import disputes, sensitivity
    times = [str(t)[:7] for t in run.summary["time"].values]
    at = "2027-12" if "2027-12" in times else times[-1]
    table = disputes(run, at=at)
    rows = []
    for q in table["quantity"].values:
        row = table.sel(quantity=q)
        for i, cid in enumerate(row["claim_id"].values):
            if not cid:
                continue
            rows.append({"quantity": q, "claim": cid, "weight": f"{row['weight'].values[i]:.0%}",
                         "median": html_num(row["median"].values[i]),
                         "interval": f"{html_num(row['p05'].values[i])}–{html_num(row['p95'].values[i])}",
                         "narrows": f"{row['narrowing'].values[i]:.0%}", "impact": f"{float(row['impact']):.1%}"})
    cmd = f"dieroll disputes {run_path} --at {at} --chart"
    what = f"{_short(run.summary, table.attrs['variable'])} ({table.attrs['labels']})" if table.attrs["labels"] \
        else _short(run.summary, table.attrs["variable"])
    charts = [{"svg": _svg(plot.disputes_figure(table, run.summary.attrs, command=cmd),
                           f"Median and 90 % interval of {what} given each claim of each disputed quantity"),
               "caption": "Median and 90 % interval given each claim; the grey band is the 90 % interval over all "
                          "claims."}]
    sens = sensitivity(run, at=at)
    charts.append({"svg": _svg(plot.tornado_figure(sens, run.summary.attrs, command=cmd),
                               "Tornado chart: rank correlation and first-order index of each input"),
                   "caption": "What drives the result: rank correlation (coloured by sign) and the RBD-FAST "
                              "first-order index (grey) of each input, strongest first."})
    a = table.attrs
    return {"rows": rows, "charts": charts,
            "caption": f"{what} at {at}, given each claim, over {a['draws']:,} draws",
            "text": f"Overall median {html_num(a['median_all'])}, 90 % interval {html_num(a['p05_all'])}–"
                    f"{html_num(a['p95_all'])}. 'Narrows by' is how much the 90 % interval shrinks if the dispute "
                    "were settled for that claim; impact is the expected narrowing."}


def _compare(run, others):
    from .. import plot
    from ..analysis.compare import differences
    runs = {run.name if hasattr(run, "name") else "this run": run}
    for o in others:
        name = getattr(o, "name", f"run {len(runs)}")
        if name in runs:
            raise DierollError(f"--compare {name}: the run is given twice")
        runs[name] = o
    summaries = {k: r.summary for k, r in runs.items()}
    cmd = "dieroll compare " + " ".join(getattr(r, "path", k) for k, r in runs.items())
    from ..selection import headline, label_text
    first = next(iter(summaries.values()))
    what = _short(first, headline(first)) + label_text(first[headline(first)], {})
    charts = [{"svg": _svg(plot.compare_figure(summaries, command=cmd), "Scenarios compared: median and 90 % band "
                           f"of {what} per scenario"),
               "caption": f"Each scenario's median and 90 % band: {what}."},
              {"svg": _svg(plot.difference_figure(runs, command=cmd), "Each scenario minus this run, by month"),
               "caption": "Each scenario minus this run."}]
    tab = differences(runs)
    from ..analysis.compare import table_months
    months = table_months(tab)
    rows = []
    for scen, sub in tab.groupby("scenario", sort=False):
        sub = sub.set_index("time")
        rows.append((scen, [f"{html_num(sub.loc[m, 'median'])} [{html_num(sub.loc[m, 'p5'])}–"
                            f"{html_num(sub.loc[m, 'p95'])}]" if tab.attrs["paired"]
                            else html_num(sub.loc[m, "median"]) for m in months]))
    how = ("Differences are paired by draw (the runs share random numbers): median [5 %–95 %] of the per-draw "
           "difference." if tab.attrs["paired"] else "The runs did not all keep their draws with the same seed and "
           "N, so only the difference of the medians is shown (not the median of the difference).")
    return {"charts": charts, "rows": rows, "times": months, "how": how,
            "caption": f"{what}, each scenario minus this run"}


def build_report(run, *, published=None, compare=(), prior=None) -> str:
    """The report of ``run`` as one HTML string.

    Parameters
    ----------
    run : Run
        An opened run (``dieroll.open_run``); its draws, when kept, give the disputes section.
    published : list of dieroll.published.Estimate, optional
        Drawn on the charts and tabled beside the model.
    compare : sequence of Run
        Scenarios to compare with ``run`` (which comes first, as the baseline).
    prior : PriorSet, optional
        Defaults to the run folder's ``priors.toml``.

    Returns
    -------
    str
    """
    import jinja2

    from ..priors import load_priors
    from ..store.summary import headline_rows, median_precision
    ds = run.summary
    a = ds.attrs
    run_path = getattr(run, "path", "RUN")
    spec = _run_model(a)  # the model the run recorded, checked once
    if prior is None:
        path = os.path.join(run_path, "priors.toml")
        prior = load_priors(path, catalog=spec.inputs if spec is not None else None)
    times, rows = headline_rows(ds, fmt=html_num)
    worst = median_precision(ds, times)
    precision = f"{worst[0]:.2%} of the median ({worst[1]})" if worst else ""
    groups = _charts(ds, run_path, published)
    pub_rows = None
    if published:
        from ..published import validate
        tab = validate(run, published)
        pub_rows = [{"id": r["id"], "what": r["variable"] + (f" ({r['labels']})" if r["labels"] else ""),
                     "date": r["date"], "published": r["published"],
                     "model": f"{html_num(r['model_p50'])} [{html_num(r['model_p05'])}–{html_num(r['model_p95'])}]",
                     "where": r["where"], "inside": bool(r["inside_90"]), "source": r["source"],
                     "counted": r["counted"]} for _, r in tab.iterrows()]
    cmp = _compare(run, compare) if compare else None
    disp = _disputes(run, run_path)
    what_ifs = a.get("what_ifs", "[]")
    regenerate = " ".join(["dieroll run", shlex.quote(os.path.join(run_path, "priors.toml")), "--draws",
                           str(int(a.get("draws", 0))), "--seed", str(a.get("seed")), "--name",
                           shlex.quote(getattr(run, "name", "run") + "-again")]
                          + (["--keep-draws"] if getattr(run, "prior", None) is not None else []))
    regenerate += "\n" + f"dieroll report {shlex.quote(run_path)}"
    prov = {"dieroll_version": a.get("dieroll_version", "?"), "draws": int(a.get("draws", 0)),
            "seed": a.get("seed"), "created_at": a.get("created_at", "")}
    prov_rows = [("run", run_path), ("title", a.get("title", "")), ("draws", f"{int(a.get('draws', 0)):,}"),
                 ("seed", a.get("seed")), ("priors file", a.get("priors_file", "")),
                 ("priors sha256", a.get("priors_sha256", "")), ("what-ifs", what_ifs),
                 ("evidence as of", a.get("evidence_as_of", "all claims (no cut-off)")),
                 ("dieroll version", a.get("dieroll_version", "")), ("git commit", a.get("git_commit", "")),
                 ("model", a.get("model", "")), ("model file", a.get("model_file", "")),
                 ("model sha256", a.get("model_sha256", "")), ("created", a.get("created_at", "")),
                 ("command", a.get("history", "")), ("quantile method", a.get("quantile_method", ""))]
    model = _model_section(a, spec)
    sections = [{"id": "headline", "title": "Headline numbers"}] + \
        [{"id": g["id"], "title": g["title"]} for g in groups]
    if pub_rows:
        sections.append({"id": "published", "title": "Published estimates"})
    if cmp:
        sections.append({"id": "compare", "title": "Scenarios compared"})
    sections += [{"id": "disputes", "title": "Which dispute matters"}]
    if model:
        sections.append({"id": "model", "title": "The model: diagram and equations"})
    sections += [{"id": "priors", "title": "Priors and sources"},
                 {"id": "provenance", "title": "Provenance"}]
    n_judged = sum(q.basis == "judgement" for q in prior.quantities.values())
    priors_text = (f"{len(prior.quantities)} quantities, {len(prior.disputed())} with competing claims, "
                   f"{n_judged} resting on judgement (the reasoning is given). Weights are divided by their sum "
                   "within a quantity; each draw picks one claim.")
    from ..text import visible_format
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(_HERE, "templates")),
                             autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
                             undefined=jinja2.StrictUndefined,
                             # format characters (a right-to-left override in a title or path) shown, not obeyed
                             finalize=lambda v: visible_format(v) if isinstance(v, str) and
                             not hasattr(v, "__html__") else v)
    with open(os.path.join(_HERE, "templates", "report.css"), encoding="utf-8") as fh:
        css = fh.read()
    t = ds["time"].values
    return env.get_template("report.html.j2").render(
        title=a.get("title", "dieroll run"), window=f"{str(t[0])[:7]} to {str(t[-1])[:7]}", prov=prov,
        sections=sections, headline={"times": [str(x)[:7] for x in times], "rows": rows, "precision": precision},
        chart_groups=groups,
        published=pub_rows, compare=cmp, disputes=disp, model=model, priors=_priors_rows(prior), priors_text=priors_text,
        prov_rows=prov_rows, regenerate=regenerate, css=css)


def write_report(run, path: str | None = None, *, force: bool = False, **kwargs) -> str:
    """Write :func:`build_report` to ``path`` (default ``<run>/report.html``), atomically.

    An existing file is replaced only with ``force``.

    Returns
    -------
    str
        The path written.
    """
    from ..store.files import check_target, replace_file
    path = path or os.path.join(run.path, REPORT)
    check_target(path, force)  # before the page is built, which takes seconds; again when it is put in place
    page = build_report(run, **kwargs)

    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(page)

    return replace_file(path, write, force=force)


def _run_model(attrs):
    """The checked model a run recorded (its resolved text), or ``None`` for a run made before
    models were files (or whose recorded text no longer checks)."""
    text = attrs.get("model_text")
    if not text:
        return None
    from ..errors import ModelError
    from ..modelfile import check_text
    try:
        return check_text(str(text), str(attrs.get("model_file") or "model.toml"))
    except ModelError:
        return None

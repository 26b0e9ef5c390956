"""The ``dieroll`` command line: run, check, describe, list, clean, show, chart, compare, export, validate,
report, disputes.

Every command uses the same public API as notebooks.  Errors print as plain
messages (a priors error lists every problem) and exit with status 2; Ctrl-C
exits with 130 and a one-line message.
"""
from __future__ import annotations

import argparse
import textwrap
import os
import sys

import numpy as np

from .errors import DierollError, Interrupted, PriorsError
from .defaults import MONTH

__all__ = ["main"]


def _fmt(x: float) -> str:
    from .text import human
    return human(float(x))


def cmd_check(args) -> int:
    from .api import load_priors
    status = 0
    for path in args.files:
        try:
            ps = load_priors(path)
        except PriorsError as exc:
            print(str(exc), file=sys.stderr)
            status = 2
            continue
        print(f"{path}: OK — {len(ps.quantities)} quantities, {len(ps.correlations)} correlations, "
              f"{ps.run.draws:,} draws, seed {ps.run.seed}, sha256 {ps.sha256[:12]}")
        print(f"  {'quantity':28} {'units':14} {'claims':>6}  {'p5':>9} {'p50':>9} {'p95':>9}")
        for name, q in ps.quantities.items():
            if q.is_path:
                print(f"  {name:28} {q.units:14} {'path':>6}  ({len(q.knots)} knots, {q.interpolate})")
                for k in q.knots:
                    v = np.asarray(k.dist.ppf([0.05, 0.5, 0.95]), dtype=float)
                    print(f"    {str(k.date):26} {'':14} {'':>6}  {_fmt(v[0]):>9} {_fmt(v[1]):>9} {_fmt(v[2]):>9}")
            else:
                v = q.ppf([0.05, 0.5, 0.95])
                print(f"  {name:28} {q.units:14} {len(q.claims):>6}  {_fmt(v[0]):>9} {_fmt(v[1]):>9} {_fmt(v[2]):>9}")
        judged = [n for n, q in ps.quantities.items() if q.basis == "judgement"]
        if judged:
            print(f"  basis = \"judgement\" (no document behind the numbers): {', '.join(judged)}")
        if args.drivers:
            _print_drivers(ps, args)
    return status


def _print_drivers(ps, args) -> None:
    """Run a few thousand draws and flag judgement-basis quantities among the top drivers."""
    if not 100 <= args.drivers <= 1_000_000:
        raise DierollError(f"--drivers {args.drivers}: give from 100 to 1,000,000 draws, or 0 to skip")
    from . import analysis
    from .analysis import judgement_drivers, ranked_quantities
    from .selection import month_in
    from .api import run
    dates = ps.run.dates()
    at = args.at or (_default_at(dates))
    month_in(at, dates, "--at")
    res = run(ps, draws=args.drivers, keep_draws=True)
    from .selection import headline, outputs
    var = args.var or headline(res.summary)
    if var not in res.summary:
        raise DierollError(f"--var {var!r} is not an output of the model; choose one of "
                           f"{', '.join(sorted(outputs(res.summary)))}")
    _check_labels(res.summary, var, _labels(args))
    sens = analysis.sensitivity(res, var, labels=_labels(args), at=at, salib=False)
    bases = {n: q.basis for n, q in ps.quantities.items()}
    ranked = ranked_quantities(sens, bases)[:5]
    print(f"  top drivers of {var} ({sens.attrs['labels'] or 'one series'}) at {at} over {args.drivers:,} draws "
          "(rank correlation): "
          + ", ".join(f"{d.rank}. {d.quantity} {d.rank_correlation:+.2f}" + (" [judgement]" if d.basis == "judgement"
                                                                              else "") for d in ranked))
    for d in judgement_drivers(sens, bases):
        print(f"  ! judgement drives this result: {d.quantity} is driver #{d.rank} (rank correlation "
              f"{d.rank_correlation:+.2f}) and has basis = \"judgement\": no document gives its numbers")


def _default_at(dates) -> str:
    """December 2027 when the run holds it, else the run's last month."""
    months = [str(d)[:7] for d in dates]
    return "2027-12" if "2027-12" in months else months[-1]


def cmd_describe(args) -> int:
    from .modelfile import DEFAULT_MODEL, check_file, describe_markdown
    spec = check_file(args.model or DEFAULT_MODEL)
    if args.graph:
        from .modelfile import write_diagram
        write_diagram(spec, args.graph)
        print(f"wrote {args.graph}: the stock-and-flow diagram of {spec.name}")
        return 0
    if args.markdown:
        print(describe_markdown(spec))
        return 0
    model_name, where = spec.name, f"model file {spec.files[0]} (sha256 {spec.sha256[:12]})"
    inputs, outputs = spec.inputs, _file_outputs(spec)
    from .modelfile import packaged_models
    print(f"Model {model_name}: {where}; packaged model files: "
          + ", ".join(f"{n} ({p})" for n, p in packaged_models().items()))
    print("\nInputs (declare each in a priors file)\n")
    print(f"  {'name':26} {'units':14} {'channel':16} {'kind':6} meaning")
    for i in inputs.values():
        print(f"  {i.name:26} {i.units:14} {i.channel:16} {'path' if i.path else 'scalar':6} {i.description} "
              f"[{i.allowed()}]")
    print("\nOutputs (per draw and month)\n")
    for o in outputs:
        dims = ", ".join(f"{d}: {'/'.join(lbl)}" for d, lbl in o.dims)
        print(f"  {o.name:18} {o.units:14} {o.long_name}" + (f"  [{dims}]" if dims else ""))
    return 0


def _file_outputs(spec):
    from .modelfile import build_outputs
    return build_outputs(spec)


def _stop_at_next_chunk(signum, frame):
    """First Ctrl-C: stop at the next chunk boundary; a second one interrupts at once."""
    import signal

    from .engine import STOP
    STOP.set()
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _terminate(signum, frame):
    """SIGTERM: stop now (between Python steps), cleaning up as Ctrl-C does."""
    raise KeyboardInterrupt


def _count(text: str) -> int:
    """A whole number of draws as typed: ``200000``, ``200_000`` or ``1e8``."""
    try:
        v = float(text.replace("_", "")) if any(c in text.lower() for c in ".e") else int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"draws must be a number such as 200000 or 1e8, got {text!r}") from None
    if v != int(v) or not 0 < v < 1e12:
        raise argparse.ArgumentTypeError(f"draws must be a whole number from 1 to 1e10, got {text!r}")
    return int(v)


def cmd_run(args) -> int:
    import signal

    from .api import run_to_folder
    from .engine import STOP
    STOP.clear()
    signal.signal(signal.SIGINT, _stop_at_next_chunk)
    signal.signal(signal.SIGTERM, _terminate)
    from .api import cluster
    if args.task_size is not None and args.workers is None and args.scheduler is None:
        raise DierollError("--task-size is for a cluster run: give --workers N or --scheduler ADDRESS too")
    if args.task_size is not None:
        from .engine import check_task_size
        check_task_size(args.task_size)
    with cluster(workers=args.workers, scheduler=args.scheduler) as client:
        path = run_to_folder(args.priors, runs_dir=args.runs_dir, name=args.name, draws=args.draws,
                             seed=args.seed, force=args.force, keep_draws=args.keep_draws, progress=not args.quiet,
                             threads=args.threads, chunk_size=args.chunk_size, weights=args.weight, sets=args.set,
                             client=client, task_size=args.task_size, model=args.model)
    if not args.quiet:
        charts = sorted(f for f in os.listdir(path) if f.endswith((".png", ".svg", ".pdf")))
        print(f"wrote {path}/ (summary.nc, manifest.json, priors.toml, {', '.join(charts)}"
              + (", draws.zarr" if args.keep_draws else "") + ")")
    return 0


def cmd_list(args) -> int:
    from .store import list_runs
    from .text import human_bytes
    from .text import printable
    runs = list_runs(args.runs_dir, verify=not args.quick)
    if not runs:
        print(f"no runs in {args.runs_dir}/")
        return 0
    print(f"{'name':24} {'status':12} {'draws':>10} {'seed':>12}  {'completed (UTC)':20}  {'size':>10}  title")
    left = 0
    for r in runs:
        draws = f"{r['draws']:,}" if isinstance(r["draws"], int) else printable(str(r["draws"]), 10)
        title = printable(r["title"], 60) if r["status"] in ("complete", "unverified") else printable(r["note"], 200)
        print(f"{printable(r['name'], 40):24} {r['status']:12} {draws:>10} {printable(str(r['seed']), 12):>12}  "
              f"{printable(r['date'], 20):20}  {human_bytes(r['bytes']):>10}  {title}")
        if r["status"] == "leftover":
            left += r["bytes"]
    n_left = sum(r["status"] == "leftover" for r in runs)
    if n_left:
        print(f"\n{n_left} leftover folder{'s' if n_left > 1 else ''} from interrupted runs ({human_bytes(left)}): "
              "`dieroll clean` removes them")
    if args.quick:
        print("\n--quick: files checked by name, type and size only, not by SHA-256 (status 'unverified')")
    return 0


def cmd_clean(args) -> int:
    from .text import human_bytes
    from .store import clean
    from .text import printable
    done = clean(args.runs_dir, dry_run=args.dry_run)
    if not done:
        print(f"nothing to clean in {args.runs_dir}/")
        return 0
    freed = 0
    for d in done:
        print(f"{d['action']:22} {printable(d['name'], 120)}  ({d['kind']}, {human_bytes(d['bytes'])})")
        if d["action"] == "removed":
            freed += d["bytes"]
    if not args.dry_run:
        print(f"freed {human_bytes(freed)}; complete runs are never touched")
    return 0


def _resolve_run(arg, runs_dir):
    if os.path.isdir(arg) or os.sep in arg:
        return arg
    return os.path.join(runs_dir, arg)


def cmd_show(args) -> int:
    from .store import open_run
    run = open_run(_resolve_run(args.run, args.runs_dir))
    ds = run.summary
    times = ds["time"].values
    if args.at:
        from .selection import month_in
        want = [month_in(a, times, "--at") for a in args.at]
    else:
        want = [t for t in times if str(t)[5:7] == "12"] or [times[-1]]
    from .text import printable
    print(f"{printable(run.manifest.get('title', ''), 200)} — {printable(run.path)} — "
          f"N = {run.manifest.get('draws'):,}, seed {printable(str(run.manifest.get('seed')), 30)}")
    from .store import headline_rows
    _, rows = headline_rows(ds, want, fmt=_fmt)
    print(f"{'':28}" + "".join(f"{str(t)[:7]:>26}" for t in want))
    for label, cells in rows:
        print(f"{label:28}" + "".join(f"{c:>26}" for c in cells))
    print("\nmedian [5 %–95 %]")
    return 0


def _save_all(fig, out_dir, base, formats, attrs, cmd):
    """Save ``fig`` as each format and its numbers as ``base.csv`` beside it (never over a run's own files)."""
    import matplotlib.pyplot as plt

    from .plot import save, save_table
    from .store import run_files
    keep = run_files(out_dir)
    for ext in [f.strip().lower() for f in formats.split(",")] + ["csv"]:
        if os.path.normpath(os.path.join(out_dir, f"{base}.{ext}")) in keep:
            plt.close(fig)
            raise DierollError(f"{os.path.join(out_dir, f'{base}.{ext}')} is one of the run's own files (in its "
                               "manifest) and is never replaced; write the chart elsewhere with --out")
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise DierollError(f"--out {out_dir!r}: cannot create the folder ({exc.strerror})") from None
    written = []
    try:
        for fmt in formats.split(","):
            fmt = fmt.strip().lower()
            if fmt not in ("png", "svg", "pdf"):
                raise DierollError(f"--format {fmt!r}: choose from png, svg, pdf")
            target = os.path.join(out_dir, f"{base}.{fmt}")
            try:
                written += save(fig, target, attrs, cmd, base)
            except OSError as exc:
                raise DierollError(f"cannot write {target!r}: {exc.strerror}") from None
        target = os.path.join(out_dir, f"{base}.csv")
        try:
            written += save_table(fig, target, attrs, cmd)
        except OSError as exc:
            raise DierollError(f"cannot write {target!r}: {exc.strerror}") from None
    finally:
        plt.close(fig)
    return written


def _size(text):
    """``WxH`` in inches (``6.4x4``) for --size."""
    try:
        w, h = (float(x) for x in str(text).lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: write WIDTHxHEIGHT in inches, e.g. 10x5.6") from None
    if not (1.0 <= w <= 40.0 and 1.0 <= h <= 40.0):
        raise argparse.ArgumentTypeError(f"{text!r}: width and height must each be from 1 to 40 inches")
    return (w, h)


def _dpi(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of dots per inch, e.g. 300") from None
    if not 30 <= v <= 1200:
        raise argparse.ArgumentTypeError(f"{text!r}: from 30 to 1200 dots per inch")
    return v


def _layout(args) -> dict:
    """The layout arguments of every *_figure function, from --title/--subtitle/--size/--dpi/--no-footnote."""
    out = {}
    for k in ("title", "subtitle"):
        v = getattr(args, k, None)
        if v is not None:
            from .text import first_unsafe
            if len(v) > 300 or first_unsafe(v) is not None:
                raise DierollError(f"--{k}: printable text of at most 300 characters")
            out[k] = v
    if getattr(args, "size", None):
        out["size"] = args.size
    if getattr(args, "dpi", None):
        out["dpi"] = args.dpi
    if getattr(args, "no_footnote", False):
        out["footnote"] = False
    return out


def _layout_cmd(args) -> str:
    """The layout options as they go into a chart's regenerate command."""
    import shlex
    parts = []
    for k in ("title", "subtitle"):
        if getattr(args, k, None) is not None:
            parts.append(f"--{k} {shlex.quote(getattr(args, k))}")
    if getattr(args, "size", None):
        parts.append(f"--size {args.size[0]:g}x{args.size[1]:g}")
    if getattr(args, "dpi", None):
        parts.append(f"--dpi {args.dpi:g}")
    if getattr(args, "no_footnote", False):
        parts.append("--no-footnote")
    return (" " + " ".join(parts)) if parts else ""


def _labels(args) -> dict:
    """The ``--SET LABEL`` options given, as ``{SET: LABEL}``."""
    return dict(getattr(args, "labels", {}) or {})


def _check_labels(ds, var, labels) -> dict:
    """``labels`` checked against ``var``'s label sets (an unknown set is an error naming the
    ones it has), with the model's declared defaults filled in for the sets not given."""
    from .selection import label_default, label_dims
    dims = label_dims(ds[var])
    for d in labels:
        if d not in dims:
            raise DierollError(f"--{d}: {var} has no {d} dimension"
                               + (f" (its label sets: {', '.join(dims)})" if dims else " (it has no label sets)"))
    return {d: labels.get(d) or label_default(ds, d) for d in dims if labels.get(d) or label_default(ds, d)}


def _labels_cmd(labels) -> str:
    return "".join(f" --{d} {v}" for d, v in labels.items())


def _published(args):
    if not getattr(args, "published", None):
        return None
    from .published import load_published
    return load_published(args.published)


def cmd_chart(args) -> int:
    import matplotlib
    matplotlib.use("Agg")

    from .plot import binding_figure, channels_figure, exceedance_figure, fan_figure, hist_figure, yearly_figure
    from .plot import chart_command
    from .selection import declared_charts, headline, outputs, select, year_ends_only
    from .store import open_run
    path = _resolve_run(args.run, args.runs_dir)
    run = open_run(path)
    ds = run.summary
    layout = _layout(args)
    labels = _labels(args)
    outs = sorted(outputs(ds))
    kind = {"channels": "stack", "binding": "shares"}.get(args.kind, args.kind)
    var = args.var
    if var is None:
        if kind in ("stack", "shares", "yearly"):
            decl = declared_charts(ds, kind)
            if not decl:
                raise DierollError(f"--kind {args.kind}: this run's model declares no {kind} chart; give --var")
            var = decl[0]["var"]
        else:
            var = headline(ds)
    if var not in outs:
        raise DierollError(f"--var {var!r} is not an output of this run; choose one of {', '.join(outs)}")
    if kind == "yearly" and not year_ends_only(ds, var):
        flows = [v for v in outs if year_ends_only(ds, v)]
        raise DierollError(f"--kind yearly charts a calendar-year flow; --var one of {', '.join(flows)}")
    if kind in ("fan", "exceedance") and year_ends_only(ds, var):
        raise DierollError(f"--var {var}: a calendar-year flow, summarised at year ends only (December and "
                           f"the run's last month), so it has no monthly {args.kind} chart; chart it per year: "
                           f"dieroll chart {args.run} --kind yearly --var {var}")
    if kind == "stack" and not args.by:
        args.by = next((c["by"] for c in declared_charts(ds, "stack") if c["var"] == var), None)
        if not args.by:
            raise DierollError(f"--kind stack: give --by, a label set of {var} to stack over")
    chosen = _check_labels(ds, var, labels)
    if kind in ("fan", "exceedance", "hist"):
        select(ds, var, labels)  # a missing or unknown label: the error lists the labels
    tag = "".join(f"-{v}" for v in chosen.values())
    cmd = (chart_command(path, var, None, args.log, args.kind) + _labels_cmd(labels)
           + (f" --by {args.by}" if kind == "stack" else ""))
    published = _published(args)
    if published and kind not in ("fan", "yearly"):
        raise DierollError("--published draws estimates on --kind fan and --kind yearly charts only")
    if published:
        cmd += f" --published {args.published}"
    cmd += _layout_cmd(args)
    try:
        if kind == "fan":
            fig = fan_figure(ds, var, log=args.log, command=cmd, labels=labels, published=published, **layout)
            base = f"fan-{var}{tag}"
        elif kind == "exceedance":
            th = args.threshold
            if th:
                cmd += " --threshold " + " ".join(f"{x:g}" for x in th)
            elif f"{var}_threshold" not in ds.coords:
                raise DierollError(f"--kind exceedance: this run stored no thresholds for {var}; give "
                                   f"--threshold X [X ...], or add [run.thresholds] {var} = [...] to the priors")
            fig = exceedance_figure(ds, var, th, draws=run.prior_predictive, command=cmd, labels=labels, **layout)
            base = f"exceedance-{var}{tag}"
        elif kind == "hist":
            if run.prior is None:
                raise DierollError(f"--kind hist needs the run's draws: re-run with --keep-draws ({path})")
            at = args.at or MONTH
            from .selection import month_in
            month_in(at, ds["time"].values, "--at")
            if args.by and f"{args.by}_claim" not in run.prior:
                disputed = [v[:-6] for v in run.prior.data_vars if v.endswith("_claim")]
                raise DierollError(f"--by {args.by!r}: not a disputed quantity; choose one of {', '.join(disputed)}")
            cmd += f" --at {at}" + (f" --by {args.by}" if args.by else "")
            fig = hist_figure(ds, run.prior, run.prior_predictive, var, at, by=args.by, log=args.log, command=cmd,
                              labels=chosen, **layout)
            base = f"hist-{var}{tag}-{at}" + (f"-by-{args.by}" if args.by else "")
        elif kind == "shares":
            fig = binding_figure(ds, var=var, command=cmd, **layout)
            base = f"shares-{var}"
        elif kind == "yearly":
            fig = yearly_figure(ds, var, command=cmd, labels=labels, published=published, **layout)
            base = f"yearly-{var}{tag}"
        else:
            if args.by not in ds[var].dims:
                raise DierollError(f"--by {args.by!r}: not a label set of {var}")
            others = {d: v for d, v in labels.items() if d != args.by}
            fig = channels_figure(ds, var=var, by=args.by, log=args.log, command=cmd, labels=others, **layout)
            base = f"stack-{var}-by-{args.by}" + "".join(f"-{v}" for d, v in chosen.items() if d != args.by)
    except ValueError as exc:  # a bad size, dpi or threshold from the figure functions
        if isinstance(exc, DierollError):
            raise
        raise DierollError(str(exc)) from None
    base += "-log" if args.log else ""
    print("\n".join(_save_all(fig, args.out or path, base, args.format, ds.attrs, cmd)))
    return 0


def _model_words(attrs) -> str:
    """A run's model in words: its name, and its file's hash for a model file."""
    name = str(attrs.get("model", "?"))
    sha = str(attrs.get("model_sha256", ""))
    return f"model {name} (sha256 {sha[:12]})" if sha else f"model {name} (hand-wired, before models were files)"


def cmd_compare(args) -> int:
    import matplotlib
    matplotlib.use("Agg")

    from .analysis import differences
    from .plot import compare_figure, difference_figure
    from .selection import headline, outputs, select
    from .store import open_run
    runs = {}
    for r in args.runs:
        run = open_run(_resolve_run(r, args.runs_dir))
        if run.name in runs:
            raise DierollError(f"{r}: the run {run.name!r} is given twice")
        runs[run.name] = run
    labels = _labels(args)
    first = next(iter(runs.values())).summary
    var = args.var or headline(first)
    for run in runs.values():
        if var not in run.summary:
            raise DierollError(f"--var {var!r} is not an output of run {run.name}; choose one of "
                               f"{', '.join(sorted(outputs(run.summary)))}")
        select(run.summary, var, labels)
    chosen = _check_labels(first, var, labels)
    seeds = {run.summary.attrs.get("seed") for run in runs.values()}
    if len(seeds) > 1:
        print("dieroll: warning: these runs use different seeds, so they do not share random numbers",
              file=sys.stderr)
    cmd = "dieroll compare " + " ".join(args.runs) + f" --var {var}" + \
        _labels_cmd(chosen) + (" --log" if args.log else "") + _layout_cmd(args)
    layout = _layout(args)
    tag = "".join(f"-{v}" for v in chosen.values())
    summaries = {k: r.summary for k, r in runs.items()}
    models = {k: _model_words(r.summary.attrs) for k, r in runs.items()}
    if len(set(models.values())) > 1:  # a structural what-if: say so, in the legend too
        print("dieroll: these runs differ in structure, not only in priors: "
              + "; ".join(f"{k}: {m}" for k, m in models.items()), file=sys.stderr)
        summaries = {f"{k} [{m.split(' (')[0]}]": s for (k, s), m in zip(summaries.items(), models.values())}
    attrs = next(iter(summaries.values())).attrs
    fig = compare_figure(summaries, var, log=args.log, command=cmd, labels=chosen, **layout)
    out = args.out or args.runs_dir
    base = "compare-" + "-".join(runs) + f"-{var}{tag}" + ("-log" if args.log else "")
    written = _save_all(fig, out, base, args.format, attrs, cmd)
    if len(runs) >= 2:
        tab = differences(runs, var, chosen)
        fig = difference_figure(runs, var, command=cmd, labels=chosen, **layout)
        written += _save_all(fig, out, "difference-" + "-".join(runs) + f"-{var}{tag}", args.format, attrs, cmd)
        base_name = next(iter(runs))
        how = ("paired by draw: median [5 %–95 %] of the per-draw difference" if tab.attrs["paired"] else
               "difference of the medians (runs without kept draws, or different seeds or N: not paired)")
        from .analysis import table_months
        months = table_months(tab)
        print(f"{var}{' (' + ', '.join(chosen.values()) + ')' if chosen else ''} minus {base_name}, {how}:")
        print(f"{'':24}" + "".join(f"{m:>26}" for m in months))
        for scen, sub in tab.groupby("scenario", sort=False):
            sub = sub.set_index("time")
            cells = []
            for m in months:
                r = sub.loc[m]
                cells.append(f"{_fmt(r['median'])} [{_fmt(r['p5'])}–{_fmt(r['p95'])}]" if tab.attrs["paired"]
                             else _fmt(r["median"]))
            print(f"{scen[:24]:24}" + "".join(f"{c:>26}" for c in cells))
        print()
    print("\n".join(written))
    return 0


def cmd_export(args) -> int:
    from .export import export
    from .store import open_run
    path = _resolve_run(args.run, args.runs_dir)
    run = open_run(path)
    out = args.out or os.path.join(path, f"export-{args.by}.{args.format}")
    if args.out and os.path.isdir(args.out):
        out = os.path.join(args.out, f"{run.name}-{args.by}.{args.format}")
    labels = {d: v for d, v in _labels(args).items()}
    written = export(run, out, format=args.format, force=args.force, variables=args.var, at=args.at, by=args.by,
                     labels=labels, digits=args.digits)
    print(written)
    return 0


def cmd_validate(args) -> int:
    from .published import load_published, validate
    from .store import open_run
    path = _resolve_run(args.run, args.runs_dir)
    run = open_run(path)
    ests = load_published(args.published)
    tab = validate(run, ests)
    from .text import printable
    print(f"{printable(run.summary.attrs.get('title', ''), 200)} — {printable(run.path)} — N = "
          f"{int(run.summary.attrs.get('draws', 0)):,} — against {printable(args.published)}\n")
    print(f"{'estimate':24} {'date':8} {'published':>16} {'model median [5 %–95 %]':>30} {'where':>13}  in 90 %")
    for _, r in tab.iterrows():
        model = f"{_fmt(r['model_p50'])} [{_fmt(r['model_p05'])}–{_fmt(r['model_p95'])}]"
        print(f"{printable(r['id'], 24):24} {r['date']:8} {r['published']:>16} {model:>30} {r['where']:>13}  "
              f"{'yes' if r['inside_90'] else 'NO'}")
        what = f"{r['variable']}" + (f" ({r['labels']})" if r["labels"] else "")
        print(f"{'':24} {printable(what, 100)}; {printable(r['source'], 120)}")
        print(f"{'':24} counted: {printable(r['counted'], 160)}")
    outside = int((~tab["inside_90"]).sum())
    print(f"\n{len(tab) - outside} of {len(tab)} published estimates overlap the model's 90 % interval"
          + (f"; {outside} {'does' if outside == 1 else 'do'} not" if outside else ""))
    if args.csv:
        if os.path.exists(args.csv) and not args.force:
            raise DierollError(f"{args.csv} exists; choose another --csv or add --force to replace it")
        tab.to_csv(args.csv, index=False)
        print(args.csv)
    return 0


def cmd_report(args) -> int:
    import matplotlib
    matplotlib.use("Agg")

    from .report import write_report
    from .store import open_run
    path = _resolve_run(args.run, args.runs_dir)
    run = open_run(path)
    others = [open_run(_resolve_run(r, args.runs_dir)) for r in args.compare or []]
    out = args.out
    if out and os.path.isdir(out):
        out = os.path.join(out, f"{run.name}-report.html")
    print(write_report(run, out, force=args.force, published=_published(args), compare=others))
    return 0


def cmd_disputes(args) -> int:
    from . import analysis  # the package: its names disputes/sensitivity are functions, not the modules
    from .store import open_run
    path = _resolve_run(args.run, args.runs_dir)
    run = open_run(path)
    from .selection import headline, outputs
    var = args.var or headline(run.summary)
    if var not in run.summary:
        raise DierollError(f"--var {var!r} is not an output of this run; choose one of "
                           f"{', '.join(sorted(outputs(run.summary)))}")
    labels = _check_labels(run.summary, var, _labels(args))
    tag = "".join(f"-{v}" for v in labels.values())
    opts = f"--var {var}{_labels_cmd(labels)} --at {args.at}"
    table = analysis.disputes(run, var, labels=labels, at=args.at)
    a = table.attrs
    print(f"{var} ({a['labels'] or 'one series'}) at {args.at}: median {_fmt(a['median_all'])}, 90 % interval "
          f"{_fmt(a['p05_all'])}–{_fmt(a['p95_all'])} over {a['draws']:,} draws\n")
    print(f"{'quantity':22} {'claim':12} {'weight':>7} {'draws':>9} {'median':>9} {'90 % interval':>21} "
          f"{'narrows':>8}")
    from .text import printable
    for q in table["quantity"].values:
        row = table.sel(quantity=q)
        print(f"{printable(q, 60):22} impact {float(row['impact']):.1%} (expected narrowing if settled), "
              f"medians differ by {_fmt(float(row['median_spread']))}")
        for i, cid in enumerate(row["claim_id"].values):
            if not cid:
                continue
            print(f"{'':22} {printable(cid, 40):12} {row['weight'].values[i]:>7.0%} {int(row['draws'].values[i]):>9,} "
                  f"{_fmt(row['median'].values[i]):>9} {_fmt(row['p05'].values[i]):>10}–"
                  f"{_fmt(row['p95'].values[i]):<10} {row['narrowing'].values[i]:>8.0%}")
    from .analysis import bases_of, judgement_drivers
    screen = analysis.sensitivity(run, var, labels=labels, at=args.at, salib=False)
    for d in judgement_drivers(screen, bases_of(run)):
        print(f"! judgement drives this result: {d.quantity} is driver #{d.rank} (rank correlation "
              f"{d.rank_correlation:+.2f}) and has basis = \"judgement\": no document gives its numbers")
    layout = _layout(args)
    if args.chart or args.sweep:
        import matplotlib
        matplotlib.use("Agg")
    if args.chart:
        from .plot import disputes_figure, tornado_figure
        cmd = f"dieroll disputes {path} {opts} --chart" + _layout_cmd(args)
        fig = disputes_figure(table, run.summary.attrs, command=cmd, **layout)
        out = _save_all(fig, path, f"disputes-{var}{tag}-{args.at}", args.format,
                        run.summary.attrs, cmd)
        sens = analysis.sensitivity(run, var, labels=labels, at=args.at)
        fig = tornado_figure(sens, run.summary.attrs, command=cmd, **layout)
        out += _save_all(fig, path, f"tornado-{var}{tag}-{args.at}", args.format,
                         run.summary.attrs, cmd)
        print("\n" + "\n".join(out))
    if args.sweep:
        from .analysis import sweep
        from .plot import sweep_figure
        try:
            quantity, claim = args.sweep.split(":")
        except ValueError:
            raise DierollError(f"--sweep {args.sweep!r}: write QUANTITY:CLAIM, e.g. smic_yield:ft") from None
        sw = sweep(run, quantity, claim, var, labels=labels, at=args.at)
        cmd = f"dieroll disputes {path} {opts} --sweep {args.sweep}" + _layout_cmd(args)
        fig = sweep_figure(sw, run.summary.attrs, command=cmd, **layout)
        print("\n".join(_save_all(fig, path, f"sweep-{quantity}-{claim}-{var}{tag}-{args.at}",
                                   args.format, run.summary.attrs, cmd)))
    return 0


class _Help(argparse.RawDescriptionHelpFormatter):
    """Keeps the epilog's examples as written."""


def _sub(sub, name, help, description, examples):
    return sub.add_parser(name, help=help, description=description, formatter_class=_Help,
                          epilog="examples:\n" + "\n".join(f"  {e}" for e in examples))


_LABELS_HELP = ("label options: --SET LABEL picks a label of the output's label set SET, as the run's model "
                "declares them ('dieroll describe MODEL' lists every output's label sets; for the China model, e.g. "
                "--metric training, --channel smic_ascend, --route smic). A set whose model declares a default "
                "label uses it when not given; any other set of the output must be given.")


def _label_options(parser, what="the output"):
    """Mark ``parser`` as taking ``--SET LABEL`` options for the label sets of ``what``
    (the run's model declares them; :func:`_take_labels` reads them before argparse)."""
    parser.set_defaults(_takes_labels=True)
    parser.epilog = (parser.epilog or "") + "\n\n" + "\n".join(textwrap.wrap(_LABELS_HELP, 100))


def _take_labels(parser, argv):
    """Split ``--SET LABEL`` (or ``--SET=LABEL``) options that are not the subcommand's own
    out of ``argv``: ``(argv without them, {SET: LABEL})``.  Label sets are the run's model's,
    so argparse cannot know them; which subcommands take them is checked after parsing."""
    import re
    sub = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
    if sub is None:
        return argv, {}
    k = next((i for i, a in enumerate(argv) if a in sub.choices), None)
    if k is None:
        return argv, {}
    known = set(sub.choices[argv[k]]._option_string_actions) | set(parser._option_string_actions)
    rest, labels, i = list(argv[:k + 1]), {}, k + 1
    while i < len(argv):
        a = argv[i]
        name = a[2:].partition("=")[0]
        if a.startswith("--") and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name or "-") and a.split("=")[0] not in known:
            if "=" in a:
                labels[name] = a.partition("=")[2]
            elif i + 1 < len(argv) and not argv[i + 1].startswith("-"):
                labels[name] = argv[i + 1]
                i += 1
            else:
                parser.error(f"{a} needs a label: {a} LABEL")
            i += 1
            continue
        rest.append(a)
        i += 1
    return rest, labels


def _layout_options(parser):
    parser.add_argument("--title", help="replace the chart's title (default: the output's name)")
    parser.add_argument("--subtitle", help="replace the grey line under the title (default: run title and bands)")
    parser.add_argument("--size", type=_size, metavar="WxH",
                        help="figure size in inches, e.g. 10x5.6 for a slide (default: 6.4x4, one column)")
    parser.add_argument("--dpi", type=_dpi, help="PNG resolution in dots per inch (default: 200)")
    parser.add_argument("--no-footnote", action="store_true",
                        help="leave out the sources and provenance lines (default: shown)")
    parser.add_argument("--format", default="png",
                        help="png, svg, pdf, or several joined by commas (default: png); a CSV of the numbers "
                             "drawn is always written beside the chart")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    p = argparse.ArgumentParser(prog="dieroll", formatter_class=_Help,
                                description="Monte Carlo for AI chip supply under disputed evidence",
                                epilog="examples:\n  dieroll run priors/baseline.toml\n"
                                       "  dieroll chart baseline --kind yearly --var ascend_made_ytd\n"
                                       "  dieroll export baseline --by year --format xlsx\n"
                                       "Run 'dieroll COMMAND --help' for each command's options.")
    p.add_argument("--version", action="version", version=f"dieroll {__version__}")
    p.add_argument("--runs-dir", default="runs", help="where runs live (default: runs)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    r = _sub(sub, "run", "run a priors file and write runs/<name>/",
             "Sample the priors through the model and write a run folder: summary.nc, manifest.json, the "
             "resolved priors.toml, fan.png/svg/pdf, binding.png, ascend-yearly.png (and draws.zarr with "
             "--keep-draws). The folder is written aside and renamed when complete.",
             ["dieroll run priors/baseline.toml",
              "dieroll run priors/scenarios/h20-licensed.toml --draws 200000 --keep-draws",
              "dieroll run priors/baseline.toml --name ft-heavy --weight smic_yield.ft=0.8",
              "dieroll run priors/baseline.toml --name pkg80 --set packaging_yield=0.8",
              "dieroll run priors/baseline.toml --name big --draws 1e8 --workers 2",
              "dieroll run priors/baseline.toml --name huge --draws 1e9 --scheduler tcp://head:8786"])
    r.add_argument("priors", help="the priors TOML file")
    r.add_argument("--model", metavar="MODEL", help="a packaged model's name or a model file to run the priors "
                   "through (default: the priors' [run] model, else the China model)")
    r.add_argument("--draws", type=_count, help="number of draws, e.g. 200000 or 1e8 (default: the priors' [run] draws)")
    r.add_argument("--seed", type=int, help="random seed (default: the priors' [run] seed)")
    r.add_argument("--name", help="run name (default: the priors file name without .toml)")
    r.add_argument("--force", action="store_true", help="replace an existing run of that name (default: refuse)")
    r.add_argument("--keep-draws", action="store_true",
                   help="also write draws.zarr, needed by disputes, hist and paired differences (about 16 KB per "
                        "draw; default: off)")
    r.add_argument("--weight", action="append", default=[], metavar="QUANTITY.CLAIM=W",
                   help="what-if: re-weight one claim (others keep theirs; weights are divided by their sum); "
                        "repeatable; recorded in the run's priors.toml and manifest (default: none)")
    r.add_argument("--set", action="append", default=[], metavar="QUANTITY=VALUE",
                   help="what-if: fix a quantity at VALUE, or give it a dist as a TOML inline table "
                        "('smic_yield={family=\"beta\", mean=0.3, sd=0.05}'); repeatable; recorded like --weight "
                        "(default: none)")
    r.add_argument("--quiet", action="store_true", help="no progress bar or messages (default: shown)")
    r.add_argument("--threads", type=int, help="worker threads, 1 to 256 (default: all cores); results do not "
                                               "depend on it")
    r.add_argument("--chunk-size", type=int, help="draws per chunk (default: sized to 128 MiB); results do not "
                                                  "depend on it")
    r.add_argument("--workers", type=int, metavar="N",
                   help="run the draws on a dask LocalCluster of N processes (one numba thread each); the "
                        "summary has the same bits as a local run (default: local threads)")
    r.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the draws on an existing dask cluster, e.g. tcp://host:8786 (default: local)")
    r.add_argument("--task-size", type=int, metavar="DRAWS",
                   help="draws per cluster task, a multiple of 65,536 (default: 4,194,304); results do not "
                        "depend on it")
    r.set_defaults(func=cmd_run)
    c = _sub(sub, "check", "validate priors files, summarise each quantity and flag judgement-basis "
             "quantities among the top drivers",
             "Validate each file (every problem with file, line, key and value), print each quantity's 5/50/95 % "
             "and screen the top drivers of one output with a short run.",
             ["dieroll check priors/baseline.toml", "dieroll check priors/scenarios/*.toml --drivers 0",
              "dieroll check priors/baseline.toml --var china_total --at 2030-12"])
    c.add_argument("files", nargs="+", help="priors TOML files")
    c.add_argument("--var", help="output whose drivers are screened (default: the model's headline output)")
    _label_options(c, "--var")
    c.add_argument("--at", metavar="YYYY-MM", help="month screened (default: 2027-12, or the run's last month)")
    c.add_argument("--drivers", type=int, default=4000, metavar="DRAWS",
                   help="draws run to rank the drivers (default: 4000; 0: skip)")
    c.set_defaults(func=cmd_check)
    d = _sub(sub, "describe", "list every quantity the model reads and every output",
             "The model's inputs (name, units, channel, scalar or path, allowed values) and outputs with their "
             "label dimensions; --markdown writes every equation with its units and source, --graph draws the "
             "stock-and-flow diagram.",
             ["dieroll describe", "dieroll describe smuggling-cases --markdown", "dieroll describe my-model.toml",
              "dieroll describe china --graph china.svg"])
    d.add_argument("model", nargs="?", help="a packaged model's name or a model file (default: china, the packaged "
                   "China model)")
    d.add_argument("--markdown", action="store_true", help="every equation with units and sources, as Markdown (default: the table of inputs and outputs)")
    d.add_argument("--graph", metavar="FILE", help="write the stock-and-flow diagram to FILE (.svg or .png, drawn "
                   "by Graphviz's dot; .dot for the DOT text; default: no diagram)")
    d.set_defaults(func=cmd_describe)
    ls = _sub(sub, "list", "list runs (each verified against its manifest) and leftovers of interrupted runs",
              "Every run under --runs-dir with its status, draws and title; files are checked against the "
              "manifest's SHA-256.", ["dieroll list", "dieroll list --quick"])
    ls.add_argument("--quick", action="store_true",
                    help="check files by name, type and size only, not SHA-256 (default: verify every byte)")
    ls.set_defaults(func=cmd_list)
    cl = _sub(sub, "clean", "remove what interrupted runs left behind (never a complete run)",
              "Remove temporary and aside folders of interrupted runs.", ["dieroll clean --dry-run", "dieroll clean"])
    cl.add_argument("--dry-run", action="store_true", help="only say what would be removed (default: remove)")
    cl.set_defaults(func=cmd_clean)
    s = _sub(sub, "show", "key quantiles of a run at chosen dates",
             "Median and 90 % interval of the headline series the run's model declares (for the China model: "
             "China's compute for both metrics, the US and the ratio).",
             ["dieroll show baseline", "dieroll show baseline --at 2025-12 2027-12 2030-12"])
    s.add_argument("run", help="run name (under --runs-dir) or folder")
    s.add_argument("--at", nargs="+", metavar="YYYY-MM", help="months to show (default: every December)")
    s.set_defaults(func=cmd_show)
    ch = _sub(sub, "chart", "draw a chart of a run (and a CSV of its numbers)",
              "Draw one chart of a run into its folder (or --out), with a CSV of exactly the numbers drawn.",
              ["dieroll chart baseline --var ascend_packages --route smic",
               "dieroll chart baseline --var china_stock --channel nvidia_smuggled --log",
               "dieroll chart baseline --kind yearly --var chips_added_ytd --published priors/published/seeds.toml",
               "dieroll chart baseline --kind exceedance",
               "dieroll chart baseline --size 10x5.6 --dpi 300 --title 'China AI compute' --no-footnote"])
    ch.add_argument("run", help="run name (under --runs-dir) or folder")
    ch.add_argument("--kind", default="fan", choices=["fan", "exceedance", "hist", "stack", "shares", "yearly",
                                                      "channels", "binding"],
                    help="fan (default), exceedance, hist, stack (medians stacked over the label set --by), shares "
                         "(a 0/1 output's share of draws by label), yearly (a calendar-year flow as bars per year); "
                         "channels and binding are the names stack and shares had")
    ch.add_argument("--var", help="the output to chart (default: the model's headline output, or for stack, shares "
                                  "and yearly the one its model declares; 'dieroll describe' lists them)")
    _label_options(ch, "--var")
    ch.add_argument("--log", action="store_true", help="log scale (default: linear)")
    ch.add_argument("--out", help="folder to write into (default: the run folder)")
    ch.add_argument("--threshold", type=float, nargs="+",
                    help="levels for --kind exceedance (default: the thresholds the run stored)")
    ch.add_argument("--at", help=f"YYYY-MM, for --kind hist (default: {MONTH})")
    ch.add_argument("--by", help="a disputed quantity to stack --kind hist by, or the label set --kind stack stacks "
                                 "over (default: none; for stack, the one the model declares)")
    ch.add_argument("--published", metavar="FILE",
                    help="published estimates (TOML) to mark on --kind fan and yearly charts (default: none)")
    _layout_options(ch)
    ch.set_defaults(func=cmd_chart)
    cp = _sub(sub, "compare", "several scenarios on one chart, and each minus the first",
              "Overlay the scenarios (small multiples for more than three), and draw and print each scenario "
              "minus the first run, paired by draw when every run kept its draws with the same seed and N.",
              ["dieroll compare baseline h20-licensed smuggling-enforced",
               "dieroll compare baseline hbm-controls-tight --var ascend_packages --route smic"])
    cp.add_argument("runs", nargs="+", help="run names or folders, the baseline first")
    cp.add_argument("--var", help="the output to compare (default: the model's headline output)")
    _label_options(cp, "--var")
    cp.add_argument("--log", action="store_true", help="log scale (default: linear)")
    cp.add_argument("--out", help="folder to write into (default: the runs folder)")
    _layout_options(cp)
    cp.set_defaults(func=cmd_compare)
    ex = _sub(sub, "export", "write a run's quantiles as a tidy CSV, Excel or Parquet table",
              "One row per output, label and period: median, p5..p95, mean, sd, units, with the run's "
              "provenance (CSV: '#' lines first; Excel: a provenance sheet; Parquet: file metadata). A quarter "
              "or year is read at its last month: a stock at the period's end, a *_ytd flow's December value "
              "is the year's total.",
              ["dieroll export baseline --by year --format xlsx",
               "dieroll export baseline --var china_total us_total --by quarter --out /tmp/baseline.csv",
               "dieroll export baseline --var ascend_made_ytd --route smic --by year --format parquet"])
    ex.add_argument("run", help="run name (under --runs-dir) or folder")
    ex.add_argument("--var", nargs="+", help="outputs to include (default: all)")
    ex.add_argument("--at", nargs="+", metavar="PERIOD",
                    help="periods to keep: YYYY-MM, YYYY-Qn or YYYY (default: all)")
    ex.add_argument("--by", default="month", choices=["month", "quarter", "year"],
                    help="one row per month, quarter or year (default: month)")
    ex.add_argument("--format", default="csv", choices=["csv", "xlsx", "parquet"], help="file format (default: csv)")
    ex.add_argument("--digits", type=int, default=4, help="significant digits (default: 4)")
    _label_options(ex, "each --var (keep only that label; default: every label)")
    ex.add_argument("--out", help="file or folder to write (default: <run>/export-<by>.<format>)")
    ex.add_argument("--force", action="store_true", help="replace an existing file (default: refuse)")
    ex.set_defaults(func=cmd_export)
    va = _sub(sub, "validate", "the model beside published output estimates",
              "Each published estimate (a TOML file of output-level figures) beside the run's median and 90 % "
              "interval at its date, and where it falls. Published outputs check the model; they never set priors.",
              ["dieroll validate baseline --published priors/published/seeds.toml",
               "dieroll validate baseline --published priors/published/seeds.toml --csv /tmp/validate.csv"])
    va.add_argument("run", help="run name (under --runs-dir) or folder")
    va.add_argument("--published", required=True, metavar="FILE", help="published estimates (TOML)")
    va.add_argument("--csv", help="also write the comparison as CSV (default: none)")
    va.add_argument("--force", action="store_true", help="replace an existing --csv file (default: refuse)")
    va.set_defaults(func=cmd_validate)
    rp = _sub(sub, "report", "one self-contained HTML page of a run, to share",
              "Write runs/<name>/report.html: the fan charts (both metrics, log and linear), channels, binding "
              "constraint, yearly flows, every prior with its sources, the disputes (for a run with kept draws), "
              "published estimates beside the model and provenance. Everything is inline: it opens offline and "
              "prints on A4.",
              ["dieroll report baseline",
               "dieroll report baseline --published priors/published/seeds.toml --compare h20-licensed",
               "dieroll report baseline --out /tmp --force"])
    rp.add_argument("run", help="run name (under --runs-dir) or folder")
    rp.add_argument("--published", metavar="FILE", help="published estimates (TOML) to put beside the model "
                                                      "(default: none)")
    rp.add_argument("--compare", nargs="+", metavar="RUN", help="scenario runs to compare with this one "
                                                               "(default: none)")
    rp.add_argument("--out", help="file or folder to write (default: <run>/report.html)")
    rp.add_argument("--force", action="store_true", help="replace an existing report (default: refuse)")
    rp.set_defaults(func=cmd_report)
    dp = _sub(sub, "disputes", "which dispute matters (needs a run with --keep-draws)",
              "For each disputed quantity: the output given each claim, and how much settling it would narrow "
              "the 90 % interval; judgement-basis drivers flagged.",
              ["dieroll disputes baseline --at 2027-12 --chart",
               "dieroll disputes baseline --sweep smic_yield:ft"])
    dp.add_argument("run", help="run name (under --runs-dir) or folder (run with --keep-draws)")
    dp.add_argument("--var", help="output (default: the model's headline output)")
    _label_options(dp, "--var")
    dp.add_argument("--at", default=MONTH, help=f"month YYYY-MM (default: {MONTH})")
    dp.add_argument("--chart", action="store_true", help="also write the disputes and tornado charts (default: off)")
    dp.add_argument("--sweep", metavar="QUANTITY:CLAIM",
                    help="chart the output as that claim's weight goes 0 -> 1 (default: none)")
    _layout_options(dp)
    dp.set_defaults(func=cmd_disputes)
    return p


def main(argv=None) -> int:
    """Entry point of the ``dieroll`` command."""
    parser = build_parser()
    argv, labels = _take_labels(parser, list(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    if labels and not getattr(args, "_takes_labels", False):
        parser.error("unrecognized arguments: " + " ".join(f"--{k} {v}" for k, v in labels.items()))
    args.labels = labels
    try:
        return args.func(args)
    except PriorsError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DierollError as exc:
        print(f"dieroll: {exc}", file=sys.stderr)
        return 2
    except Interrupted as exc:
        print(f"dieroll: {exc}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("dieroll: interrupted; no run was written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug: one line, the traceback on request
        if os.environ.get("DIEROLL_DEBUG"):
            raise
        print(f"dieroll: internal error (a bug in dieroll, please report it): {type(exc).__name__}: "
              f"{str(exc)[:300]}; run again with DIEROLL_DEBUG=1 for the traceback", file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())

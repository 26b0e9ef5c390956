"""The ``dieroll`` command line: run, check, describe, list, clean, show, chart, compare, disputes.

Every command uses the same public API as notebooks.  Errors print as plain
messages (a priors error lists every problem) and exit with status 2; Ctrl-C
exits with 130 and a one-line message.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from .errors import DierollError, Interrupted, PriorsError

__all__ = ["main"]


def _fmt(x: float) -> str:
    if not np.isfinite(x):
        return str(x)
    a = abs(x)
    if a >= 1e6:
        return f"{x / 1e6:.3g} M"
    if a >= 1e4:
        return f"{x / 1e3:.3g} k"
    return f"{x:.3g}"


def cmd_check(args) -> int:
    from .priors import load_priors
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
    from .analysis import judgement_drivers, ranked_quantities, sensitivity
    from .analysis._draws import month_in
    from .api import run
    dates = ps.run.dates()
    at = args.at or (_default_at(dates))
    month_in(at, dates, "--at")
    res = run(ps, draws=args.drivers, keep_draws=True)
    sens = sensitivity(res, args.var, metric=args.metric, at=at, salib=False)
    bases = {n: q.basis for n, q in ps.quantities.items()}
    ranked = ranked_quantities(sens, bases)[:5]
    print(f"  top drivers of {args.var} ({args.metric}) at {at} over {args.drivers:,} draws (rank correlation): "
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
    from .model import MODEL
    print(f"Model {MODEL.name}: inputs (declare each in a priors file)\n")
    print(f"  {'name':26} {'units':14} {'channel':16} {'kind':6} meaning")
    for i in MODEL.inputs.values():
        print(f"  {i.name:26} {i.units:14} {i.channel:16} {'path' if i.path else 'scalar':6} {i.description} "
              f"[{i.allowed()}]")
    print("\nOutputs (per draw and month)\n")
    for o in MODEL.outputs:
        dims = ", ".join(f"{d}: {'/'.join(lbl)}" for d, lbl in o.dims)
        print(f"  {o.name:18} {o.units:14} {o.long_name}" + (f"  [{dims}]" if dims else ""))
    return 0


def _stop_at_next_chunk(signum, frame):
    """First Ctrl-C: stop at the next chunk boundary; a second one interrupts at once."""
    import signal

    from .engine.simulate import STOP
    STOP.set()
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _terminate(signum, frame):
    """SIGTERM: stop now (between Python steps), cleaning up as Ctrl-C does."""
    raise KeyboardInterrupt


def cmd_run(args) -> int:
    import signal

    from .api import run_to_folder
    from .engine.simulate import STOP
    STOP.clear()
    signal.signal(signal.SIGINT, _stop_at_next_chunk)
    signal.signal(signal.SIGTERM, _terminate)
    path = run_to_folder(args.priors, runs_dir=args.runs_dir, name=args.name, draws=args.draws, seed=args.seed,
                         force=args.force, keep_draws=args.keep_draws, progress=not args.quiet,
                         threads=args.threads, chunk_size=args.chunk_size)
    if not args.quiet:
        charts = sorted(f for f in os.listdir(path) if f.endswith((".png", ".svg", ".pdf")))
        print(f"wrote {path}/ (summary.nc, manifest.json, priors.toml, {', '.join(charts)}"
              + (", draws.zarr" if args.keep_draws else "") + ")")
    return 0


def cmd_list(args) -> int:
    from .store import list_runs
    from .store.files import human_bytes
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
    from .store.files import human_bytes
    from .store.folder import clean
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
        from .analysis._draws import month_in
        want = [month_in(a, times, "--at") for a in args.at]
    else:
        want = [t for t in times if str(t)[5:7] == "12"] or [times[-1]]
    from .text import printable
    print(f"{printable(run.manifest.get('title', ''), 200)} — {printable(run.path)} — "
          f"N = {run.manifest.get('draws'):,}, seed {printable(str(run.manifest.get('seed')), 30)}")
    rows = [("china_total", {"metric": "inference"}, "China, inference (H100e)"),
            ("china_total", {"metric": "training"}, "China, training (H100e)"),
            ("us_total", {}, "United States (H100e)"),
            ("us_china_ratio", {"metric": "inference"}, "US / China, inference")]
    print(f"{'':28}" + "".join(f"{str(t)[:7]:>26}" for t in want))
    for var, sel, label in rows:
        da = ds[var].sel(**sel)
        cells = []
        for t in want:
            v = da.sel(time=t).sel(quantile=[0.05, 0.5, 0.95]).values
            cells.append(f"{_fmt(v[1])} [{_fmt(v[0])}–{_fmt(v[2])}]")
        print(f"{label:28}" + "".join(f"{c:>26}" for c in cells))
    print("\nmedian [5 %–95 %]")
    return 0


def _save_all(fig, out_dir, base, formats, attrs, cmd):
    import matplotlib.pyplot as plt

    from .plot.style import save
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise DierollError(f"--out {out_dir!r}: cannot create the folder ({exc.strerror})") from None
    written = []
    for fmt in formats.split(","):
        fmt = fmt.strip().lower()
        if fmt not in ("png", "svg", "pdf"):
            raise DierollError(f"--format {fmt!r}: choose from png, svg, pdf")
        try:
            written += save(fig, os.path.join(out_dir, f"{base}.{fmt}"), attrs, cmd, base)
        except OSError as exc:
            raise DierollError(f"cannot write {os.path.join(out_dir, f'{base}.{fmt}')!r}: {exc.strerror}") from None
    plt.close(fig)
    return written


def cmd_chart(args) -> int:
    import matplotlib
    matplotlib.use("Agg")

    from .plot import binding_figure, channels_figure, exceedance_figure, fan_figure, hist_figure, yearly_figure
    from .plot.render import chart_command
    from .store import open_run
    path = _resolve_run(args.run, args.runs_dir)
    run = open_run(path)
    ds = run.summary
    outs = sorted(v for v in ds.data_vars if "quantile" in ds[v].dims and not v.endswith(("_error", "_mcse")))
    if args.var not in outs:
        raise DierollError(f"--var {args.var!r}: not an output of this run; choose one of {', '.join(outs)}")
    extra = [d for d in ds[args.var].dims if d not in ("time", "quantile", "metric")]
    if args.kind == "yearly" and not args.var.endswith("_ytd"):
        flows = [v for v in outs if v.endswith("_ytd")]
        raise DierollError(f"--kind yearly charts a calendar-year flow; --var one of {', '.join(flows)}")
    if args.kind not in ("channels", "binding", "yearly") and extra:
        labels = "; ".join(f"{d}: {', '.join(map(str, ds[d].values))}" for d in extra)
        plain = [v for v in outs if not [d for d in ds[v].dims if d not in ("time", "quantile", "metric")]]
        raise DierollError(f"--var {args.var} has labels to choose from ({labels}), which this command cannot "
                           f"select yet; chart one of {', '.join(plain)}, or --kind channels")
    cmd = chart_command(path, args.var, args.metric, args.log, args.kind)
    if args.kind == "fan":
        fig = fan_figure(ds, args.var, metric=args.metric, log=args.log, command=cmd)
        base = f"fan-{args.var}-{args.metric}"
    elif args.kind == "exceedance":
        th = args.threshold or [1e6]
        cmd += " --threshold " + " ".join(f"{x:g}" for x in th)
        try:
            fig = exceedance_figure(ds, args.var, th, metric=args.metric, draws=run.prior_predictive, command=cmd)
        except ValueError as exc:
            raise DierollError(str(exc)) from None
        base = f"exceedance-{args.var}-{args.metric}"
    elif args.kind == "hist":
        if run.prior is None:
            raise DierollError(f"--kind hist needs the run's draws: re-run with --keep-draws ({path})")
        at = args.at or "2026-12"
        from .analysis._draws import month_in
        month_in(at, ds["time"].values, "--at")
        if args.by and f"{args.by}_claim" not in run.prior:
            disputed = [v[:-6] for v in run.prior.data_vars if v.endswith("_claim")]
            raise DierollError(f"--by {args.by!r}: not a disputed quantity; choose one of {', '.join(disputed)}")
        cmd += f" --at {at}" + (f" --by {args.by}" if args.by else "")
        fig = hist_figure(ds, run.prior, run.prior_predictive, args.var, at, metric=args.metric, by=args.by,
                          log=args.log, command=cmd)
        base = f"hist-{args.var}-{args.metric}-{at}" + (f"-by-{args.by}" if args.by else "")
    elif args.kind == "binding":
        if "ascend_binding_mean" not in ds:
            raise DierollError(f"--kind binding: this run has no ascend_binding output ({path})")
        fig = binding_figure(ds, command=cmd)
        base = "binding"
    elif args.kind == "yearly":
        fig = yearly_figure(ds, args.var, metric=args.metric, command=cmd)
        base = f"yearly-{args.var}" + (f"-{args.metric}" if "metric" in ds[args.var].dims else "")
    else:
        fig = channels_figure(ds, metric=args.metric, log=args.log, command=cmd)
        base = f"channels-{args.metric}"
    base += "-log" if args.log else ""
    print("\n".join(_save_all(fig, args.out or path, base, args.format, ds.attrs, cmd)))
    return 0


def cmd_compare(args) -> int:
    import matplotlib
    matplotlib.use("Agg")

    from .plot import compare_figure
    from .store import open_run
    runs = {}
    for r in args.runs:
        run = open_run(_resolve_run(r, args.runs_dir))
        runs[run.name] = run.summary
    seeds = {ds.attrs.get("seed") for ds in runs.values()}
    if len(seeds) > 1:
        print("dieroll: warning: these runs use different seeds, so they do not share random numbers",
              file=sys.stderr)
    cmd = "dieroll compare " + " ".join(args.runs) + f" --var {args.var} --metric {args.metric}" + \
        (" --log" if args.log else "")
    fig = compare_figure(runs, args.var, metric=args.metric, log=args.log, command=cmd)
    out = args.out or args.runs_dir
    base = "compare-" + "-".join(runs) + f"-{args.var}-{args.metric}" + ("-log" if args.log else "")
    print("\n".join(_save_all(fig, out, base, args.format, next(iter(runs.values())).attrs, cmd)))
    return 0


def cmd_disputes(args) -> int:
    from .analysis import disputes, sensitivity
    from .store import open_run
    path = _resolve_run(args.run, args.runs_dir)
    run = open_run(path)
    table = disputes(run, args.var, metric=args.metric, at=args.at)
    a = table.attrs
    print(f"{args.var} ({args.metric}) at {args.at}: median {_fmt(a['median_all'])}, 90 % interval "
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
    screen = sensitivity(run, args.var, metric=args.metric, at=args.at, salib=False)
    for d in judgement_drivers(screen, bases_of(run)):
        print(f"! judgement drives this result: {d.quantity} is driver #{d.rank} (rank correlation "
              f"{d.rank_correlation:+.2f}) and has basis = \"judgement\": no document gives its numbers")
    if args.chart:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from .plot import disputes_chart, tornado
        from .plot.figures import _frame
        from .plot.style import style
        cmd = f"dieroll disputes {path} --var {args.var} --metric {args.metric} --at {args.at} --chart"
        with style():
            fig, ax = plt.subplots(figsize=(6.4, 1.2 + 0.28 * int((table['claim_id'] != '').sum())))
            disputes_chart(table, ax)
            _frame(fig, ax, "Which dispute matters", f"{run.summary.attrs.get('title', '')} · median and 90 % "
                   "interval given each claim", run.summary.attrs, cmd, legend=False)
        out = _save_all(fig, path, f"disputes-{args.var}-{args.metric}-{args.at}", args.format,
                        run.summary.attrs, cmd)
        sens = sensitivity(run, args.var, metric=args.metric, at=args.at)
        with style():
            fig, ax = plt.subplots(figsize=(6.4, 4.6))
            tornado(sens, ax)
            _frame(fig, ax, "What drives the result", f"{run.summary.attrs.get('title', '')} · rank correlation "
                   f"over {sens.attrs['draws']:,} draws; S1: RBD-FAST on {sens.attrs['salib_subsample']:,}",
                   run.summary.attrs, cmd, legend=False)
        out += _save_all(fig, path, f"tornado-{args.var}-{args.metric}-{args.at}", args.format,
                         run.summary.attrs, cmd)
        print("\n" + "\n".join(out))
    if args.sweep:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from .analysis import sweep
        from .plot import sweep_chart
        from .plot.figures import _frame
        from .plot.style import style
        try:
            quantity, claim = args.sweep.split(":")
        except ValueError:
            raise DierollError(f"--sweep {args.sweep!r}: write QUANTITY:CLAIM, e.g. smic_yield:ft") from None
        sw = sweep(run, quantity, claim, args.var, metric=args.metric, at=args.at)
        cmd = f"dieroll disputes {path} --var {args.var} --metric {args.metric} --at {args.at} --sweep {args.sweep}"
        with style():
            fig, ax = plt.subplots()
            sweep_chart(sw, ax)
            _frame(fig, ax, f"If {quantity} = {claim} were more (or less) believed",
                   f"{run.summary.attrs.get('title', '')} · reweighted stored draws; smallest effective sample "
                   f"size {float(sw['ess'].min()):,.0f}", run.summary.attrs, cmd, legend=False)
        print("\n".join(_save_all(fig, path, f"sweep-{quantity}-{claim}-{args.var}-{args.metric}-{args.at}",
                                   args.format, run.summary.attrs, cmd)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dieroll", description="Monte Carlo for AI chip supply under disputed evidence")
    p.add_argument("--runs-dir", default="runs", help="where runs live (default: runs)")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run a priors file and write runs/<name>/")
    r.add_argument("priors")
    r.add_argument("--draws", type=int)
    r.add_argument("--seed", type=int)
    r.add_argument("--name")
    r.add_argument("--force", action="store_true", help="replace an existing run of that name")
    r.add_argument("--keep-draws", action="store_true", help="also write draws.zarr (about 9 KB per draw)")
    r.add_argument("--quiet", action="store_true", help="no progress bar or messages")
    r.add_argument("--threads", type=int)
    r.add_argument("--chunk-size", type=int)
    r.set_defaults(func=cmd_run)
    c = sub.add_parser("check", help="validate priors files, summarise each quantity and flag judgement-basis "
                       "quantities among the top drivers")
    c.add_argument("files", nargs="+")
    c.add_argument("--var", default="china_total", help="output whose drivers are screened (default: china_total)")
    c.add_argument("--metric", default="inference", choices=["inference", "training"],
                   help="metric of --var (default: inference)")
    c.add_argument("--at", metavar="YYYY-MM", help="month screened (default: 2027-12, or the run's last month)")
    c.add_argument("--drivers", type=int, default=4000, metavar="DRAWS",
                   help="draws run to rank the drivers (default: 4000; 0: skip)")
    c.set_defaults(func=cmd_check)
    d = sub.add_parser("describe", help="list every quantity the model reads and every output")
    d.set_defaults(func=cmd_describe)
    ls = sub.add_parser("list", help="list runs (each verified against its manifest) and leftovers of "
                        "interrupted runs")
    ls.add_argument("--quick", action="store_true",
                    help="check files by name, type and size only, not SHA-256 (default: verify every byte)")
    ls.set_defaults(func=cmd_list)
    cl = sub.add_parser("clean", help="remove what interrupted runs left behind (never a complete run)")
    cl.add_argument("--dry-run", action="store_true", help="only say what would be removed")
    cl.set_defaults(func=cmd_clean)
    s = sub.add_parser("show", help="key quantiles of a run at chosen dates")
    s.add_argument("run")
    s.add_argument("--at", nargs="+", metavar="YYYY-MM")
    s.set_defaults(func=cmd_show)
    ch = sub.add_parser("chart", help="draw a chart of a run")
    ch.add_argument("run")
    ch.add_argument("--var", default="china_total")
    ch.add_argument("--metric", default="inference", choices=["inference", "training"])
    ch.add_argument("--format", default="png")
    ch.add_argument("--log", action="store_true")
    ch.add_argument("--out", help="folder to write into (default: the run folder)")
    ch.add_argument("--kind", default="fan", choices=["fan", "exceedance", "hist", "channels", "binding", "yearly"],
                    help="fan (default), exceedance, hist, channels (stock by channel), binding (what limits "
                         "Ascend output), yearly (a *_ytd flow as bars per calendar year)")
    ch.add_argument("--threshold", type=float, nargs="+", help="for --kind exceedance")
    ch.add_argument("--at", help="YYYY-MM, for --kind hist")
    ch.add_argument("--by", help="a disputed quantity to stack --kind hist by")
    ch.set_defaults(func=cmd_chart)
    cp = sub.add_parser("compare", help="several scenarios on one chart")
    cp.add_argument("runs", nargs="+")
    cp.add_argument("--var", default="china_total")
    cp.add_argument("--metric", default="inference", choices=["inference", "training"])
    cp.add_argument("--format", default="png")
    cp.add_argument("--log", action="store_true")
    cp.add_argument("--out", help="folder to write into (default: the runs folder)")
    cp.set_defaults(func=cmd_compare)
    dp = sub.add_parser("disputes", help="which dispute matters (needs a run with --keep-draws)")
    dp.add_argument("run")
    dp.add_argument("--var", default="china_total")
    dp.add_argument("--metric", default="inference", choices=["inference", "training"])
    dp.add_argument("--at", default="2026-12")
    dp.add_argument("--chart", action="store_true", help="also write the disputes and tornado charts")
    dp.add_argument("--sweep", metavar="QUANTITY:CLAIM", help="chart the output as that claim's weight goes 0 -> 1")
    dp.add_argument("--format", default="png")
    dp.set_defaults(func=cmd_disputes)
    return p


def main(argv=None) -> int:
    """Entry point of the ``dieroll`` command."""
    args = build_parser().parse_args(argv)
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

"""The ``dieroll`` command line: run, check, describe, list, show, chart.

Every command uses the same public API as notebooks.  Errors print as plain
messages (a priors error lists every problem) and exit with status 2; Ctrl-C
exits with 130 and a one-line message.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from .errors import DierollError, PriorsError

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
    return status


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


def cmd_run(args) -> int:
    from .api import run_to_folder
    path = run_to_folder(args.priors, runs_dir=args.runs_dir, name=args.name, draws=args.draws, seed=args.seed,
                         force=args.force, keep_draws=args.keep_draws, progress=not args.quiet,
                         threads=args.threads, chunk_size=args.chunk_size)
    if not args.quiet:
        print(f"wrote {path}/ (summary.nc, manifest.json, priors.toml, fan.png/svg/pdf"
              + (", draws.zarr" if args.keep_draws else "") + ")")
    return 0


def cmd_list(args) -> int:
    from .store import list_runs
    runs = list_runs(args.runs_dir)
    if not runs:
        print(f"no runs in {args.runs_dir}/")
        return 0
    print(f"{'name':24} {'status':12} {'draws':>10} {'seed':>12}  {'completed (UTC)':20}  title")
    for r in runs:
        draws = f"{r['draws']:,}" if isinstance(r["draws"], int) else str(r["draws"])
        print(f"{r['name']:24} {r['status']:12} {draws:>10} {str(r['seed']):>12}  {r['date']:20}  {r['title']}")
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
        want = []
        for a in args.at:
            try:
                t = np.datetime64(a, "M").astype("datetime64[ns]")
            except ValueError:
                raise DierollError(f"--at {a!r}: write dates as YYYY-MM") from None
            if not (times[0] <= t <= times[-1]):
                raise DierollError(f"--at {a}: outside the run ({str(times[0])[:7]} .. {str(times[-1])[:7]})")
            want.append(t)
    else:
        want = [t for t in times if str(t)[5:7] == "12"] or [times[-1]]
    print(f"{run.manifest.get('title', '')} — {run.path} — N = {run.manifest.get('draws'):,}, "
          f"seed {run.manifest.get('seed')}")
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


def cmd_chart(args) -> int:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plot.figures import fan_figure
    from .plot.render import chart_command
    from .plot.style import save
    from .store import open_run
    path = _resolve_run(args.run, args.runs_dir)
    run = open_run(path)
    if args.var not in run.summary:
        outs = sorted(v for v in run.summary.data_vars if "quantile" in run.summary[v].dims
                      and not v.endswith(("_error", "_mcse")))
        raise DierollError(f"--var {args.var!r}: not an output of this run; choose one of {', '.join(outs)}")
    cmd = chart_command(path, args.var, args.metric, args.log)
    fig = fan_figure(run.summary, args.var, metric=args.metric, log=args.log, command=cmd)
    out_dir = args.out or path
    base = f"fan-{args.var}-{args.metric}" + ("-log" if args.log else "")
    written = []
    for fmt in args.format.split(","):
        fmt = fmt.strip().lower()
        if fmt not in ("png", "svg", "pdf"):
            raise DierollError(f"--format {fmt!r}: choose from png, svg, pdf")
        written += save(fig, os.path.join(out_dir, f"{base}.{fmt}"), run.summary.attrs, cmd, base)
    plt.close(fig)
    print("\n".join(written))
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
    c = sub.add_parser("check", help="validate priors files and summarise each quantity")
    c.add_argument("files", nargs="+")
    c.set_defaults(func=cmd_check)
    d = sub.add_parser("describe", help="list every quantity the model reads and every output")
    d.set_defaults(func=cmd_describe)
    ls = sub.add_parser("list", help="list runs")
    ls.set_defaults(func=cmd_list)
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
    ch.set_defaults(func=cmd_chart)
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
    except KeyboardInterrupt:
        print("dieroll: interrupted; no run was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

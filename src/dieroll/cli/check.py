"""``dieroll check``: its options and what it does."""
from __future__ import annotations

import sys

import numpy as np

from ..errors import DierollError, PriorsError
from ._common import (add_command, add_label_options, check_labels, given_labels, judgement_line, number,
                      shares_text)

NAME = "check"


def add_parser(sub):
    """Add the ``check`` command to the subparsers ``sub``."""
    c = add_command(sub, "check", "validate priors files, summarise each quantity and flag judgement-basis "
             "quantities among the top drivers",
             "Validate each file (every problem with file, line, key and value), print each quantity's 5/50/95 % "
             "and screen the top drivers of one output with a short run.",
             ["dieroll check priors/baseline.toml", "dieroll check priors/scenarios/*.toml --drivers 0",
              "dieroll check priors/baseline.toml --var china_total --at 2030-12"])
    c.add_argument("files", nargs="+", help="priors TOML files")
    c.add_argument("--var", help="output whose drivers are screened (default: the model's headline output)")
    add_label_options(c, "--var")
    c.add_argument("--at", metavar="PERIOD", help="period screened (YYYY-MM, YYYY-Qn or YYYY) (default: 2027-12, or the run's last month)")
    c.add_argument("--drivers", type=int, default=4000, metavar="DRAWS",
                   help="draws run to rank the drivers (default: 4000; 0: skip)")
    c.set_defaults(func=handle)


def handle(args) -> int:
    from ..api import load_priors
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
                paths = q.paths()
                what = f"{len(paths)} competing paths" if len(paths) > 1 else f"{len(q.knots)} knots"
                print(f"  {name:28} {q.units:14} {'path':>6}  ({what}, {q.interpolate})")
                if len(paths) > 1:
                    print(f"    {'shares of the draws:':26} {shares_text(q)}")
                for cid, _, knots in paths:
                    for k in knots:
                        v = np.asarray(k.dist.ppf([0.05, 0.5, 0.95]), dtype=float)
                        label = f"{cid + ' ' if cid else ''}{k.date}" + (" (judgement)" if k.basis == "judgement"
                                                                         else "")
                        print(f"    {label:26} {'':14} {'':>6}  {number(v[0]):>9} {number(v[1]):>9} "
                              f"{number(v[2]):>9}")
            else:
                v = q.ppf([0.05, 0.5, 0.95])
                print(f"  {name:28} {q.units:14} {len(q.claims):>6}  {number(v[0]):>9} {number(v[1]):>9} {number(v[2]):>9}")
                if len(q.claims) > 1:
                    print(f"    {'shares of the draws:':26} {shares_text(q)}")
        judged = [n for n, q in ps.quantities.items() if q.basis == "judgement"]
        if judged:
            print(f"  basis = \"judgement\" (no document behind the numbers): {', '.join(judged)}")
        if len(ps.files) > 1:
            _print_changes(ps, load_priors)
        if args.drivers:
            _print_drivers(ps, args)
    return status


def _points(q):
    """``(where, p5, p50, p95)`` of a quantity: a scalar's mixture, or a path's last knot (of the
    heaviest claim's path, named, when paths compete)."""
    if q.is_path:
        cid, _, knots = max(q.paths(), key=lambda p: p[1])
        k = knots[-1]
        v = np.asarray(k.dist.ppf([0.05, 0.5, 0.95]), dtype=float)
        return f"at {k.date:%Y-%m}" + (f" ({cid})" if cid else ""), *v
    return "", *q.ppf([0.05, 0.5, 0.95])


def _print_changes(ps, load) -> None:
    """Every quantity a file changes from the file it extends, its 5/50/95 % beside the parent's."""
    from ..text import printable
    parent_path = ps.files[1]
    try:
        parent = load(parent_path)
    except (PriorsError, DierollError) as exc:
        print(f"  (not compared with {printable(parent_path)}: {str(exc).splitlines()[0]})")
        return
    changed = [n for n in ps.quantities if n in parent.quantities
               and ps.resolved["quantities"][n] != parent.resolved["quantities"][n]]
    if not changed:
        print(f"  changes nothing from {printable(parent_path)}")
        return
    print(f"  changed from {printable(parent_path)} (p5 / p50 / p95, the parent's -> this file's):")
    for n in changed:
        a, b = _points(parent.quantities[n]), _points(ps.quantities[n])
        where = b[0] if a[0] == b[0] else f"{a[0] or 'value'} -> {b[0] or 'value'}"
        print(f"    {n:28} {where:10} {number(a[1])} / {number(a[2])} / {number(a[3])}  ->  "
              f"{number(b[1])} / {number(b[2])} / {number(b[3])}")


def _print_drivers(ps, args) -> None:
    """Run a few thousand draws and flag judgement-basis quantities among the top drivers."""
    if not 100 <= args.drivers <= 1_000_000:
        raise DierollError(f"--drivers {args.drivers}: give from 100 to 1,000,000 draws, or 0 to skip")
    from .. import analysis
    from ..analysis import judgement_drivers, ranked_quantities
    from ..selection import period_month
    from ..api import run
    dates = ps.run.dates()
    at = str(period_month(args.at or _default_at(dates), dates, "--at"))[:7]  # the month it is read at
    res = run(ps, draws=args.drivers, keep_draws=True)
    from ..selection import headline, outputs
    var = args.var or headline(res.summary)
    if var not in res.summary:
        raise DierollError(f"--var {var!r} is not an output of the model; choose one of "
                           f"{', '.join(sorted(outputs(res.summary)))}")
    check_labels(res.summary, var, given_labels(args))
    sens = analysis.sensitivity(res, var, labels=given_labels(args), at=at, salib=False)
    import pandas as pd
    month = pd.Timestamp(period_month(at, dates)).date()
    bases = {n: q.basis_at(month) for n, q in ps.quantities.items()}
    ranked = ranked_quantities(sens, bases)[:5]
    print(f"  top drivers of {var} ({sens.attrs['labels'] or 'one series'}) at {at} over {args.drivers:,} draws "
          "(rank correlation): "
          + ", ".join(f"{d.rank}. {d.quantity} {d.rank_correlation:+.2f}" + (" [judgement]" if d.basis == "judgement"
                                                                              else "") for d in ranked))
    for d in judgement_drivers(sens, bases):
        print("  " + judgement_line(d, at))


def _default_at(dates) -> str:
    """December 2027 when the run holds it, else the run's last month."""
    months = [str(d)[:7] for d in dates]
    return "2027-12" if "2027-12" in months else months[-1]

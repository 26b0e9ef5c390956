"""``dieroll export``: its options and what it does."""
from __future__ import annotations

import os

from ._common import add_command, add_label_options, add_run_argument, given_labels, open_named_run

NAME = "export"


def add_parser(sub):
    """Add the ``export`` command to the subparsers ``sub``."""
    ex = add_command(sub, "export", "write a run's quantiles as a tidy CSV, Excel or Parquet table",
              "One row per output, label and period: median, p5..p95, mean, sd, units, with the run's "
              "provenance (CSV: '#' lines first; Excel: a provenance sheet; Parquet: file metadata). A quarter "
              "or year is read at its last month: a stock at the period's end, a *_ytd flow's December value "
              "is the year's total.",
              ["dieroll export baseline --by year --format xlsx",
               "dieroll export baseline --var china_total us_total --by quarter --out /tmp/baseline.csv",
               "dieroll export baseline --var ascend_made_ytd --route smic --by year --format parquet"])
    add_run_argument(ex)
    ex.add_argument("--var", nargs="+", help="outputs to include (default: all)")
    ex.add_argument("--at", nargs="+", metavar="PERIOD",
                    help="periods to keep: YYYY-MM, YYYY-Qn or YYYY (default: all)")
    ex.add_argument("--by", default="month", choices=["month", "quarter", "year"],
                    help="one row per month, quarter or year (default: month)")
    ex.add_argument("--format", default="csv", choices=["csv", "xlsx", "parquet"], help="file format (default: csv)")
    ex.add_argument("--digits", type=int, default=4, help="significant digits (default: 4)")
    add_label_options(ex, "each --var (keep only that label; default: every label)")
    ex.add_argument("--out", help="file or folder to write (default: <run>/export-<by>.<format>)")
    ex.add_argument("--force", action="store_true", help="replace an existing file (default: refuse)")
    ex.set_defaults(func=handle)


def handle(args) -> int:
    from ..export import export
    path, run = open_named_run(args)
    out = args.out or os.path.join(path, f"export-{args.by}.{args.format}")
    if args.out and os.path.isdir(args.out):
        out = os.path.join(args.out, f"{run.name}-{args.by}.{args.format}")
    labels = {d: v for d, v in given_labels(args).items()}
    written = export(run, out, format=args.format, force=args.force, variables=args.var, at=args.at, by=args.by,
                     labels=labels, digits=args.digits)
    print(written)
    return 0

"""``dieroll report``: its options and what it does."""
from __future__ import annotations

import os

from ._common import add_command, add_run_argument, open_named_run, published_estimates, run_path

NAME = "report"


def add_parser(sub):
    """Add the ``report`` command to the subparsers ``sub``."""
    rp = add_command(sub, "report", "one self-contained HTML page of a run, to share",
              "Write runs/<name>/report.html: the fan charts (both metrics, log and linear), channels, binding "
              "constraint, yearly flows, every prior with its sources, the disputes (for a run with kept draws), "
              "published estimates beside the model and provenance. Everything is inline: it opens offline and "
              "prints on A4.",
              ["dieroll report baseline",
               "dieroll report baseline --published priors/published/seeds.toml --compare h20-licensed",
               "dieroll report baseline --out /tmp --force"])
    add_run_argument(rp)
    rp.add_argument("--published", metavar="FILE", help="published estimates (TOML) to put beside the model "
                                                      "(default: none)")
    rp.add_argument("--compare", nargs="+", metavar="RUN", help="scenario runs to compare with this one "
                                                               "(default: none)")
    rp.add_argument("--out", help="file or folder to write (default: <run>/report.html)")
    rp.add_argument("--force", action="store_true", help="replace an existing report (default: refuse)")
    rp.set_defaults(func=handle)


def handle(args) -> int:
    import matplotlib
    matplotlib.use("Agg")

    from ..report import write_report
    from ..store import open_run
    path, run = open_named_run(args)
    others = [open_run(run_path(r, args.runs_dir)) for r in args.compare or []]
    out = args.out
    if out and os.path.isdir(out):
        out = os.path.join(out, f"{run.name}-report.html")
    print(write_report(run, out, force=args.force, published=published_estimates(args), compare=others))
    return 0

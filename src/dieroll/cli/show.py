"""``dieroll show``: its options and what it does."""
from __future__ import annotations

from ._common import add_command, add_run_argument, number, open_named_run

NAME = "show"


def add_parser(sub):
    """Add the ``show`` command to the subparsers ``sub``."""
    s = add_command(sub, "show", "key quantiles of a run at chosen dates",
             "Median and 90 % interval of the headline series the run's model declares (for the China model: "
             "China's compute for both metrics, the US and the ratio).",
             ["dieroll show baseline", "dieroll show baseline --at 2025-12 2027-12 2030-12"])
    add_run_argument(s)
    s.add_argument("--at", nargs="+", metavar="PERIOD", help="periods to show: YYYY-MM, YYYY-Qn or YYYY, each read at its last month (default: every December)")
    s.set_defaults(func=handle)


def handle(args) -> int:
    path, run = open_named_run(args)
    ds = run.summary
    times = ds["time"].values
    if args.at:
        from ..selection import period_month
        want = [period_month(a, times, "--at") for a in args.at]
    else:
        want = [t for t in times if str(t)[5:7] == "12"] or [times[-1]]
    from ..text import printable
    print(f"{printable(run.manifest.get('title', ''), 200)} — {printable(run.path)} — "
          f"N = {run.manifest.get('draws'):,}, seed {printable(str(run.manifest.get('seed')), 30)}")
    from ..store import headline_rows
    _, rows = headline_rows(ds, want, fmt=number)
    print(f"{'':28}" + "".join(f"{str(t)[:7]:>26}" for t in want))
    for label, cells in rows:
        print(f"{label:28}" + "".join(f"{c:>26}" for c in cells))
    from ..store import median_precision
    worst = median_precision(ds, want)
    print("\nmedian [5 %–95 %]" + ("" if worst is None else
          f"; Monte Carlo standard error of these medians at most {worst[0]:.2%} ({worst[1]})"))
    return 0

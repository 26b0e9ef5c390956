"""``dieroll disputes``: its options and what it does."""
from __future__ import annotations

from ..errors import DierollError
from ..defaults import MONTH
from ._common import (add_command, judgement_line, add_label_options, add_layout_options, add_run_argument, check_labels,
                      given_labels, labels_command, layout_command, layout_of, number, open_named_run, save_all)

NAME = "disputes"


def add_parser(sub):
    """Add the ``disputes`` command to the subparsers ``sub``."""
    dp = add_command(sub, "disputes", "which dispute matters (needs a run with --keep-draws)",
              "For each disputed quantity: the output given each claim, and how much settling it would narrow "
              "the 90 % interval; judgement-basis drivers flagged.",
              ["dieroll disputes baseline --at 2027-12 --chart",
               "dieroll disputes baseline --sweep smic_yield:ft"])
    add_run_argument(dp, " (run with --keep-draws)")
    dp.add_argument("--var", help="output (default: the model's headline output)")
    add_label_options(dp, "--var")
    dp.add_argument("--at", default=MONTH, help=f"the period read: a month YYYY-MM, a quarter YYYY-Qn (its last month) or a year YYYY (its December; default: {MONTH})")
    dp.add_argument("--chart", action="store_true", help="also write the disputes and tornado charts (default: off)")
    dp.add_argument("--sweep", metavar="QUANTITY:CLAIM",
                    help="chart the output as that claim's weight goes 0 -> 1 (default: none)")
    add_layout_options(dp)
    dp.set_defaults(func=handle)


def handle(args) -> int:
    from .. import analysis  # the package: its names disputes/sensitivity are functions, not the modules
    path, run = open_named_run(args)
    from ..selection import headline, outputs
    var = args.var or headline(run.summary)
    if var not in run.summary:
        raise DierollError(f"--var {var!r} is not an output of this run; choose one of "
                           f"{', '.join(sorted(outputs(run.summary)))}")
    labels = check_labels(run.summary, var, given_labels(args))
    from ..selection import period_month
    at = str(period_month(args.at, run.summary["time"].values, "--at"))[:7]  # the month the period is read at
    tag = "".join(f"-{v}" for v in labels.values())
    opts = f"--var {var}{labels_command(labels)} --at {at}"
    table = analysis.disputes(run, var, labels=labels, at=at)
    a = table.attrs
    print(f"{var} ({a['labels'] or 'one series'}) at {at}: median {number(a['median_all'])}, 90 % interval "
          f"{number(a['p05_all'])}–{number(a['p95_all'])} over {a['draws']:,} draws\n")
    print(f"{'quantity':22} {'claim':12} {'weight':>7} {'draws':>9} {'median':>9} {'90 % interval':>21} "
          f"{'narrows':>8}")
    from ..text import printable
    for q in table["quantity"].values:
        row = table.sel(quantity=q)
        print(f"{printable(q, 60):22} impact {float(row['impact']):.1%} (expected narrowing if settled), "
              f"medians differ by {number(float(row['median_spread']))}")
        for i, cid in enumerate(row["claim_id"].values):
            if not cid:
                continue
            print(f"{'':22} {printable(cid, 40):12} {row['weight'].values[i]:>7.0%} {int(row['draws'].values[i]):>9,} "
                  f"{number(row['median'].values[i]):>9} {number(row['p05'].values[i]):>10}–"
                  f"{number(row['p95'].values[i]):<10} {row['narrowing'].values[i]:>8.0%}")
    from ..analysis import bases_of, judgement_drivers
    screen = analysis.sensitivity(run, var, labels=labels, at=at, salib=False)
    for d in judgement_drivers(screen, bases_of(run, at)):
        print(judgement_line(d, at))
    layout = layout_of(args)
    if args.chart or args.sweep:
        import matplotlib
        matplotlib.use("Agg")
    if args.chart:
        from ..plot import disputes_figure, tornado_figure
        cmd = f"dieroll disputes {path} {opts} --chart" + layout_command(args)
        fig = disputes_figure(table, run.summary.attrs, command=cmd, **layout)
        out = save_all(fig, path, f"disputes-{var}{tag}-{at}", args.format,
                        run.summary.attrs, cmd)
        sens = analysis.sensitivity(run, var, labels=labels, at=at)
        fig = tornado_figure(sens, run.summary.attrs, command=cmd, **layout)
        out += save_all(fig, path, f"tornado-{var}{tag}-{at}", args.format,
                         run.summary.attrs, cmd)
        print("\n" + "\n".join(out))
    if args.sweep:
        from ..analysis import sweep
        from ..plot import sweep_figure
        try:
            quantity, claim = args.sweep.split(":")
        except ValueError:
            raise DierollError(f"--sweep {args.sweep!r}: write QUANTITY:CLAIM, e.g. smic_yield:ft") from None
        sw = sweep(run, quantity, claim, var, labels=labels, at=at)
        cmd = f"dieroll disputes {path} {opts} --sweep {args.sweep}" + layout_command(args)
        fig = sweep_figure(sw, run.summary.attrs, command=cmd, **layout)
        print("\n".join(save_all(fig, path, f"sweep-{quantity}-{claim}-{var}{tag}-{at}",
                                   args.format, run.summary.attrs, cmd)))
    return 0

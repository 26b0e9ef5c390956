"""``dieroll chart``: its options, the table of chart kinds, and what it does.

Adding a chart kind is one entry in :data:`KINDS`: how it is drawn (a function of
the request that returns the figure, its file name and the options that go into
its regenerate command) and which outputs it takes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..defaults import MONTH
from ..errors import DierollError
from ._common import (add_command, add_label_options, add_layout_options, add_run_argument, check_labels,
                      given_labels, labels_command, layout_command, layout_of, open_named_run, published_estimates,
                      save_all)

NAME = "chart"


@dataclass
class Request:
    """What a chart kind draws from: the run, its summary, the output and its labels
    (``labels`` as given, ``chosen`` with the model's defaults filled in)."""

    args: object
    run: object
    path: str
    ds: object
    var: str
    labels: dict
    chosen: dict
    command: str
    layout: dict
    published: object

    @property
    def tag(self) -> str:
        return "".join(f"-{v}" for v in self.chosen.values())


@dataclass(frozen=True)
class Kind:
    """A chart kind: ``draw(request) -> (figure, file name, regenerate-command options)``.

    ``declared``: its output is, unless ``--var`` is given, the one the model declares a
    chart of this kind for; ``monthly``: it needs a monthly output (not a calendar-year
    flow summarised at year ends); ``year_flow``: it needs a calendar-year flow;
    ``published``: it can mark published estimates; ``select``: the labels must pick
    one series of the output.
    """

    draw: Callable
    help: str
    declared: bool = False
    monthly: bool = False
    year_flow: bool = False
    published: bool = False
    select: bool = False


def _fan(q):
    from ..plot import fan_figure
    fig = fan_figure(q.ds, q.var, log=q.args.log, command=q.command, labels=q.labels, published=q.published,
                     **q.layout)
    return fig, f"fan-{q.var}{q.tag}", ""


def _exceedance(q):
    from ..plot import exceedance_figure
    th = q.args.threshold
    if not th and f"{q.var}_threshold" not in q.ds.coords:
        raise DierollError(f"--kind exceedance: this run stored no thresholds for {q.var}; give "
                           f"--threshold X [X ...], or add [run.thresholds] {q.var} = [...] to the priors")
    extra = (" --threshold " + " ".join(f"{x:g}" for x in th)) if th else ""
    fig = exceedance_figure(q.ds, q.var, th, draws=q.run.prior_predictive, command=q.command + extra,
                            labels=q.labels, **q.layout)
    return fig, f"exceedance-{q.var}{q.tag}", extra


def _hist(q):
    from ..plot import hist_figure
    from ..selection import period_month
    run, by = q.run, q.args.by
    if run.prior is None:
        raise DierollError(f"--kind hist needs the run's draws: re-run with --keep-draws ({q.path})")
    at = str(period_month(q.args.at or MONTH, q.ds["time"].values, "--at"))[:7]  # the month it is read at
    if by and f"{by}_claim" not in run.prior:
        disputed = [v[:-6] for v in run.prior.data_vars if v.endswith("_claim")]
        raise DierollError(f"--by {by!r}: not a disputed quantity; choose one of {', '.join(disputed)}")
    extra = f" --at {at}" + (f" --by {by}" if by else "")
    fig = hist_figure(q.ds, run.prior, run.prior_predictive, q.var, at, by=by, log=q.args.log,
                      command=q.command + extra, labels=q.chosen, **q.layout)
    return fig, f"hist-{q.var}{q.tag}-{at}" + (f"-by-{by}" if by else ""), extra


def _stack(q):
    from ..plot import channels_figure
    by = q.args.by
    if by not in q.ds[q.var].dims:
        raise DierollError(f"--by {by!r}: not a label set of {q.var}")
    others = {d: v for d, v in q.labels.items() if d != by}
    fig = channels_figure(q.ds, var=q.var, by=by, log=q.args.log, command=q.command, labels=others, **q.layout)
    return fig, f"stack-{q.var}-by-{by}" + "".join(f"-{v}" for d, v in q.chosen.items() if d != by), ""


def _shares(q):
    from ..plot import binding_figure
    return binding_figure(q.ds, var=q.var, command=q.command, **q.layout), f"shares-{q.var}", ""


def _yearly(q):
    from ..plot import yearly_figure
    fig = yearly_figure(q.ds, q.var, command=q.command, labels=q.labels, published=q.published, **q.layout)
    return fig, f"yearly-{q.var}{q.tag}", ""


#: Every chart kind, in the order ``--help`` lists them.
KINDS = {
    "fan": Kind(_fan, "median and 50/90 % bands over time", monthly=True, published=True, select=True),
    "exceedance": Kind(_exceedance, "the chance of exceeding each threshold over time", monthly=True, select=True),
    "hist": Kind(_hist, "the distribution at one month (--at), stacked by a dispute's claims (--by); needs kept "
                        "draws", select=True),
    "stack": Kind(_stack, "medians stacked over the label set --by", declared=True),
    "shares": Kind(_shares, "a 0/1 output's share of draws by label", declared=True),
    "yearly": Kind(_yearly, "a calendar-year flow as bars per year", declared=True, year_flow=True, published=True),
}
#: Names kinds had before, still accepted.
ALIASES = {"channels": "stack", "binding": "shares"}


def add_parser(sub):
    """Add the ``chart`` command to the subparsers ``sub``."""
    ch = add_command(sub, "chart", "draw a chart of a run (and a CSV of its numbers)",
                     "Draw one chart of a run into its folder (or --out), with a CSV of exactly the numbers drawn.",
                     ["dieroll chart baseline --var ascend_packages --route smic",
                      "dieroll chart baseline --var china_stock --channel nvidia_smuggled --log",
                      "dieroll chart baseline --kind yearly --var chips_added_ytd "
                      "--published priors/published/seeds.toml",
                      "dieroll chart baseline --kind exceedance",
                      "dieroll chart baseline --size 10x5.6 --dpi 300 --title 'China AI compute' --no-footnote"])
    add_run_argument(ch)
    ch.add_argument("--kind", default="fan", choices=[*KINDS, *ALIASES],
                    help="; ".join(f"{k}: {v.help}" for k, v in KINDS.items()) + " (default: fan; "
                         + ", ".join(f"{a} is the name {k} had" for a, k in ALIASES.items()) + ")")
    ch.add_argument("--var", help="the output to chart (default: the model's headline output, or for stack, shares "
                                  "and yearly the one its model declares; 'dieroll describe' lists them)")
    add_label_options(ch, "--var")
    ch.add_argument("--log", action="store_true", help="log scale (default: linear)")
    ch.add_argument("--out", help="folder to write into (default: the run folder)")
    ch.add_argument("--threshold", type=float, nargs="+",
                    help="levels for --kind exceedance (default: the thresholds the run stored)")
    ch.add_argument("--at", help=f"the period --kind hist reads: YYYY-MM, YYYY-Qn or YYYY (read at its last month; default: {MONTH})")
    ch.add_argument("--by", help="a disputed quantity to stack --kind hist by, or the label set --kind stack stacks "
                                 "over (default: none; for stack, the one the model declares)")
    ch.add_argument("--published", metavar="FILE",
                    help="published estimates (TOML) to mark on --kind fan and yearly charts (default: none)")
    add_layout_options(ch)
    ch.set_defaults(func=handle)


def _output(args, ds, name, kind):
    """The output to chart: ``--var``, else the model's declared one for the kind, else its headline."""
    from ..selection import declared_charts, headline, outputs, year_ends_only
    outs = sorted(outputs(ds))
    var = args.var
    if var is None:
        if kind.declared:
            decl = declared_charts(ds, name)
            if not decl:
                raise DierollError(f"--kind {args.kind}: this run's model declares no {name} chart; give --var")
            var = decl[0]["var"]
        else:
            var = headline(ds)
    if var not in outs:
        raise DierollError(f"--var {var!r} is not an output of this run; choose one of {', '.join(outs)}")
    if kind.year_flow and not year_ends_only(ds, var):
        flows = [v for v in outs if year_ends_only(ds, v)]
        raise DierollError(f"--kind {name} charts a calendar-year flow; --var one of {', '.join(flows)}")
    if kind.monthly and year_ends_only(ds, var):
        raise DierollError(f"--var {var}: a calendar-year flow, summarised at year ends only (December and "
                           f"the run's last month), so it has no monthly {args.kind} chart; chart it per year: "
                           f"dieroll chart {args.run} --kind yearly --var {var}")
    return var


def handle(args) -> int:
    import matplotlib
    matplotlib.use("Agg")

    from ..plot import chart_command
    from ..selection import declared_charts, select
    path, run = open_named_run(args)
    ds = run.summary
    name = ALIASES.get(args.kind, args.kind)
    kind = KINDS[name]
    var = _output(args, ds, name, kind)
    if name == "stack" and not args.by:
        args.by = next((c["by"] for c in declared_charts(ds, "stack") if c["var"] == var), None)
        if not args.by:
            raise DierollError(f"--kind stack: give --by, a label set of {var} to stack over")
    labels = given_labels(args)
    chosen = check_labels(ds, var, labels)
    if kind.select:
        select(ds, var, labels)  # a missing or unknown label: the error lists the labels
    published = published_estimates(args)
    if published and not kind.published:
        raise DierollError("--published draws estimates on --kind "
                           + " and --kind ".join(k for k, v in KINDS.items() if v.published) + " charts only")
    cmd = (chart_command(path, var, None, args.log, args.kind) + labels_command(labels)
           + (f" --by {args.by}" if name == "stack" else "")
           + (f" --published {args.published}" if published else "") + layout_command(args))
    q = Request(args, run, path, ds, var, labels, chosen, cmd, layout_of(args), published)
    try:
        fig, base, extra = kind.draw(q)
    except ValueError as exc:  # a bad size, dpi or threshold from the figure functions
        if isinstance(exc, DierollError):
            raise
        raise DierollError(str(exc)) from None
    base += "-log" if args.log else ""
    print("\n".join(save_all(fig, args.out or path, base, args.format, ds.attrs, cmd + extra)))
    return 0

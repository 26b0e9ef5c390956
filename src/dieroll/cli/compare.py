"""``dieroll compare``: its options and what it does."""
from __future__ import annotations

import sys

from ..errors import DierollError
from ._common import (add_command, add_label_options, add_layout_options, check_labels, given_labels,
                      labels_command, layout_command, layout_of, number, run_path, save_all)

NAME = "compare"


def add_parser(sub):
    """Add the ``compare`` command to the subparsers ``sub``."""
    cp = add_command(sub, "compare", "several scenarios on one chart, and each minus the first",
              "Overlay the scenarios (small multiples for more than three), and draw and print each scenario "
              "minus the first run, paired by draw when every run kept its draws with the same seed and N.",
              ["dieroll compare baseline h20-licensed smuggling-enforced",
               "dieroll compare baseline hbm-controls-tight --var ascend_packages --route smic"])
    cp.add_argument("runs", nargs="+", help="run names or folders, the baseline first")
    cp.add_argument("--var", help="the output to compare (default: the model's headline output)")
    add_label_options(cp, "--var")
    cp.add_argument("--log", action="store_true", help="log scale (default: linear)")
    cp.add_argument("--out", help="folder to write into (default: the runs folder)")
    add_layout_options(cp)
    cp.set_defaults(func=handle)


def handle(args) -> int:
    import matplotlib
    matplotlib.use("Agg")

    from ..analysis import differences
    from ..plot import compare_figure, difference_figure
    from ..selection import headline, outputs, select
    from ..store import open_run
    runs = {}
    for r in args.runs:
        run = open_run(run_path(r, args.runs_dir))
        if run.name in runs:
            raise DierollError(f"{r}: the run {run.name!r} is given twice")
        runs[run.name] = run
    labels = given_labels(args)
    first = next(iter(runs.values())).summary
    var = args.var or headline(first)
    for run in runs.values():
        if var not in run.summary:
            raise DierollError(f"--var {var!r} is not an output of run {run.name}; choose one of "
                               f"{', '.join(sorted(outputs(run.summary)))}")
        select(run.summary, var, labels)
    chosen = check_labels(first, var, labels)
    seeds = {run.summary.attrs.get("seed") for run in runs.values()}
    if len(seeds) > 1:
        print("dieroll: warning: these runs use different seeds, so they do not share random numbers",
              file=sys.stderr)
    cmd = "dieroll compare " + " ".join(args.runs) + f" --var {var}" + \
        labels_command(chosen) + (" --log" if args.log else "") + layout_command(args)
    layout = layout_of(args)
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
    written = save_all(fig, out, base, args.format, attrs, cmd)
    if len(runs) >= 2:
        tab = differences(runs, var, chosen)
        fig = difference_figure(runs, var, command=cmd, labels=chosen, **layout)
        written += save_all(fig, out, "difference-" + "-".join(runs) + f"-{var}{tag}", args.format, attrs, cmd)
        base_name = next(iter(runs))
        how = ("paired by draw: median [5 %–95 %] of the per-draw difference" if tab.attrs["paired"] else
               "difference of the medians (runs without kept draws, or different seeds or N: not paired)")
        from ..analysis import table_months
        months = table_months(tab)
        print(f"{var}{' (' + ', '.join(chosen.values()) + ')' if chosen else ''} minus {base_name}, {how}:")
        print(f"{'':24}" + "".join(f"{m:>26}" for m in months))
        for scen, sub in tab.groupby("scenario", sort=False):
            sub = sub.set_index("time")
            cells = []
            for m in months:
                r = sub.loc[m]
                cells.append(f"{number(r['median'])} [{number(r['p5'])}–{number(r['p95'])}]" if tab.attrs["paired"]
                             else number(r["median"]))
            print(f"{scen[:24]:24}" + "".join(f"{c:>26}" for c in cells))
        print()
    print("\n".join(written))
    return 0


def _model_words(attrs) -> str:
    """A run's model in words: its name, and its file's hash for a model file."""
    name = str(attrs.get("model", "?"))
    sha = str(attrs.get("model_sha256", ""))
    return f"model {name} (sha256 {sha[:12]})" if sha else f"model {name} (hand-wired, before models were files)"

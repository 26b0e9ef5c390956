"""``dieroll validate``: its options and what it does."""
from __future__ import annotations

from ._common import add_command, add_run_argument, number, open_named_run

NAME = "validate"


def add_parser(sub):
    """Add the ``validate`` command to the subparsers ``sub``."""
    va = add_command(sub, "validate", "the model beside published output estimates",
              "Each published estimate (a TOML file of output-level figures) beside the run's median and 90 % "
              "interval at its date: whether it falls inside, where the model's median falls, and an interval "
              "score. Units, label sets and metric are checked against the output. A run made with --as-of is a "
              "backtest against the estimates published after its cut-off. Published outputs check the model; "
              "they never set priors.",
              ["dieroll validate baseline --published priors/published/seeds.toml",
               "dieroll validate baseline --published priors/published/seeds.toml --csv /tmp/validate.csv"])
    add_run_argument(va)
    va.add_argument("--published", required=True, metavar="FILE", help="published estimates (TOML)")
    va.add_argument("--csv", help="also write the comparison as CSV (default: none)")
    va.add_argument("--force", action="store_true", help="replace an existing --csv file (default: refuse)")
    va.set_defaults(func=handle)


def handle(args) -> int:
    from ..published import load_published, validate
    if args.csv:
        from ..store import check_target
        check_target(args.csv, args.force, "--csv")  # before the comparison; again when written
    path, run = open_named_run(args)
    ests = load_published(args.published)
    tab = validate(run, ests)
    from ..text import printable
    print(f"{printable(run.summary.attrs.get('title', ''), 200)} — {printable(run.path)} — N = "
          f"{int(run.summary.attrs.get('draws', 0)):,} — against {printable(args.published)}\n")
    cut = run.summary.attrs.get("evidence_as_of")
    if cut:
        print(f"evidence as of {cut}: estimates published after it are out of sample (marked *), so this is "
              "a backtest against them\n")
    print(f"{'estimate':24} {'date':8} {'published':>16} {'model median [5 %–95 %]':>30} {'where':>13}  in 90 %"
          f"  {'median vs':>9}  {'score':>7}")
    for _, r in tab.iterrows():
        model = f"{number(r['model_p50'])} [{number(r['model_p05'])}–{number(r['model_p95'])}]"
        vs = "" if r["median_vs"] != r["median_vs"] else f"{r['median_vs']:+.0%}"
        score = "" if r["score_rel"] != r["score_rel"] else f"{r['score_rel']:.2f}"
        star = "*" if r["after_cutoff"] is True else " "
        print(f"{printable(r['id'], 23):23}{star} {r['date']:8} {r['published']:>16} {model:>30} {r['where']:>13}  "
              f"{'yes' if r['inside_90'] else 'NO':>7}  {vs:>9}  {score:>7}")
        what = f"{r['variable']}" + (f" ({r['labels']})" if r["labels"] else "") + \
            (f", metric {r['metric']}" if r["metric"] else "") + f", in {r['units']}"
        print(f"{'':24} {printable(what, 100)}; {printable(r['source'], 120)}"
              + (f" (published {r['published_on']})" if r["published_on"] else ""))
        print(f"{'':24} counted: {printable(r['counted'], 160)}")
    outside = int((~tab["inside_90"]).sum())
    print(f"\n{len(tab) - outside} of {len(tab)} published estimates overlap the model's 90 % interval"
          + (f"; {outside} {'does' if outside == 1 else 'do'} not" if outside else ""))
    scored = tab["score_rel"].dropna()
    if len(scored):
        print(f"interval score (90 %, relative to the published value; lower is better): mean {scored.mean():.2f} "
              f"over {len(scored)} point and range estimate{'s' if len(scored) > 1 else ''}")
    late = tab[tab["after_cutoff"] == True]  # noqa: E712
    if len(late):
        inside = int(late["inside_90"].sum())
        print(f"out of sample (published after {cut}): {inside} of {len(late)} inside the 90 % interval")
    print("median vs: the model's median over the published value, less 1; score: the interval score over the "
          "published value")
    if args.csv:
        from ..store import replace_file
        from ..text import safe_cells
        print(replace_file(args.csv, lambda tmp: safe_cells(tab).to_csv(tmp, index=False), force=args.force,
                           option="--csv"))
    return 0

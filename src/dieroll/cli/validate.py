"""``dieroll validate``: its options and what it does."""
from __future__ import annotations

from ._common import add_command, add_run_argument, number, open_named_run

NAME = "validate"


def add_parser(sub):
    """Add the ``validate`` command to the subparsers ``sub``."""
    va = add_command(sub, "validate", "the model beside published output estimates",
              "Each published estimate (a TOML file of output-level figures) beside the run's median and 90 % "
              "interval at its date, and where it falls. Published outputs check the model; they never set priors.",
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
    print(f"{'estimate':24} {'date':8} {'published':>16} {'model median [5 %–95 %]':>30} {'where':>13}  in 90 %")
    for _, r in tab.iterrows():
        model = f"{number(r['model_p50'])} [{number(r['model_p05'])}–{number(r['model_p95'])}]"
        print(f"{printable(r['id'], 24):24} {r['date']:8} {r['published']:>16} {model:>30} {r['where']:>13}  "
              f"{'yes' if r['inside_90'] else 'NO'}")
        what = f"{r['variable']}" + (f" ({r['labels']})" if r["labels"] else "")
        print(f"{'':24} {printable(what, 100)}; {printable(r['source'], 120)}")
        print(f"{'':24} counted: {printable(r['counted'], 160)}")
    outside = int((~tab["inside_90"]).sum())
    print(f"\n{len(tab) - outside} of {len(tab)} published estimates overlap the model's 90 % interval"
          + (f"; {outside} {'does' if outside == 1 else 'do'} not" if outside else ""))
    if args.csv:
        from ..store import replace_file
        from ..text import safe_cells
        print(replace_file(args.csv, lambda tmp: safe_cells(tab).to_csv(tmp, index=False), force=args.force,
                           option="--csv"))
    return 0

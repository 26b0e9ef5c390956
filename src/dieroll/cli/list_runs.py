"""``dieroll list``: its options and what it does."""
from __future__ import annotations

from ._common import add_command

NAME = "list"


def add_parser(sub):
    """Add the ``list`` command to the subparsers ``sub``."""
    ls = add_command(sub, "list", "list runs (each verified against its manifest) and leftovers of interrupted runs",
              "Every run under --runs-dir with its status, draws and title; files are checked against the "
              "manifest's SHA-256.", ["dieroll list", "dieroll list --quick"])
    ls.add_argument("--quick", action="store_true",
                    help="check files by name, type and size only, not SHA-256 (default: verify every byte)")
    ls.set_defaults(func=handle)


def handle(args) -> int:
    from ..store import list_runs
    from ..text import human_bytes
    from ..text import printable
    runs = list_runs(args.runs_dir, verify=not args.quick)
    if not runs:
        print(f"no runs in {args.runs_dir}/")
        return 0
    print(f"{'name':24} {'status':12} {'draws':>10} {'seed':>12}  {'completed (UTC)':20}  {'size':>10}  title")
    left = 0
    for r in runs:
        draws = f"{r['draws']:,}" if isinstance(r["draws"], int) else printable(str(r["draws"]), 10)
        title = printable(r["title"], 60) if r["status"] in ("complete", "unverified") else printable(r["note"], 200)
        print(f"{printable(r['name'], 40):24} {r['status']:12} {draws:>10} {printable(str(r['seed']), 12):>12}  "
              f"{printable(r['date'], 20):20}  {human_bytes(r['bytes']):>10}  {title}")
        if r["status"] == "leftover":
            left += r["bytes"]
    n_left = sum(r["status"] == "leftover" for r in runs)
    if n_left:
        print(f"\n{n_left} leftover folder{'s' if n_left > 1 else ''} from interrupted runs ({human_bytes(left)}): "
              "`dieroll clean` removes them")
    if args.quick:
        print("\n--quick: files checked by name, type and size only, not by SHA-256 (status 'unverified')")
    return 0

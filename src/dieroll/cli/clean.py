"""``dieroll clean``: its options and what it does."""
from __future__ import annotations

from ._common import add_command

NAME = "clean"


def add_parser(sub):
    """Add the ``clean`` command to the subparsers ``sub``."""
    cl = add_command(sub, "clean", "remove what interrupted runs left behind (never a complete run)",
              "Remove temporary and aside folders of interrupted runs.", ["dieroll clean --dry-run", "dieroll clean"])
    cl.add_argument("--dry-run", action="store_true", help="only say what would be removed (default: remove)")
    cl.set_defaults(func=handle)


def handle(args) -> int:
    from ..text import human_bytes
    from ..store import clean
    from ..text import printable
    done = clean(args.runs_dir, dry_run=args.dry_run)
    if not done:
        print(f"nothing to clean in {args.runs_dir}/")
        return 0
    freed = 0
    for d in done:
        print(f"{d['action']:22} {printable(d['name'], 120)}  ({d['kind']}, {human_bytes(d['bytes'])})")
        if d["action"] == "removed":
            freed += d["bytes"]
    if not args.dry_run:
        print(f"freed {human_bytes(freed)}; complete runs are never touched")
    return 0

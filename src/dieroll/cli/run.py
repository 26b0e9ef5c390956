"""``dieroll run``: its options and what it does."""
from __future__ import annotations

import argparse
import os

from ..errors import DierollError
from ._common import add_command, shares_text

NAME = "run"


def add_parser(sub):
    """Add the ``run`` command to the subparsers ``sub``."""
    r = add_command(sub, "run", "run a priors file and write runs/<name>/",
             "Sample the priors through the model and write a run folder: summary.nc, manifest.json, the "
             "resolved priors.toml, fan.png/svg/pdf, binding.png, ascend-yearly.png (and draws.zarr with "
             "--keep-draws). The folder is written aside and renamed when complete.",
             ["dieroll run priors/baseline.toml",
              "dieroll run priors/scenarios/h20-licensed.toml --draws 200000 --keep-draws",
              "dieroll run priors/baseline.toml --name ft-heavy --weight smic_yield.ft=0.8",
              "dieroll run priors/baseline.toml --name pkg80 --set packaging_yield=0.8",
              "dieroll run priors/v3.toml --name v3-mid2025 --as-of 2025-06-30",
              "dieroll run priors/baseline.toml --name big --draws 1e8 --workers 2",
              "dieroll run priors/baseline.toml --name huge --draws 1e9 --scheduler tcp://head:8786"])
    r.add_argument("priors", help="the priors TOML file")
    r.add_argument("--model", metavar="MODEL", help="a packaged model's name or a model file to run the priors "
                   "through (default: the priors' [run] model, else the China model)")
    r.add_argument("--draws", type=_count, help="number of draws, e.g. 200000 or 1e8 (default: the priors' [run] draws)")
    r.add_argument("--seed", type=int, help="random seed (default: the priors' [run] seed)")
    r.add_argument("--name", help="run name (default: the priors file name without .toml)")
    r.add_argument("--force", action="store_true", help="replace an existing run of that name (default: refuse)")
    r.add_argument("--keep-draws", action="store_true",
                   help="also write draws.zarr, needed by disputes, hist and paired differences (about 16 KB per "
                        "draw; default: off)")
    r.add_argument("--weight", action="append", default=[], metavar="QUANTITY.CLAIM=SHARE",
                   help="what-if: give one claim a share of the quantity's draws, e.g. smic_yield.ft=0.8 (the "
                        "other claims share the rest in proportion), or multiply its weight, e.g. "
                        "smic_yield.ft=2x; repeatable; the shares are printed and recorded in the run's "
                        "priors.toml and manifest (default: none)")
    r.add_argument("--set", action="append", default=[], metavar="QUANTITY=VALUE",
                   help="what-if: fix a quantity at VALUE (15000000, 15_000_000 or 15M; suffixes k, M, B), or "
                        "give it a dist as a TOML inline table ('smic_yield={family=\"beta\", mean=0.3, sd=0.05}'); "
                        "repeatable; recorded like --weight; a value a thousand times off the priors' median is "
                        "flagged (default: none)")
    r.add_argument("--as-of", metavar="YYYY-MM-DD",
                   help="use only the claims published by this date (weights renormalised), to see what the "
                        "evidence said then; the cut-off is recorded in the run and its footnotes (default: all "
                        "claims, or the priors' [run] as_of)")
    r.add_argument("--title", help="the run's title, shown on every chart, table and listing (default: the "
                                   "priors' title, followed by the what-ifs when --weight or --set are given)")
    r.add_argument("--quiet", action="store_true", help="no progress bar or messages (default: shown)")
    r.add_argument("--threads", type=int, help="worker threads, 1 to 256 (default: all cores); results do not "
                                               "depend on it")
    r.add_argument("--chunk-size", type=int, help="draws per chunk (default: sized to 128 MiB); results do not "
                                                  "depend on it")
    r.add_argument("--workers", type=int, metavar="N",
                   help="run the draws on a dask LocalCluster of N processes (one numba thread each); the "
                        "summary has the same bits as a local run (default: local threads)")
    r.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the draws on an existing dask cluster, e.g. tcp://host:8786 (default: local)")
    r.add_argument("--task-size", type=int, metavar="DRAWS",
                   help="draws per cluster task, a multiple of 65,536 (default: 4,194,304); results do not "
                        "depend on it")
    r.set_defaults(func=handle)


def handle(args) -> int:
    import signal

    from ..api import run_to_folder
    from ..engine import STOP
    STOP.clear()
    signal.signal(signal.SIGINT, _stop_at_next_chunk)
    signal.signal(signal.SIGTERM, _terminate)
    from ..api import cluster
    if args.task_size is not None and args.workers is None and args.scheduler is None:
        raise DierollError("--task-size is for a cluster run: give --workers N or --scheduler ADDRESS too")
    if args.task_size is not None:
        from ..engine import check_task_size
        check_task_size(args.task_size)
    with cluster(workers=args.workers, scheduler=args.scheduler) as client:
        path = run_to_folder(args.priors, runs_dir=args.runs_dir, name=args.name, draws=args.draws,
                             seed=args.seed, force=args.force, keep_draws=args.keep_draws, progress=not args.quiet,
                             threads=args.threads, chunk_size=args.chunk_size, weights=args.weight, sets=args.set,
                             client=client, task_size=args.task_size, model=args.model, title=args.title,
                             as_of=args.as_of)
    if not args.quiet:
        charts = sorted(f for f in os.listdir(path) if f.endswith((".png", ".svg", ".pdf")))
        print(f"wrote {path}/ (summary.nc, manifest.json, priors.toml, {', '.join(charts)}"
              + (", draws.zarr" if args.keep_draws else "") + ")")
        if args.weight:  # the shares the run drew with, as its resolved priors.toml holds them
            from ..api import load_priors
            resolved = load_priors(os.path.join(path, "priors.toml"))
            touched = dict.fromkeys(w.partition(".")[0].strip() for w in args.weight)
            for q in touched:
                print(f"weights of {q}: {shares_text(resolved.quantities[q])}")
    return 0


def _stop_at_next_chunk(signum, frame):
    """First Ctrl-C: stop at the next chunk boundary; a second one interrupts at once."""
    import signal

    from ..engine import STOP
    STOP.set()
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _terminate(signum, frame):
    """SIGTERM: stop now (between Python steps), cleaning up as Ctrl-C does."""
    raise KeyboardInterrupt


def _count(text: str) -> int:
    """A whole number of draws as typed: ``200000``, ``200_000`` or ``1e8``."""
    try:
        v = float(text.replace("_", "")) if any(c in text.lower() for c in ".e") else int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"draws must be a number such as 200000 or 1e8, got {text!r}") from None
    if v != int(v) or not 0 < v < 1e12:
        raise argparse.ArgumentTypeError(f"draws must be a whole number from 1 to 1e10, got {text!r}")
    return int(v)

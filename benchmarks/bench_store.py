"""What the run store's integrity costs: writing a run with kept draws, hashing
every file for the manifest, and verifying every byte when it is opened or listed.

    python benchmarks/bench_store.py [--draws 1e5] [--repeats 3]

Prints the wall time of a whole ``run_to_folder`` (sampling included), of the
manifest's hashing of the finished folder, of ``open_run`` (every byte
verified) against ``open_run(verify=False)`` (names, types and sizes only), and
of ``list_runs`` with and without hashes.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import median_time  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=float, default=1e5)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    from dieroll.api import run_to_folder
    from dieroll.store import list_runs, open_run
    from dieroll.store.files import tree_size
    from dieroll.text import human_bytes
    from dieroll.store.manifest import file_entries
    n = int(args.draws)
    baseline = os.path.join(ROOT, "priors", "baseline.toml")
    with tempfile.TemporaryDirectory(dir=ROOT) as runs:
        run_to_folder(baseline, runs_dir=runs, name="warm", draws=1000, keep_draws=True)  # compile
        k = [0]

        def write():
            k[0] += 1
            run_to_folder(baseline, runs_dir=runs, name=f"r{k[0]}", draws=n, keep_draws=True, charts=False)
        t_write, w = median_time(write, args.repeats)
        path = os.path.join(runs, "r1")
        size = tree_size(path)
        files = sum(1 for _ in file_entries(path))
        t_hash, h = median_time(lambda: file_entries(path), args.repeats)
        t_open, o = median_time(lambda: open_run(path), args.repeats)
        t_quick, q = median_time(lambda: open_run(path, verify=False), args.repeats)
        t_list, ls = median_time(lambda: list_runs(runs), args.repeats)
        t_lq, lq = median_time(lambda: list_runs(runs, verify=False), args.repeats)
    print(f"run store, N={n:,} kept draws: {human_bytes(size)} in {files:,} files; medians of {args.repeats}")
    print(f"  run_to_folder (sampling + writing + manifest) {t_write:6.2f} s  (runs {', '.join(f'{x:.2f}' for x in w)})")
    print(f"  manifest hashing of the folder               {t_hash:6.2f} s  ({size / t_hash / 2**20:,.0f} MiB/s)")
    print(f"  open_run, every byte verified                {t_open:6.2f} s")
    print(f"  open_run(verify=False), sizes only           {t_quick:6.2f} s")
    print(f"  list_runs of {args.repeats + 1} runs, verified / --quick      {t_list:6.2f} s / {t_lq:.2f} s")


if __name__ == "__main__":
    main()

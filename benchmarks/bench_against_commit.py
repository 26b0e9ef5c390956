"""A whole baseline run of this tree against the same run of an earlier commit.

The commit is checked out into a temporary git worktree; each tree runs in its
own process (a 20,000-draw run first, so that the kernels are compiled or
loaded, then the timed run), the processes alternating, ``--rounds`` of each.
Prints each run's seconds and the ratio, and whether the summaries are
identical bit for bit.

    python benchmarks/bench_against_commit.py 3318e3b --draws 1e7 --rounds 2
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

WORKER = """
import sys, time
sys.path.insert(0, sys.argv[1] + "/src")
import dieroll
p = dieroll.load_priors(sys.argv[1] + "/priors/baseline.toml")
dieroll.run(p, draws=20_000)
t = time.perf_counter()
r = dieroll.run(p, draws=int(float(sys.argv[2])))
print(f"{time.perf_counter() - t:.2f}")
r.summary.to_netcdf(sys.argv[3])
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("commit")
    ap.add_argument("--draws", type=float, default=1e7)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    import numpy as np
    import xarray as xr
    with tempfile.TemporaryDirectory() as tmp:
        old = os.path.join(tmp, "old")
        subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", "-q", old, args.commit], check=True)
        try:
            times = {"old": [], "new": []}
            for r in range(args.rounds):
                for name, tree in (("old", old), ("new", ROOT)):
                    out = subprocess.run([sys.executable, "-c", WORKER, tree, str(args.draws),
                                          os.path.join(tmp, f"{name}.nc")],
                                         capture_output=True, text=True, check=True)
                    times[name].append(float(out.stdout.split()[-1]))
                    print(f"  round {r + 1}: {name} ({args.commit if name == 'old' else 'this tree'}) "
                          f"{times[name][-1]:.1f} s", flush=True)
            a, b = (xr.open_dataset(os.path.join(tmp, f"{n}.nc")) for n in ("old", "new"))
            same = all(np.array_equal(a[v].values, b[v].values, equal_nan=True) for v in a.data_vars)
            print(f"{args.commit}: {min(times['old']):.1f} s, this tree: {min(times['new']):.1f} s (fastest of "
                  f"{args.rounds}); ratio {min(times['new']) / min(times['old']):.2f}; summaries identical in all "
                  f"{len(a.data_vars)} variables: {same}")
            a.close()
            b.close()
        finally:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", old], check=False)


if __name__ == "__main__":
    main()

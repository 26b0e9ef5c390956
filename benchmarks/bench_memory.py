"""Peak RSS and wall time of full-model runs as draws grow (each size in a fresh process).

    python benchmarks/bench_memory.py [--draws 1e5 1e6 1e7] [--priors priors/v3.toml]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CODE = """
import os, resource, sys, time
from dieroll import load_priors
from dieroll import simulate
p = load_priors(os.path.join({root!r}, {priors!r}))
t = time.perf_counter()
simulate(p, draws=int(float(sys.argv[1])))
print(f"{{time.perf_counter() - t:.1f}} {{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}}")
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=float, nargs="+", default=[1e5, 1e6, 1e7])
    ap.add_argument("--priors", default="priors/baseline.toml", help="priors file, relative to the repository "
                    "(its [run] model is run; default: priors/baseline.toml)")
    args = ap.parse_args()
    code = CODE.format(root=os.path.dirname(HERE), priors=args.priors)
    print(f"{args.priors}, {os.cpu_count()} cores", flush=True)
    for n in args.draws:
        out = subprocess.run([sys.executable, "-c", code, str(n)], capture_output=True, text=True, check=True)
        secs, rss = out.stdout.split()
        print(f"N={int(n):>12,}  wall {secs:>7} s  peak RSS {rss:>6} MiB", flush=True)


if __name__ == "__main__":
    main()

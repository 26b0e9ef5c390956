"""Local threads vs a dask LocalCluster vs one process, on the full baseline model.

Three runs of the same draws: ``simulate`` on every core (numba threads),
``simulate`` on one thread (one process, one core), and ``simulate(client=...)``
on a LocalCluster of ``--workers`` single-threaded processes.  It checks that the
cluster's quantiles and moments are the local run's bits, and prints the wall
times, throughput per worker, and the extrapolation to 1e9 draws.

    python benchmarks/bench_distributed.py [--draws 1e7] [--workers 2] [--task-size 4194304]
"""
from __future__ import annotations

import argparse
import os
import time

import numba

from _common import peak_rss_mib
from dieroll import load_priors
from dieroll.engine.distributed import DEFAULT_TASK_SIZE, local_cluster, plan
from dieroll import simulate

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _bits(sim):
    q, e, s = sim.reducer.quantiles()
    m, sd = sim.reducer.moments()
    return b"".join(a.tobytes() for a in (q, e, s, m, sd))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=float, default=1e7)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--task-size", type=int, default=DEFAULT_TASK_SIZE)
    args = ap.parse_args()
    n = int(args.draws)
    prior = load_priors(os.path.join(ROOT, "priors", "baseline.toml"))
    simulate(prior, draws=20_000)  # compile / load the numba cache
    cores = numba.get_num_threads()
    t0 = time.perf_counter()
    local = simulate(prior, draws=n)
    t_local = time.perf_counter() - t0
    print(f"N={n:,}: local, {cores} threads: {t_local:.1f} s ({n / t_local:,.0f} draws/s); "
          f"peak RSS {peak_rss_mib():,.0f} MiB", flush=True)
    t0 = time.perf_counter()
    one = simulate(prior, draws=n, threads=1)
    t_one = time.perf_counter() - t0
    print(f"one process, 1 thread: {t_one:.1f} s ({n / t_one:,.0f} draws/s); same bits: {_bits(one) == _bits(local)}",
          flush=True)
    cluster, client = local_cluster(args.workers)
    try:
        t0 = time.perf_counter()
        dist = simulate(prior, draws=n, client=client, task_size=args.task_size)
        t_dist = time.perf_counter() - t0
        mem = client.run(lambda: __import__("resource").getrusage(__import__("resource").RUSAGE_SELF).ru_maxrss / 1024)
    finally:
        client.close()
        cluster.close()
    tasks = len(plan(n, args.task_size, local.reducer.switch))
    per_worker = n / t_dist / args.workers
    print(f"LocalCluster({args.workers} processes x 1 thread), {tasks} tasks of {args.task_size:,}: {t_dist:.1f} s "
          f"({n / t_dist:,.0f} draws/s, {per_worker:,.0f} per worker); same bits: {_bits(dist) == _bits(local)}; "
          f"worker peak RSS {', '.join(f'{v:,.0f}' for v in mem.values())} MiB; client peak RSS {peak_rss_mib():,.0f} MiB")
    t9 = 1e9 / per_worker
    print(f"1e9 draws at {per_worker:,.0f} draws/s per worker: {t9 / 3600:.1f} worker-hours; "
          f"{t9 / 64 / 60:.0f} min on 64 workers, {len(plan(10**9, args.task_size, max(65536, 10**9 // 16 // 4096 * 4096))):,} tasks")


if __name__ == "__main__":
    main()

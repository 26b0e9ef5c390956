"""Model files: the generated China kernel against the hand-wired one, compile time, and a small model.

1. The China model's kernel generated from ``src/dieroll/models/china.toml`` vs the
   hand-wired kernel it replaced (``dieroll.model``, deleted after commit
   ``HAND_COMMIT``; checked out from git into a temporary worktree), on the same
   sampled chunk of the baseline (6,144 draws, float32, streaming stores as in
   runs).  Each kernel runs in its own process; the processes alternate, ``--rounds``
   of each, and each times ``--repeats`` calls after a warm-up: us per draw, the
   minimum and median over all calls, and the ratio of the minima.  The two
   chunks' bits are compared too.
2. Cold compile: a fresh process with an empty numba cache builds the China file
   model and runs one chunk; the same process then runs it again (cached code).
3. A small model (smuggling-cases, 48 months): ``dieroll.run`` end to end
   (sampling, model, reducers) vs a plain-numpy version of the same model written
   the way an analyst would (numpy Generator samplers, whole-array months,
   ``np.percentile``), in the same process: draws per second.

    python benchmarks/bench_model_file.py [--rounds 4] [--repeats 5] [--small-draws 1e6] [--no-cold]
    python benchmarks/bench_model_file.py --in-run 3e6 --rounds 3    # the kernels timed inside runs
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: The last commit whose runs used the hand-wired kernel (``src/dieroll/model/``) by default,
#: before the switch to the China model file.
HAND_COMMIT = "90deb592898de1b17032cd6af7dcb5195a6524c4"
N_DRAWS = 6144


def worker(kind, repeats, save):
    """In this process: time the ``kind`` kernel ("file" or "hand") of the dieroll imported
    from ``sys.path``; print one line of us-per-draw figures; save the chunk to ``save``."""
    import dieroll
    from dieroll._stream import aligned_empty
    from dieroll.engine.layout import build_layout
    from dieroll.engine.simulate import sample_inputs
    if kind == "hand":
        from dieroll.model import MODEL as model
    else:
        from dieroll.modelfile import load_model
        model = load_model("china")
    prior = dieroll.load_priors(os.path.join(ROOT, "priors", "baseline.toml"), catalog=model.inputs)
    lay = build_layout(prior, model.scalar_names, model.path_names)
    sc, _, kn = sample_inputs(lay, 1, 0, N_DRAWS)
    abs0 = prior.run.start.year * 12 + prior.run.start.month - 1
    out = aligned_empty((model.n_series, prior.run.n_steps, N_DRAWS), np.float32)
    model.run_chunk(lay, sc, kn, abs0, out)  # compile or load, warm up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        model.run_chunk(lay, sc, kn, abs0, out)
        times.append((time.perf_counter() - t0) / N_DRAWS * 1e6)
    np.save(save, out)
    print(" ".join(f"{t:.4f}" for t in times))


def in_run_worker(kind, draws):
    """In this process: a ``simulate`` of ``draws`` baseline draws with the ``kind`` kernel
    wrapped in a timer; print the whole run's seconds and the model kernel's."""
    import dataclasses

    import dieroll
    from dieroll.engine.simulate import simulate
    if kind == "hand":
        from dieroll.model import MODEL as model
    else:
        from dieroll.modelfile import load_model
        model = load_model("china")
    spent = [0.0]
    kernel = model.run_chunk

    def timed(*a, **k):
        t0 = time.perf_counter()
        kernel(*a, **k)
        spent[0] += time.perf_counter() - t0

    timed_model = dataclasses.replace(model, run_chunk=timed)
    prior = dieroll.load_priors(os.path.join(ROOT, "priors", "baseline.toml"), catalog=model.inputs)
    simulate(prior, timed_model, draws=20_000)  # compile or load
    spent[0] = 0.0
    t0 = time.perf_counter()
    simulate(prior, timed_model, draws=draws)
    print(f"{time.perf_counter() - t0:.4f} {spent[0]:.4f}")


def _spawn(kind, src, repeats, save, in_run=0):
    call = f"b.in_run_worker({kind!r}, {in_run})" if in_run else f"b.worker({kind!r}, {repeats}, {save!r})"
    code = (f"import sys; sys.path[:0] = [{src!r}, {os.path.join(ROOT, 'benchmarks')!r}]; "
            f"import bench_model_file as b; {call}")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=src))
    if out.returncode:
        raise SystemExit(f"{kind} kernel worker failed:\n{out.stderr[-3000:]}")
    return [float(x) for x in out.stdout.split()[-(2 if in_run else repeats):]]


def kernels(rounds, repeats, hand_commit, in_run=0):
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "hand")
        subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", "--quiet", tree, hand_commit], check=True)
        try:
            srcs = {"hand-wired": os.path.join(tree, "src"), "model file": os.path.join(ROOT, "src")}
            kinds = {"hand-wired": "hand", "model file": "file"}
            res = {name: [] for name in srcs}
            saves = {name: os.path.join(tmp, f"{kinds[name]}.npy") for name in srcs}
            if in_run:
                runs = {name: [] for name in srcs}
                for _ in range(rounds):
                    for name in srcs:
                        runs[name].append(_spawn(kinds[name], srcs[name], repeats, saves[name], in_run))
                print(f"China model in a simulate of {in_run:,} baseline draws (the kernel timed inside the run), "
                      f"{rounds} alternating processes of each: whole run / model kernel, seconds")
                for name, v in runs.items():
                    print(f"  {name:11} " + ", ".join(f"{w:.2f} / {m:.2f}" for w, m in v))
                h, f = (min(m for _, m in runs[k]) for k in srcs)
                hw, fw = (min(w for w, _ in runs[k]) for k in srcs)
                print(f"  ratio of the fastest: model kernel {f / h:.2f}, whole run {fw / hw:.2f}")
                return
            for _ in range(rounds):
                for name in srcs:
                    res[name] += _spawn(kinds[name], srcs[name], repeats, saves[name])
            same = np.array_equal(np.load(saves["hand-wired"]), np.load(saves["model file"]))
        finally:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", tree], check=False)
    print(f"China kernel, chunks of {N_DRAWS:,} baseline draws; the hand-wired kernel from {hand_commit[:10]}; "
          f"{rounds} alternating processes of each, {repeats} calls each after a warm-up")
    for name, v in res.items():
        print(f"  {name:11} {min(v):.2f} us/draw min, {sorted(v)[len(v) // 2]:.2f} median")
    print(f"  ratio of minima {min(res['model file']) / min(res['hand-wired']):.2f}, of medians "
          f"{sorted(res['model file'])[len(res['model file']) // 2] / sorted(res['hand-wired'])[len(res['hand-wired']) // 2]:.2f}; "
          f"same bits: {same}")


def cold():
    code = ("import time; t=time.perf_counter(); import dieroll, numpy as np; "
            "from dieroll.modelfile import load_model; from dieroll.engine.simulate import evaluate; "
            "p=dieroll.load_priors('priors/baseline.toml'); m=load_model('china'); "
            "t1=time.perf_counter(); evaluate(p, m, draws=64); t2=time.perf_counter(); evaluate(p, m, draws=64); "
            "print(f'{t1-t:.1f} {t2-t1:.1f} {time.perf_counter()-t2:.2f}')")
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode:
        print(out.stderr)
        return
    load, first, again = out.stdout.split()
    print(f"Cold start, empty numba cache: import and check {load} s; first 64 draws {first} s (compiles the "
          f"engine's and the model's kernels); again {again} s")


def small(draws, repeats):
    import dieroll
    from _common import median_time, native_draw
    from dieroll.modelfile import load_model
    path = os.path.join(ROOT, "priors", "examples", "smuggling-cases.toml")
    prior = dieroll.load_priors(path, catalog=load_model("smuggling-cases").inputs)
    dieroll.run(path, draws=10_000)  # compile or load
    t_d, _ = median_time(lambda: dieroll.run(path, draws=draws), repeats)

    def numpy_version(n=draws, chunk=250_000, seed=1):
        rng = np.random.default_rng(seed)
        T = prior.run.n_steps
        months = np.arange(T)
        stock_all = np.empty((n, T), np.float32)
        for f in range(0, n, chunk):
            m = min(chunk, n - f)
            q = prior.quantities

            def scalar(name):
                return native_draw(q[name].claims[0].dist, rng, m)

            def path(name):  # linear or log between knots, flat outside: (m, T), a loop over months only
                ks = q[name].knots
                vals = np.stack([native_draw(k.dist, rng, m) for k in ks])  # (knot, m)
                if q[name].interpolate == "log":
                    vals = np.log(vals)
                at = np.array([(k.date.year - 2024) * 12 + k.date.month - 1 for k in ks], float)
                i = np.clip(np.searchsorted(at, months, side="right") - 1, 0, len(at) - 2)
                f = np.clip((months - at[i]) / (at[i + 1] - at[i]), 0.0, 1.0)
                out = vals[i] + f[:, None] * (vals[i + 1] - vals[i])  # (T, m)
                return (np.exp(out) if q[name].interpolate == "log" else out).T

            cases, survey = path("cases_per_year"), path("survey_chips_per_year")
            per_case, det, w, att = (scalar(x) for x in ("chips_per_case", "detection_share", "case_weight",
                                                       "attrition_per_year"))
            flow = (w[:, None] * cases * per_case[:, None] / det[:, None] + (1 - w[:, None]) * survey) / 12
            loss = 1 - (1 - att) ** (1 / 12)
            s = np.zeros(m)
            for t in range(T):
                s = s + flow[:, t] - s * loss
                stock_all[f:f + m, t] = s
        return np.percentile(stock_all, [5, 10, 25, 50, 75, 90, 95], axis=0), stock_all.mean(axis=0)

    t_n, _ = median_time(numpy_version, repeats)
    print(f"Small model (smuggling-cases, {prior.run.n_steps} months), {draws:,} draws, median of {repeats}:")
    print(f"  dieroll.run {t_d:.2f} s ({draws / t_d:,.0f} draws/s, every output summarised); plain numpy "
          f"{t_n:.2f} s ({draws / t_n:,.0f} draws/s, the stock only); ratio {t_n / t_d:.1f}x")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=4, help="processes of each kernel, alternated")
    ap.add_argument("--repeats", type=int, default=5, help="timed calls in each process")
    ap.add_argument("--hand-commit", default=HAND_COMMIT, help="the commit whose dieroll.model is timed")
    ap.add_argument("--in-run", type=float, default=0, metavar="DRAWS",
                    help="instead of timing one chunk, time the kernels inside simulate runs of DRAWS draws")
    ap.add_argument("--small-draws", type=float, default=1e6)
    ap.add_argument("--no-cold", action="store_true")
    ap.add_argument("--no-small", action="store_true")
    a = ap.parse_args()
    if a.in_run:
        kernels(a.rounds, a.repeats, a.hand_commit, int(a.in_run))
        return
    kernels(a.rounds, a.repeats, a.hand_commit)
    if not a.no_small:
        small(int(a.small_draws), 3)
    if not a.no_cold:
        cold()


if __name__ == "__main__":
    main()

"""Bit-identical results across thread counts, chunk sizes and run lengths."""
import os

import numba
import numpy as np
import pytest

from dieroll import evaluate, simulate
from dieroll import load_priors
from dieroll.modelfile import load_model

from ..conftest import ROOT

SEEDS = os.path.join(ROOT, "benchmarks", "seed-arithmetic.toml")
SEED_MODEL = load_model("seed-arithmetic")


@pytest.fixture(scope="module")
def seed_priors():
    prior = load_priors(SEEDS)  # its [run] model names the seed-arithmetic model
    assert prior.run.model == "seed-arithmetic"
    return prior


def _all(sim):
    r = sim.reducer
    q, e, s = r.quantiles()
    m, sd = r.moments()
    narrow = [] if r.narrow is None else [r.narrow.counts, r.narrow.win]
    return [q, e, s, m, sd, r.exceedance(), r.counts] + narrow


def _same(a, b):
    for x, y in zip(_all(a), _all(b)):
        assert np.array_equal(x, y, equal_nan=True)


def test_thread_counts_give_identical_bits(seed_priors):
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs at least 2 numba threads")
    one = simulate(seed_priors, SEED_MODEL, draws=120_000, threads=1)
    two = simulate(seed_priors, SEED_MODEL, draws=120_000, threads=2)
    _same(one, two)


def test_chunk_sizes_give_identical_bits(seed_priors):
    runs = [simulate(seed_priors, SEED_MODEL, draws=150_000, chunk_size=c) for c in (4_096, 65_536, 1_000_003)]
    _same(runs[0], runs[1])
    _same(runs[0], runs[2])


def test_chunks_and_threads_across_the_narrowing(seed_priors):
    # 300,000 draws: the reducer's windows narrow after 65,536 (see reduce.py)
    a = simulate(seed_priors, SEED_MODEL, draws=300_000, chunk_size=65_536, threads=1)
    assert a.reducer.narrow is not None
    b = simulate(seed_priors, SEED_MODEL, draws=300_000, chunk_size=100_003)
    _same(a, b)


def test_first_n_draws_do_not_change_when_n_grows(seed_priors):
    a = evaluate(seed_priors, SEED_MODEL, draws=5_000)
    b = evaluate(seed_priors, SEED_MODEL, draws=10_000)
    assert np.array_equal(a.scalars, b.scalars[:5_000])
    assert np.array_equal(a.knots, b.knots[:5_000])
    assert np.array_equal(a.claims, b.claims[:5_000])
    assert np.array_equal(a.out, b.out[:, :, :5_000])
    c = evaluate(seed_priors, SEED_MODEL, draws=5_000, first=5_000)
    assert np.array_equal(c.out, b.out[:, :, 5_000:])


def test_full_model_chunks_and_threads(baseline):
    a = simulate(baseline, draws=20_000, chunk_size=4_096, threads=1)
    b = simulate(baseline, draws=20_000, chunk_size=20_000)
    _same(a, b)


def test_scenarios_share_random_numbers(baseline):
    """A scenario that only reweights a claim keeps every other input's draws."""
    ft = baseline.with_weights({"smic_yield": {"ft": 1, "csis": 0, "morgan_stanley": 0}})
    a = evaluate(baseline, draws=2_000)
    b = evaluate(ft, draws=2_000)
    from dieroll import MODEL
    compared = 0
    for i, n in enumerate(MODEL.scalar_names):
        if n != "smic_yield":
            assert np.array_equal(a.scalars[:, i], b.scalars[:, i]), n
            compared += 1
    assert compared == len(MODEL.scalar_names) - 1 >= 20
    assert np.array_equal(a.knots, b.knots)
    # and the reweighted quantity did change: every draw now comes from the FT claim
    k = MODEL.scalar_names.index("smic_yield")
    ft = [c.id for c in baseline.quantities["smic_yield"].claims].index("ft")
    assert np.all(b.claims[:, k] == ft) and not np.all(a.claims[:, k] == ft)
    assert not np.array_equal(a.scalars[:, k], b.scalars[:, k])


def test_seed_model_kernel_matches_its_equations_draw_by_draw(seed_priors):
    """The seed model's generated kernel against its file's sums, one draw and month at a
    time in plain Python (the path from the plain reference's interpolation)."""
    from dieroll.engine.layout import build_layout
    from dieroll._months import paths_on_grid
    n = 700  # two whole blocks of 256 and a partial one
    ch = evaluate(seed_priors, SEED_MODEL, draws=n, first=123)
    layout = build_layout(seed_priors, SEED_MODEL.scalar_names, SEED_MODEL.path_names)
    wpm = paths_on_grid(layout, ch.knots)["smic_wpm"]
    names = SEED_MODEL.scalar_names
    T = seed_priors.run.n_steps
    for j in range(n):
        x = dict(zip(names, ch.scalars[j]))
        tsmc = x["tsmc_dies"] / x["dies_per_910c"] * x["packaging_yield"] * x["h100e_910c"]
        made = 0.0
        for t in range(T):
            pk = wpm[j, t] * x["smic_share"] * x["dies_per_wafer"] * x["smic_yield"] / x["dies_per_910c"]
            made += pk * x["packaging_yield"] * x["h100e_910c"]
            want = tsmc + made + x["smuggled_per_month"] * (t + 1)
            assert ch.output("smic_packages")[t, j] == pytest.approx(pk, rel=1e-12)
            assert ch.output("china_total")[t, j] == pytest.approx(want, rel=1e-12)


def test_model_v3_chunks_and_threads(tmp_path):
    """Model v3's priors (competing paths, a scalar correlated with a path) across chunk sizes and
    threads; and a cut at a date changes no draw of a quantity it leaves alone."""
    v3 = load_priors(os.path.join(ROOT, "priors", "v3.toml"))
    a = simulate(v3, draws=20_000, chunk_size=4_096, threads=1)
    b = simulate(v3, draws=20_000, chunk_size=20_000)
    _same(a, b)
    cut = v3.as_of_date("2026-06-30")
    x, y = evaluate(v3, draws=2_000), evaluate(cut, draws=2_000)
    from dieroll.modelfile import model_for
    names = model_for(v3).scalar_names
    same = [n for n in names if v3.resolved["quantities"][n] == cut.resolved["quantities"][n]]
    assert len(same) > 50
    for n in same:
        i = names.index(n)
        assert np.array_equal(x.scalars[:, i], y.scalars[:, i]), n

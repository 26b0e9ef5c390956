"""Every family and every way of specifying it, against SciPy; the kernel sampler
against the Python inverse CDF."""
import math

import numba
import numpy as np
import pytest
from scipy import special, stats

from dieroll.distributions import parse_dist
from dieroll.distributions._sample import sample, sample_z, sample_z_block, takes_z
from dieroll._special import ndtri, ndtri_block

P = np.array([0.001, 0.05, 0.5, 0.95, 0.999])


def build(table):
    problems = []
    d = parse_dist(table, "q.dist", lambda k, m, v: problems.append((k, m, v)))
    assert not problems, problems
    return d


def _lognormal(mu, s):
    return stats.lognorm(s=s, scale=math.exp(mu))


def _beta_ms(m, sd):
    k = m * (1 - m) / sd**2 - 1
    return stats.beta(m * k, (1 - m) * k)


def _pert(lo, mode, hi, lam=4.0):
    a = 1 + lam * (mode - lo) / (hi - lo)
    b = 1 + lam * (hi - mode) / (hi - lo)
    return stats.beta(a, b, loc=lo, scale=hi - lo)


def _normal_q(p1, x1, p2, x2):
    sd = (x2 - x1) / (special.ndtri(p2) - special.ndtri(p1))
    return stats.norm(x1 - sd * special.ndtri(p1), sd)


def _lognormal_q(p1, x1, p2, x2):
    s = (math.log(x2) - math.log(x1)) / (special.ndtri(p2) - special.ndtri(p1))
    return _lognormal(math.log(x1) - s * special.ndtri(p1), s)


# (spec, scipy reference)
CASES = [
    ({"family": "uniform", "min": 2, "max": 7}, stats.uniform(2, 5)),
    ({"family": "normal", "mean": 3, "sd": 2}, stats.norm(3, 2)),
    ({"family": "normal", "p5": 10, "p95": 30}, _normal_q(0.05, 10, 0.95, 30)),
    ({"family": "normal", "p10": -1, "p90": 4}, _normal_q(0.10, -1, 0.90, 4)),
    ({"family": "lognormal", "mu": 1.0, "sigma": 0.5}, _lognormal(1.0, 0.5)),
    ({"family": "lognormal", "median": 20000, "gsd": 1.5}, _lognormal(math.log(20000), math.log(1.5))),
    ({"family": "lognormal", "mean": 100, "sd": 40},
     _lognormal(math.log(100) - math.log1p(0.16) / 2, math.sqrt(math.log1p(0.16)))),
    ({"family": "lognormal", "p5": 35000, "p95": 50000}, _lognormal_q(0.05, 35000, 0.95, 50000)),
    ({"family": "lognormal", "p2_5": 1, "p97_5": 9}, _lognormal_q(0.025, 1, 0.975, 9)),
    ({"family": "beta", "alpha": 2, "beta": 8}, stats.beta(2, 8)),
    ({"family": "beta", "mean": 0.2, "sd": 0.04}, _beta_ms(0.2, 0.04)),
    ({"family": "beta", "mean": 0.4, "sd": 0.06}, _beta_ms(0.4, 0.06)),
    ({"family": "beta", "alpha": 0.5, "beta": 0.7}, stats.beta(0.5, 0.7)),
    ({"family": "pert", "min": 72, "mode": 80, "max": 84}, _pert(72, 80, 84)),
    ({"family": "pert", "min": 0, "mode": 1, "max": 10, "lambda": 2}, _pert(0, 1, 10, 2)),
    ({"family": "triangular", "min": 1, "mode": 2, "max": 5}, stats.triang(0.25, loc=1, scale=4)),
]


@pytest.mark.parametrize("spec,ref", CASES, ids=[str(c[0]) for c in CASES])
def test_ppf_matches_scipy(spec, ref):
    d = build(spec)
    np.testing.assert_allclose(d.ppf(P), ref.ppf(P), rtol=1e-9, atol=0)
    np.testing.assert_allclose(d.cdf(ref.ppf(P)), P, rtol=1e-9)
    assert d.mean() == pytest.approx(ref.mean(), rel=1e-9)


@pytest.mark.parametrize("spec", [
    {"family": "normal", "p5": 10, "p95": 30},
    {"family": "lognormal", "p5": 35000, "p95": 50000},
    {"family": "lognormal", "p10": 3, "p90": 30},
    {"family": "beta", "p5": 0.1, "p95": 0.3},
    {"family": "beta", "p10": 0.5, "p90": 0.9},
])
def test_interval_spec_reproduces_its_interval(spec):
    d = build(spec)
    qs = {k: v for k, v in spec.items() if k.startswith("p")}
    for k, v in qs.items():
        p = float(k[1:].replace("_", ".")) / 100
        assert d.ppf(p) == pytest.approx(v, rel=1e-9)


@pytest.mark.parametrize("spec", [
    {"family": "metalog", "p10": 10, "p50": 20, "p90": 45},
    {"family": "metalog", "p5": 1, "p25": 2, "p50": 3, "p75": 5, "p95": 11},
    {"family": "metalog", "p10": 10, "p50": 20, "p90": 45, "lower": 0},
    {"family": "metalog", "p10": 0.1, "p50": 0.2, "p90": 0.5, "lower": 0, "upper": 1},
    {"family": "metalog", "p10": 0.1, "p50": 0.8, "p90": 0.9, "upper": 1},
])
def test_metalog_passes_through_its_quantiles(spec):
    d = build(spec)
    for k, v in spec.items():
        if k.startswith("p"):
            p = float(k[1:]) / 100
            assert d.ppf(p) == pytest.approx(v, rel=1e-9)
            assert d.cdf(v) == pytest.approx(p, rel=1e-9)
    x = d.ppf(P)
    assert np.all(np.diff(x) > 0)
    lo, hi = d.support()
    assert np.all((x > lo) & (x < hi))


def test_discrete_and_fixed():
    d = build({"family": "discrete", "values": [1, 2, 4], "weights": [1, 1, 2]})
    assert list(d.ppf([0.1, 0.25, 0.26, 0.5, 0.51, 0.999])) == [1, 1, 2, 2, 4, 4]
    assert d.mean() == pytest.approx(2.75)
    assert d.cdf(2) == pytest.approx(0.5)
    f = build({"family": "fixed", "value": 7})
    assert f.ppf(0.3) == 7 and f.mean() == 7


def test_truncation_renormalises_without_piling_mass():
    d = build({"family": "normal", "mean": 0, "sd": 1, "truncate": [0, "inf"]})
    ref = stats.truncnorm(0, np.inf)
    np.testing.assert_allclose(d.ppf(P), ref.ppf(P), rtol=1e-9)
    assert d.ppf(0.001) > 0 and d.cdf(0.0) == 0
    d2 = build({"family": "lognormal", "p5": 1, "p95": 100, "truncate": [2, 50]})
    x = d2.ppf(np.linspace(0.001, 0.999, 999))
    assert np.all(np.diff(x) > 0) and x.min() > 2 and x.max() < 50
    assert d2.mean() == pytest.approx(float(np.mean(d2.ppf((np.arange(200000) + 0.5) / 200000))), rel=1e-5)


EXACT_KERNEL = [c for c in CASES if c[0]["family"] not in ("beta", "pert")] + [
    ({"family": "metalog", "p10": 10, "p50": 20, "p90": 45, "lower": 0}, None),
    ({"family": "metalog", "p10": 0.1, "p50": 0.2, "p90": 0.5, "lower": 0, "upper": 1}, None),
    ({"family": "discrete", "values": [1, 2, 4], "weights": [1, 1, 2]}, None),
    ({"family": "normal", "mean": 0, "sd": 1, "truncate": [-1, 2]}, None),
]


def _kernel_ppf(d, p):
    s = d.kernel_spec()
    return np.array([sample(s.code, s.params, s.aux, 0, float(x)) for x in p])


@pytest.mark.parametrize("spec,_", EXACT_KERNEL, ids=[str(c[0]) for c in EXACT_KERNEL])
def test_kernel_inverse_cdf_equals_python(spec, _):
    d = build(spec)
    p = np.concatenate([P, np.linspace(0.01, 0.99, 99)])
    np.testing.assert_allclose(_kernel_ppf(d, p), d.ppf(p), rtol=1e-12, atol=1e-12)


TABLE_TOL = 1e-9  # stated accuracy of the beta/PERT quantile table, relative to the support width


@pytest.mark.parametrize("spec", [
    {"family": "beta", "mean": 0.2, "sd": 0.04}, {"family": "beta", "mean": 0.75, "sd": 0.06},
    {"family": "beta", "alpha": 2, "beta": 8}, {"family": "beta", "alpha": 0.5, "beta": 0.7},
    {"family": "beta", "alpha": 30, "beta": 1.2},
    {"family": "pert", "min": 72, "mode": 80, "max": 84}, {"family": "pert", "min": 0.02, "mode": 0.07, "max": 0.2},
    {"family": "beta", "mean": 0.4, "sd": 0.06, "truncate": [0.3, 0.5]},
])
def test_kernel_table_is_accurate_against_scipy(spec):
    d = build(spec)
    p = np.concatenate([P, np.linspace(1e-6, 1 - 1e-6, 20001)])
    lo, hi = d.support()
    err = np.abs(_kernel_ppf(d, p) - d.ppf(p)) / (hi - lo)
    assert err.max() < TABLE_TOL, err.max()


BLOCK_CASES = [c[0] for c in CASES] + [
    {"family": "beta", "mean": 0.4, "sd": 0.06, "truncate": [0.3, 0.5]},
    {"family": "normal", "mean": 0, "sd": 1, "truncate": [-1, 2]},
    {"family": "metalog", "p10": 10, "p50": 20, "p90": 45, "lower": 0},
    {"family": "discrete", "values": [1, 2, 4], "weights": [1, 1, 2]},
    {"family": "fixed", "value": 7},
]


@numba.njit(error_model="numpy")
def _by_block(code, params, aux, u):
    n = u.shape[0]
    z = np.empty(n)
    ndtri_block(u, z, n)
    dst = np.empty((n + 3, 2))
    sample_z_block(code, params, aux, 0, z, n, dst, 3, 1)
    return dst[3:, 1], takes_z(code, params)


@pytest.mark.parametrize("spec", BLOCK_CASES, ids=[str(c) for c in BLOCK_CASES])
def test_block_sampling_equals_value_by_value(spec):
    # the sampler's block forms (family chosen outside the loop; normal scores
    # a block at a time) must give sample_z's and sample's numbers bit for bit
    s = build(spec).kernel_spec()
    rng = np.random.default_rng(4)
    u = np.concatenate([rng.random(5_000), [1e-300, 1e-12, 0.5, 1 - 2**-53]])
    got, by_z = _by_block(s.code, s.params, s.aux, u)
    ref = np.array([sample_z(s.code, s.params, s.aux, 0, ndtri(float(x))) for x in u])
    assert np.array_equal(got, ref)
    if by_z:  # then the sampler may use it in place of sample(u)
        assert np.array_equal(got, [sample(s.code, s.params, s.aux, 0, float(x)) for x in u])
    assert by_z == (spec["family"] in ("normal", "lognormal", "beta", "pert") and "truncate" not in spec)


def test_a_beta_table_is_kept_read_only_and_is_the_table_computed_afresh():
    # beta and PERT quantile tables are cached by shape (a layout is built for every run);
    # the kept table is read-only and the same numbers as one computed now
    from dieroll.distributions.families import Pert, _beta_table, quantile_table
    a = Pert(72, 80, 84).kernel_spec()
    b = Pert(72, 80, 84).kernel_spec()
    assert a.aux is b.aux and not a.aux.flags.writeable
    alpha, beta = 1 + 4 * 8 / 12, 1 + 4 * 4 / 12
    np.testing.assert_array_equal(a.aux, quantile_table(stats.beta(alpha, beta)))
    with pytest.raises(ValueError):
        a.aux[0] = 0.0
    assert _beta_table.cache_info().hits >= 1

"""Sampled inputs against exact inverse CDFs, copula rank correlations and claim
proportions, with tolerances from the Monte Carlo standard error (fixed seeds)."""
import numpy as np
import pytest
from scipy import stats

from dieroll.engine.layout import build_layout
from dieroll.engine.simulate import sample_inputs
from dieroll import load_priors

N = 40_000
Z = 4.5  # tolerance in standard errors; with ~100 checks a false alarm has probability ~1e-4

FAMILIES = {
    "n": '{ family = "normal", mean = 3, sd = 2 }',
    "ln": '{ family = "lognormal", p5 = 35000, p95 = 50000 }',
    "b": '{ family = "beta", mean = 0.2, sd = 0.04 }',
    "pe": '{ family = "pert", min = 72, mode = 80, max = 84 }',
    "tr": '{ family = "triangular", min = 1, mode = 2, max = 5 }',
    "u": '{ family = "uniform", min = -1, max = 4 }',
    "ml": '{ family = "metalog", p10 = 10, p50 = 20, p90 = 45, lower = 0 }',
    "d": '{ family = "discrete", values = [1, 2, 4], weights = [1, 1, 2] }',
    "tn": '{ family = "normal", mean = 0, sd = 1, truncate = [0.5, 3] }',
}


def _doc(extra=""):
    head = '[run]\ntitle = "t"\nstart = 2022-10-01\nend = 2024-12-31\ndraws = 10\nseed = 11\n'
    body = "".join(f'\n[quantities.{k}]\ndescription = "{k}"\nunits = "1"\nsource = "s"\ndist = {v}\n'
                   for k, v in FAMILIES.items())
    return head + body + extra


@pytest.fixture(scope="module")
def draws(tmp_path_factory):
    extra = '''
[quantities.c]
description = "claims"
units = "1"
  [[quantities.c.claims]]
  id = "a"
  source = "s"
  says = "a"
  weight = 0.6
  dist = { family = "normal", mean = 0, sd = 1 }
  [[quantities.c.claims]]
  id = "b"
  source = "s"
  says = "b"
  weight = 0.3
  dist = { family = "normal", mean = 10, sd = 1 }
  [[quantities.c.claims]]
  id = "x"
  source = "s"
  says = "x"
  weight = 0.1
  dist = { family = "normal", mean = 20, sd = 1 }
[quantities.p]
description = "path"
units = "1"
source = "s"
knot_rank = 0.7
  [quantities.p.path]
  2023-01 = { family = "normal", mean = 0, sd = 1 }
  2024-01 = { family = "lognormal", median = 1, gsd = 2 }
[[correlations]]
between = ["n", "ln"]
rank = 0.6
[[correlations]]
between = ["n", "b"]
rank = -0.4
'''
    p = tmp_path_factory.mktemp("s") / "s.toml"
    p.write_text(_doc(extra))
    ps = load_priors(str(p), catalog=None)
    names = list(FAMILIES) + ["c"]
    lay = build_layout(ps, names, ["p"])
    sc, cl, kn = sample_inputs(lay, ps.run.seed, 0, N)
    return ps, names, sc, cl, kn


PROBS = np.array([0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])


@pytest.mark.parametrize("name", list(FAMILIES))
def test_sampled_quantiles_match_inverse_cdf(draws, name):
    ps, names, sc, _, _ = draws
    x = sc[:, names.index(name)]
    d = ps.quantities[name].claims[0].dist
    # empirical CDF at the exact quantile vs p, binomial standard error
    F = np.array([(x <= d.ppf(p)).mean() for p in PROBS])
    F_left = np.array([(x < d.ppf(p)).mean() for p in PROBS])  # discrete atoms
    se = np.sqrt(PROBS * (1 - PROBS) / N)
    ok = (F_left - Z * se <= PROBS) & (PROBS <= F + Z * se)
    assert ok.all(), (name, F, PROBS)


def test_claim_proportions_match_weights(draws):
    ps, names, sc, cl, _ = draws
    k = cl[:, names.index("c")]
    w = ps.quantities["c"].weights
    counts = np.bincount(k, minlength=3) / N
    se = np.sqrt(w * (1 - w) / N)
    assert np.all(np.abs(counts - w) < Z * se), (counts, w)
    x = sc[:, names.index("c")]
    for i, mu in enumerate((0, 10, 20)):   # each draw's value comes from its claim
        assert abs(x[k == i].mean() - mu) < Z / np.sqrt((k == i).sum())


@pytest.mark.parametrize("a,b,rank", [("n", "ln", 0.6), ("n", "b", -0.4), ("ln", "b", 0.0)])
def test_copula_rank_correlations(draws, a, b, rank):
    """Pairs not named in the file get zero in the copula matrix."""
    ps, names, sc, _, _ = draws
    rho = stats.spearmanr(sc[:, names.index(a)], sc[:, names.index(b)])[0]
    se = (1 - rank**2) * 1.06 / np.sqrt(N - 3)  # large-sample sd of Spearman's rho (Fieller et al.)
    assert abs(rho - rank) < Z * se, (rho, rank)


def test_uncorrelated_stay_uncorrelated(draws):
    ps, names, sc, _, _ = draws
    rho = stats.spearmanr(sc[:, names.index("u")], sc[:, names.index("tr")])[0]
    assert abs(rho) < Z * 1.06 / np.sqrt(N - 3)


def test_path_knots_marginals_and_coupling(draws):
    ps, _, _, _, kn = draws
    k0, k1 = kn[:, 0], kn[:, 1]
    for x, d in ((k0, ps.quantities["p"].knots[0].dist), (k1, ps.quantities["p"].knots[1].dist)):
        F = np.array([(x <= d.ppf(p)).mean() for p in PROBS])
        assert np.all(np.abs(F - PROBS) < Z * np.sqrt(PROBS * (1 - PROBS) / N))
    rho = stats.spearmanr(k0, k1)[0]
    assert abs(rho - 0.7) < Z * (1 - 0.49) * 1.06 / np.sqrt(N - 3)

"""Competing claims on a path, and a path correlated with a scalar: claim shares against
their weights, each claim's path against the same path sampled alone (same random numbers,
so to rounding), rank correlations against the rank asked for (tolerances from the Monte
Carlo standard error, fixed seeds)."""
import numpy as np
import pytest
from scipy import stats

from dieroll.priors import load_priors
from dieroll._months import paths_on_grid
from dieroll.engine.layout import build_layout
from dieroll.engine.simulate import sample_inputs
from dieroll.errors import PriorsError

N = 40_000
Z = 4.5

HEAD = '''[run]
title = "t"
start = 2024-01-01
end = 2027-12-31
draws = 10
seed = 7

[quantities.s]
description = "a scalar"
units = "1"
source = "s"
date = 2024-06-01
dist = { family = "lognormal", p5 = 1, p95 = 3 }
'''

FAST = '''  [[quantities.g.claims]]
  id = "fast"
  source = "a"
  says = "fast"
  date = 2025-03-01
  weight = 0.3
    [quantities.g.claims.path]
    2024-06 = { family = "lognormal", p5 = 0.5, p95 = 1.2 }
    2027-06 = { family = "lognormal", p5 = 0.4, p95 = 1.0 }
'''
SLOW = '''  [[quantities.g.claims]]
  id = "slow"
  source = "b"
  says = "slow"
  date = "2025-09"
  weight = 0.7
    [quantities.g.claims.path]
    2024-01 = { family = "fixed", value = 0.3 }
    2025-07-16 = { family = "uniform", min = 0.1, max = 0.2 }
    2026-01 = { family = "pert", min = 0.05, mode = 0.1, max = 0.3 }
'''


def _path(interp, claims, rank=0.5):
    return (f'\n[quantities.g]\ndescription = "a path"\nunits = "1"\nsource = "claims below"\n'
            f'interpolate = "{interp}"\nknot_rank = {rank}\n' + claims)


def _load(tmp_path, text, name="p.toml"):
    f = tmp_path / name
    f.write_text(text)
    return load_priors(f)


def _sample(ps, scalars=("s",)):
    lay = build_layout(ps, list(scalars), ["g"])
    sc, cl, kn = sample_inputs(lay, ps.run.seed, 0, N)
    return lay, sc, cl, kn


@pytest.mark.parametrize("interp", ["linear", "log", "step"])
def test_each_claim_is_its_own_path_and_claims_follow_weights(tmp_path, interp):
    ps = _load(tmp_path, HEAD + _path(interp, FAST + SLOW))
    lay, sc, cl, kn = _sample(ps)
    assert lay.path_claim_names == ["g"] and cl.shape == (N, 2)
    pick = cl[:, 1]
    share = (pick == 1).mean()
    assert abs(share - 0.7) < Z * np.sqrt(0.7 * 0.3 / N)
    both = paths_on_grid(lay, kn)["g"]
    for k, text in ((0, FAST), (1, SLOW)):
        alone = _load(tmp_path, HEAD + _path(interp, "") + "  [quantities.g.path]\n"
                      + text.split("[quantities.g.claims.path]\n")[1], f"alone{k}.toml")
        lay1, _, _, kn1 = _sample(alone)
        one = paths_on_grid(lay1, kn1)["g"]
        sel = pick == k
        # the same uniforms at the same months: the same path, to rounding
        np.testing.assert_allclose(both[sel], one[sel], rtol=1e-12, atol=1e-15)


def test_kept_draws_record_the_path_claim_and_reweighting_reads_it(tmp_path):
    import dieroll
    from dieroll.analysis._draws import claims_of
    f = tmp_path / "sg.toml"
    f.write_text(HEAD.replace("[quantities.s]", "[quantities.initial_stock]").replace(
        'description = "a scalar"\nunits = "1"', 'description = "stock"\nunits = "H100e"').replace(
        "start = 2024-01-01", 'model = "stock-growth"\nstart = 2024-01-01')
        + _path("linear", FAST + SLOW).replace("quantities.g", "quantities.growth_per_year").replace(
            'units = "1"', 'units = "1/year"')
        + '\n[quantities.attrition_per_year]\ndescription = "a"\nunits = "1/year"\nsource = "s"\n'
          'dist = { family = "fixed", value = 0.05 }\n')
    res = dieroll.run(str(f), draws=4000, keep_draws=True)
    ids, w, k = claims_of(res)["growth_per_year"]
    assert ids == ["fast", "slow"] and np.allclose(w, [0.3, 0.7]) and set(np.unique(k)) == {0, 1}
    rw = dieroll.reweight(res, {"growth_per_year": {"fast": 1.0, "slow": 0.0}}, min_ess=100)
    again = dieroll.run(str(f), draws=4000, keep_draws=True,
                        weights=["growth_per_year.fast=1"])
    ours = float(rw["stock_h100e"].sel(quantile=0.5).isel(time=-1))
    direct = float(again.summary["stock_h100e"].sel(quantile=0.5).isel(time=-1))
    # the reweighted median and a re-run's agree within the Monte Carlo error of a ~1,200-draw median
    spread = float(again.summary["stock_h100e"].sel(quantile=0.95).isel(time=-1)
                   - again.summary["stock_h100e"].sel(quantile=0.05).isel(time=-1))
    assert abs(ours - direct) < Z * 1.25 * spread / 3.29 / np.sqrt(k.size * 0.3)


@pytest.mark.parametrize("rank", [0.5, -0.3])
def test_a_scalar_correlates_with_every_knot_of_a_path(tmp_path, rank):
    text = HEAD + _path("linear", FAST + SLOW, rank=0.6) + \
        f'\n[[correlations]]\nbetween = ["s", "g"]\nrank = {rank}\n'
    ps = _load(tmp_path, text)
    lay, sc, cl, kn = _sample(ps)
    hidden = lay.pa_nk.sum()  # the claims' own knots follow the model's
    se = (1 - rank ** 2) / np.sqrt(N)  # about the standard error of a Spearman coefficient
    for col in range(hidden, lay.n_knots):
        # every knot of every claim, before the claims are chosen (not the fixed one)
        if np.ptp(kn[:, col]) == 0:
            continue
        r = stats.spearmanr(sc[:, 0], kn[:, col])[0]
        assert abs(r - rank) < Z * 1.1 * se, (col, r)
    # the scalar itself is sampled as without the correlation (its copula row leads)
    plain = _load(tmp_path, HEAD + _path("linear", FAST + SLOW, rank=0.6), "plain.toml")
    _, sc0, _, _ = _sample(plain)
    np.testing.assert_array_equal(sc[:, 0], sc0[:, 0])


def test_impossible_path_correlations_are_refused_with_the_fix(tmp_path):
    with pytest.raises(PriorsError, match=r"at most 0\.[0-9]+; lower the rank, or raise g.knot_rank to at least"):
        _load(tmp_path, HEAD + _path("linear", FAST + SLOW, rank=0.3)
              + '\n[[correlations]]\nbetween = ["s", "g"]\nrank = 0.8\n')
    with pytest.raises(PriorsError, match="independent knots .knot_rank = 0.*give it knot_rank > 0"):
        _load(tmp_path, HEAD + _path("linear", FAST + SLOW, rank=0)
              + '\n[[correlations]]\nbetween = ["s", "g"]\nrank = 0.2\n')


def test_claims_on_a_path_are_checked(tmp_path):
    bad = FAST.replace("    [quantities.g.claims.path]\n", "  dist = { family = \"fixed\", value = 1 }\n"
                       "    [quantities.g.claims.path]\n")
    with pytest.raises(PriorsError, match=r"claims\[0\]: on a path every claim gives a \[path\] of knots"):
        _load(tmp_path, HEAD + _path("linear", bad + SLOW))
    neg = SLOW.replace('{ family = "fixed", value = 0.3 }', '{ family = "normal", mean = 0.3, sd = 0.1 }')
    with pytest.raises(PriorsError, match=r"claims\[1\].path.2024-01: log interpolation needs knots"):
        _load(tmp_path, HEAD + _path("log", FAST + neg))

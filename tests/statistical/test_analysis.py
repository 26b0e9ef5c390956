"""Disputes, reweighting and sensitivity on small synthetic models with known answers."""
import math

import numpy as np
import pytest

import dieroll
from dieroll.catalog import InputSpec, Model, OutputSpec
from dieroll.errors import DierollError
from dieroll import load_priors

INPUTS = (InputSpec("a", "1", "disputed", "test"), InputSpec("b", "1", "noise", "test"),
          InputSpec("c", "1", "second dispute", "test"))
OUTPUTS = (OutputSpec("china_total", "H100e", "y = a + b + c", (("metric", ("inference", "training")),)),)


def _run_chunk(layout, scalars, knots, abs0, out):
    a, b, c = scalars[:, 0], scalars[:, 1], scalars[:, 2]
    out[0] = (a + b + c)[None, :]          # inference: a + b + c
    out[1] = a[None, :]                    # training: exactly the disputed quantity


TOY = Model("toy", {i.name: i for i in INPUTS}, OUTPUTS, _run_chunk)

PRIORS = '''[run]
title = "toy"
start = 2025-01-01
end = 2025-12-31
draws = 10
seed = {seed}

[quantities.a]
description = "a"
units = "1"
  [[quantities.a.claims]]
  id = "low"
  source = "s"
  says = "low"
  weight = {w}
  dist = {{ family = "normal", mean = 0, sd = 1 }}
  [[quantities.a.claims]]
  id = "high"
  source = "s"
  says = "high"
  weight = {w2}
  dist = {{ family = "normal", mean = 10, sd = 1 }}

[quantities.b]
description = "b"
units = "1"
source = "s"
dist = {{ family = "normal", mean = 0, sd = 0.1 }}

[quantities.c]
description = "c"
units = "1"
  [[quantities.c.claims]]
  id = "x"
  source = "s"
  says = "x"
  weight = 0.5
  dist = {{ family = "normal", mean = 0, sd = 0.01 }}
  [[quantities.c.claims]]
  id = "y"
  source = "s"
  says = "y"
  weight = 0.5
  dist = {{ family = "normal", mean = 0.05, sd = 0.01 }}
'''

N = 40_000


def _prior(tmp_path, w=0.7, seed=1, name="toy.toml"):
    p = tmp_path / name
    p.write_text(PRIORS.format(w=w, w2=round(1 - w, 10), seed=seed))
    return load_priors(str(p), catalog=TOY.inputs)


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    d = tmp_path_factory.mktemp("toy")
    return dieroll.run(_prior(d), draws=N, keep_draws=True, model=TOY)


def test_disputes_conditional_on_each_claim(toy):
    t = dieroll.disputes(toy, "china_total", metric="training", at="2025-06")
    assert list(t["quantity"].values) == ["a", "c"]      # a matters, c does not touch training
    row = t.sel(quantity="a")
    ids = list(row["claim_id"].values)
    se = 1.2533 / np.sqrt(row["draws"].values)           # sd 1 normal: se of the median
    assert abs(row["median"].values[ids.index("low")] - 0) < 5 * se[ids.index("low")]
    assert abs(row["median"].values[ids.index("high")] - 10) < 5 * se[ids.index("high")]
    # settled either way the 90 % interval is that of N(., 1): 3.29 wide out of ~12.6
    width_all = t.attrs["p95_all"] - t.attrs["p05_all"]
    np.testing.assert_allclose(row["narrowing"].values, 1 - 3.29 / width_all, atol=0.02)
    assert row["draws"].values.sum() == N
    assert float(t.sel(quantity="c")["impact"]) == pytest.approx(0.0, abs=0.02)


def test_reweight_matches_a_fresh_run(toy, tmp_path):
    rw = dieroll.reweight(toy, {"a": {"low": 0.4, "high": 0.6}}, variables=["china_total"])
    fresh = dieroll.run(_prior(tmp_path, w=0.4, seed=99, name="fresh.toml"), draws=N, model=TOY)
    got = rw["china_total"].sel(metric="inference").isel(time=0).values
    want = fresh.summary["china_total"].sel(metric="inference").isel(time=0).sel(quantile=rw["quantile"]).values
    # tolerance: Monte Carlo se of each quantile, for the importance-weighted estimate (ESS) and the fresh run
    ess = float(rw["ess"])
    y = np.sort(np.asarray(toy.prior_predictive["china_total"].sel(metric="inference").isel(time=0)))
    for p, g, w_ in zip(rw["quantile"].values, got, want):
        h = 0.25
        dens = (np.abs(y - w_) < h).mean() / (2 * h)            # density of the original mixture near w_
        dens = max(dens * 0.4 / 0.7, dens * 0.6 / 0.3, 1e-3)    # bounded by the new mixture's
        se = math.sqrt(p * (1 - p)) / dens * math.sqrt(1 / ess + 1 / N)
        assert abs(g - w_) < 5 * se + 0.01, (p, g, w_, se)
    assert N / 3 < ess < N


def test_reweight_refuses_when_ess_is_too_small(toy):
    with pytest.raises(DierollError, match="effective sample size"):
        dieroll.reweight(toy, {"a": {"low": 1e-6, "high": 1.0}}, min_ess=N / 2)
    with pytest.raises(DierollError, match="no claim"):
        dieroll.reweight(toy, {"a": {"mid": 1.0}})
    with pytest.raises(DierollError, match="no competing claims"):
        dieroll.reweight(toy, {"b": {"x": 1.0}})


def test_reweight_at_the_run_weights_is_identity(toy):
    rw = dieroll.reweight(toy, {"a": {"low": 0.7, "high": 0.3}}, variables=["china_total"])
    y = np.asarray(toy.prior_predictive["china_total"].sel(metric="training").isel(time=3), dtype=float)
    q = rw["china_total"].sel(metric="training").isel(time=3).values
    from dieroll.analysis.reweight import weighted_quantiles
    np.testing.assert_allclose(q, weighted_quantiles(y[:, None], np.ones(y.size), rw["quantile"].values)[:, 0])
    assert float(rw["ess"]) == pytest.approx(N)


def test_sweep_endpoints_are_the_claims(toy):
    sw = dieroll.sweep(toy, "a", "high", "china_total", metric="training", at="2025-03", steps=5)
    assert sw["median"].values[0] == pytest.approx(0.0, abs=0.05)
    assert sw["median"].values[-1] == pytest.approx(10.0, abs=0.05)
    assert np.all(np.diff(sw["median"].values) > 0)


def test_sensitivity_finds_the_driver(toy):
    s = dieroll.sensitivity(toy, "china_total", metric="inference", at="2025-06", subsample=5_000)
    assert s["input"].values[0] == "a"
    assert s["rank_correlation"].values[0] > 0.95
    assert abs(float(s["rank_correlation"].sel(input="b"))) < 0.2
    assert float(s["rbd_fast_s1"].sel(input="a")) > 0.8


def test_analyses_need_kept_draws(tmp_path):
    r = dieroll.run(_prior(tmp_path), draws=500, model=TOY)
    with pytest.raises(DierollError, match="--keep-draws"):
        dieroll.disputes(r)

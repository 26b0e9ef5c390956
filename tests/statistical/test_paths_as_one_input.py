"""A path is one input of the tornado and the disputes screen: its mean up to the month asked,
interpolated as the model does (checked against a month-by-month loop), so that no knot shows as a
driver of a month it cannot affect."""
import numpy as np
import pytest

import dieroll
from dieroll.analysis.sensitivity import path_mean, sensitivity


@pytest.mark.parametrize("mode", ["linear", "log", "step"])
def test_path_mean_is_the_mean_of_the_interpolated_months(mode):
    rng = np.random.default_rng(1)
    knots = rng.uniform(1, 5, size=(50, 3))
    months = np.array([2.5, 10.0, 30.0])
    for upto in (0, 2, 7, 10, 29, 45):
        want = []
        for t in range(upto + 1):
            if t <= months[0]:
                v = knots[:, 0]
            elif t >= months[-1]:
                v = knots[:, -1]
            else:
                i = int(np.searchsorted(months, t, side="right") - 1)
                f = (t - months[i]) / (months[i + 1] - months[i])
                a, b = knots[:, i], knots[:, i + 1]
                v = {"linear": a + f * (b - a), "log": np.exp(np.log(a) + f * (np.log(b) - np.log(a))),
                     "step": a}[mode]
            want.append(v)
        np.testing.assert_allclose(path_mean(knots, months, upto, mode), np.mean(want, axis=0), rtol=1e-12)


def test_the_tornado_counts_a_path_once_and_only_through_the_months_it_reaches(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text('''[run]
title = "t"
model = "stock-growth"
start = 2026-01-01
end = 2030-12-31
draws = 4000
seed = 5

[quantities.initial_stock]
description = "s"
units = "H100e"
source = "s"
dist = { family = "lognormal", p5 = 10_000_000, p95 = 20_000_000 }

[quantities.growth_per_year]
description = "g"
units = "1/year"
source = "s"
interpolate = "linear"
knot_rank = 0.9
  [quantities.growth_per_year.path]
  2026-06 = { family = "uniform", min = 0.2, max = 1.0 }
  2029-06 = { family = "uniform", min = 0.0, max = 2.0 }

[quantities.attrition_per_year]
description = "a"
units = "1/year"
source = "s"
dist = { family = "uniform", min = 0.03, max = 0.15 }
''')
    res = dieroll.run(str(f), keep_draws=True)
    early = sensitivity(res, "stock_h100e", at="2026-04", salib=False)
    names = sorted(str(n) for n in early["input"].values)
    assert names == ["attrition_per_year", "growth_per_year", "initial_stock"]
    # before its first knot the path is that knot, held: its correlation is the first knot's, and the
    # 2029 knot (coupled to it by knot_rank) is no separate driver
    y = res.prior_predictive["stock_h100e"].sel(time="2026-04-01").values.ravel()
    k0 = res.prior["growth_per_year"].values[:, 0]
    from scipy import stats
    assert float(early["rank_correlation"].sel(input="growth_per_year")) == pytest.approx(
        stats.spearmanr(k0, y)[0], abs=1e-12)
    late = sensitivity(res, "stock_h100e", at="2030-12", salib=False)
    assert sorted(str(n) for n in late["input"].values) == names

"""Loading, extends rules, weights, the resolved text, and the shipped priors."""
import glob
import os

import numpy as np
import pytest

from dieroll.errors import PriorsError
from dieroll import load_priors

from ..conftest import PRIORS

BASE = '''[run]
title = "base"
start = 2022-10-01
end = 2026-12-31
draws = 100
seed = 5

[quantities.y]
description = "yield"
units = "1"
  [[quantities.y.claims]]
  id = "a"
  source = "A"
  says = "low"
  weight = 3
  dist = { family = "beta", mean = 0.2, sd = 0.04 }
  [[quantities.y.claims]]
  id = "b"
  source = "B"
  says = "high"
  weight = 1
  dist = { family = "beta", mean = 0.4, sd = 0.06 }

[quantities.w]
description = "wafers"
units = "wafer/month"
source = "S"
  [quantities.w.path]
  2024-12 = { family = "fixed", value = 20_000 }
  2025-12 = { family = "lognormal", p5 = 35_000, p95 = 50_000 }

[quantities.z]
description = "z"
units = "1"
source = "S"
dist = { family = "uniform", min = 0, max = 1 }

[[correlations]]
between = ["y", "z"]
rank = 0.3
'''


@pytest.fixture
def base(tmp_path):
    p = tmp_path / "base.toml"
    p.write_text(BASE)
    return p


def test_weights_are_normalised(base):
    ps = load_priors(str(base), catalog=None)
    np.testing.assert_allclose(ps.quantities["y"].weights, [0.75, 0.25])
    assert [c.id for c in ps.quantities["y"].claims] == ["a", "b"]
    assert ps.disputed() == ["y"]


def test_knot_months_relative_to_start(base):
    ps = load_priors(str(base), catalog=None)
    assert [k.month for k in ps.quantities["w"].knots] == [26.0, 38.0]


def test_extends_overrides_run_weights_quantities_correlations(base, tmp_path):
    child = tmp_path / "child.toml"
    child.write_text('''extends = "base.toml"
[run]
draws = 7
[quantities.y]
weights = { b = 1, a = 0 }
[quantities.z]
source = "new source"
dist = { family = "fixed", value = 0.5 }
[[correlations]]
between = ["z", "y"]
rank = 0
''')
    ps = load_priors(str(child), catalog=None)
    assert ps.run.draws == 7 and ps.run.title == "base"
    np.testing.assert_allclose(ps.quantities["y"].weights, [0.0, 1.0])
    assert ps.quantities["z"].source == "new source" and ps.quantities["z"].description == "z"
    assert ps.correlations == ()
    assert ps.files[0].endswith("child.toml") and ps.files[1].endswith("base.toml")


def test_resolved_text_reloads_to_the_same_priors(base, tmp_path):
    child = tmp_path / "child.toml"
    child.write_text('extends = "base.toml"\n[quantities.y]\nweights = { b = 1, a = 0 }\n')
    ps = load_priors(str(child), catalog=None)
    again = tmp_path / "resolved.toml"
    again.write_text(ps.text)
    ps2 = load_priors(str(again), catalog=None)
    assert ps2.sha256 == ps.sha256
    np.testing.assert_allclose(ps2.quantities["y"].weights, ps.quantities["y"].weights)


def test_override_in_code(base):
    ps = load_priors(str(base), catalog=None)
    p2 = ps.extend({"quantities": {"y": {"weights": {"a": 1, "b": 1}}}}, catalog=None)
    np.testing.assert_allclose(p2.quantities["y"].weights, [0.5, 0.5])
    assert p2.sha256 != ps.sha256
    with pytest.raises(PriorsError, match="no claim with this id"):
        ps.extend({"quantities": {"y": {"weights": {"c": 1}}}}, catalog=None)


def test_mixture_quantiles_match_the_mixture_cdf(base):
    q = load_priors(str(base), catalog=None).quantities["y"]
    x = q.ppf([0.05, 0.5, 0.95])
    np.testing.assert_allclose(q.cdf(x), [0.05, 0.5, 0.95], rtol=1e-9)


SHIPPED = sorted(glob.glob(os.path.join(PRIORS, "*.toml")))


@pytest.mark.parametrize("path", SHIPPED, ids=[os.path.basename(p) for p in SHIPPED])
def test_shipped_priors_are_valid_and_cited(path):
    ps = load_priors(path)
    for q in ps.quantities.values():
        assert q.units and q.description
        if q.is_path or len(q.claims) == 1:
            assert q.source
        for c in q.claims:
            assert c.source and (len(q.claims) == 1 or c.says)


def test_scenarios_change_what_they_say(baseline):
    s = {os.path.basename(p): load_priors(p) for p in SHIPPED}
    csis = s["csis-2025.toml"]
    for name in ("tsmc_dies", "smic_yield", "dies_per_910c"):
        w = dict(zip([c.id for c in csis.quantities[name].claims], csis.quantities[name].weights))
        assert w["csis"] == 1.0
    heim = s["heim-2025.toml"].quantities["tsmc_dies"]
    assert dict(zip([c.id for c in heim.claims], heim.weights))["heim"] == 1.0
    ft = s["ft-yield.toml"]
    assert dict(zip([c.id for c in ft.quantities["smic_yield"].claims], ft.quantities["smic_yield"].weights))["ft"] == 1
    changed = [n for n in baseline.quantities
               if baseline.resolved["quantities"][n] != ft.resolved["quantities"][n]]
    assert changed == ["smic_yield"]
    assert s["no-smuggling.toml"].quantities["smuggled_2024"].claims[0].dist.ppf(0.5) == 0
    assert s["hbm-stockpile-only.toml"].quantities["hbm_domestic"].claims[0].dist.ppf(0.99) == 0

"""No silent numerical nonsense: overflowing weights and values refused in check,
run windows the time axis cannot hold refused, non-finite outputs caught during
the run with the variable, month and draw."""
import os
import subprocess
import sys

import numpy as np
import pytest

import dieroll
from dieroll.catalog import InputSpec, Model, OutputSpec
from dieroll.errors import PriorsError, RunError
from dieroll import load_priors

from ..conftest import BASELINE, ROOT


def _scenario(tmp_path, body):
    p = tmp_path / "s.toml"
    p.write_text(f'extends = "{BASELINE}"\n' + body)
    return str(p)


def test_weights_that_overflow_in_a_scenario_are_refused_by_check(tmp_path):
    p = _scenario(tmp_path, "[quantities.smic_yield.weights]\ncsis = 1e308\nft = 1e308\n")
    with pytest.raises(PriorsError, match=r"quantities.smic_yield.weights: these weights add up to more"):
        load_priors(p)
    r = subprocess.run([sys.executable, "-m", "dieroll.cli", "check", p], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "smic_yield.weights" in r.stderr


def test_large_but_finite_weights_still_mean_their_ratio(tmp_path):
    ps = load_priors(_scenario(tmp_path, "[quantities.smic_yield.weights]\ncsis = 3e307\nft = 1e307\n"
                                         "morgan_stanley = 0\n"))
    np.testing.assert_allclose(ps.quantities["smic_yield"].weights, [0.75, 0.25, 0.0], rtol=1e-12)


@pytest.mark.parametrize("start,end", [("1500-01-01", "1510-12-01"), ("2255-01-01", "2262-06-01")])
def test_run_windows_outside_the_time_axis_are_refused(tmp_path, start, end):
    p = _scenario(tmp_path, f"[run]\nstart = {start}\nend = {end}\n")
    with pytest.raises(PriorsError, match=r"run\.(start|end): must be from 1678-01-01 to 2262-03-31"):
        load_priors(p)


def test_the_last_months_the_axis_holds_are_labelled_right():
    from dieroll.priors.prior_set import RunSettings
    import datetime as dt
    rs = RunSettings(title="t", start=dt.date(2261, 10, 1), end=dt.date(2262, 3, 31), draws=1, seed=1,
                     quantiles=(0.5,), thresholds={})
    assert [str(d)[:7] for d in rs.dates()] == ["2261-10", "2261-11", "2261-12", "2262-01", "2262-02", "2262-03"]
    late = RunSettings(title="t", start=dt.date(2262, 1, 1), end=dt.date(2262, 8, 31), draws=1, seed=1,
                       quantiles=(0.5,), thresholds={})
    with pytest.raises(RunError, match="cannot be held by the time axis"):
        late.dates()  # built directly, past the validator: refused, never relabelled


def test_an_output_that_overflows_float32_is_named_with_its_month_and_draw(tmp_path):
    p = _scenario(tmp_path, '''
[quantities.smuggled_2024]
description = "Nvidia data-centre chips smuggled into China in 2024"
units = "chip/year"
source = "test: finite alone, too large for float32 once summed over months"
dist = { family = "fixed", value = 3e38 }
''')
    prior = load_priors(p)  # every input alone is representable
    # the month named must be the first where draw 0's float64 output passes float32's largest value
    ch = dieroll.evaluate(prior, draws=1)
    stock = ch.output("china_stock", channel="nvidia_smuggled", metric="inference")[:, 0]
    t = int(np.argmax(stock > np.finfo(np.float32).max))
    assert t > 0
    month = str(prior.run.dates()[t])[:7]
    with pytest.raises(RunError, match=r"produced inf for china_stock\[channel=nvidia_smuggled, metric=inference\] "
                                       rf"at {month}, draw 0\b"):
        dieroll.run(p, draws=500)


_INPUTS = (InputSpec("a", "1", "input", "test"),)
_OUTPUTS = (OutputSpec("x", "1", "first"), OutputSpec("y", "1", "second", (("route", ("p", "q")),)))


def _poisoned(bad_draw, bad_t, bad_row, value):
    def run_chunk(layout, scalars, knots, abs0, out):
        out[...] = scalars[:, 0][None, None, :]
        first = int(round(scalars[0, 0]))  # a = draw index (see the priors below)
        j = bad_draw - first
        if 0 <= j < out.shape[2]:
            out[bad_row, bad_t, j] = value
    return Model("poison", {i.name: i for i in _INPUTS}, _OUTPUTS, run_chunk)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("bad_draw", [5, 40_000])  # in the pilot, and in the main pass after it
def test_non_finite_values_are_caught_in_any_chunk(tmp_path, value, bad_draw, monkeypatch):
    # a's draws are 0, 1, 2, ... so the model knows which draw it is computing
    import dieroll.engine.chunks as sim_mod
    real = sim_mod._fill_inputs

    def fill(layout, seed, first, scalars, claims, knots):
        real(layout, seed, first, scalars, claims, knots)
        scalars[:, 0] = np.arange(first, first + scalars.shape[0])
    monkeypatch.setattr(sim_mod, "_fill_inputs", fill)
    p = tmp_path / "p.toml"
    p.write_text('[run]\ntitle = "t"\nstart = 2025-01-01\nend = 2025-12-31\ndraws = 50000\nseed = 1\n'
                 '[quantities.a]\ndescription = "a"\nunits = "1"\nsource = "s"\n'
                 'dist = { family = "uniform", min = 0, max = 1e6 }\n')
    model = _poisoned(bad_draw, 7, 2, value)  # row 2 = y[route=q]
    prior = load_priors(str(p), catalog=model.inputs)
    word = "nan" if np.isnan(value) else str(np.float32(value))
    with pytest.raises(RunError, match=rf"produced {word} for y\[route=q\] at 2025-08, draw {bad_draw:,}:"):
        dieroll.simulate(prior, model, chunk_size=8192)

"""Adding a channel in Python, to a model built in Python (the Model API): a small test model
(a fab channel) gains an ``imports`` channel with its own input, state and output
label, and runs end to end through the engine and the run store.

The rows of every output come from the model's :class:`OutputContract`; the
test model's kernel, the run's summary, its draws and ``assert_run_schema`` all
read it, so the new label lands in the right place without any index by hand.
"""
import math

import numpy as np
import pytest
from numba import prange

from dieroll import open_run
from dieroll._jit import kernel
from dieroll.api import run_to_folder
from dieroll.catalog import InputSpec, Model, OutputSpec
from dieroll.contract import OutputContract
from dieroll.testing import assert_run_schema

# --- the channels, each a function over its own named inputs (as a channel module would hold)


@kernel
def _fab_made(wpm, dies_per_wafer):
    return wpm * dies_per_wafer


@kernel
def _imports_arrived(per_year):
    return per_year / 12.0


def _model(with_imports: bool):
    channels = ("fab", "imports") if with_imports else ("fab",)
    inputs = [InputSpec("wpm", "wafer/month", "wafers", "fab", 0, math.inf, path=True),
              InputSpec("dies_per_wafer", "die/wafer", "dies per wafer", "fab", 0, math.inf),
              InputSpec("survival", "1", "monthly survival", "attrition", 0, 1)]
    if with_imports:
        inputs.append(InputSpec("imports_per_year", "chip/year", "chips imported a year", "imports", 0, math.inf))
    outputs = (OutputSpec("stock", "chip", "chips in hand by channel", (("channel", channels),)),
               OutputSpec("total", "chip", "chips in hand"))
    contract = OutputContract(outputs)
    o_stock = contract.rows_tuple("stock")
    o_total = contract.row("total")
    n_ch = len(channels)
    names = [i.name for i in inputs if not i.path]
    DPW, SURV = names.index("dies_per_wafer"), names.index("survival")
    IMP = names.index("imports_per_year") if with_imports else -1

    @kernel(parallel=True)
    def run(sc, kn, koff, nk, seg, frac, out):
        T = out.shape[1]
        for j in prange(sc.shape[0]):
            st = np.zeros(n_ch)
            for t in range(T):
                i = seg[t]
                a = kn[j, koff + i]
                wpm = a + frac[t] * (kn[j, koff + i + 1] - a) if i + 1 < nk else a
                new = (_fab_made(wpm, sc[j, DPW]), _imports_arrived(sc[j, IMP]) if IMP >= 0 else 0.0)
                tot = 0.0
                for c in range(n_ch):
                    st[c] = st[c] * sc[j, SURV] + new[c]
                    out[o_stock[c], t, j] = st[c]
                    tot += st[c]
                out[o_total, t, j] = tot

    def run_chunk(layout, scalars, knots, abs0, out):
        run(scalars, knots, int(layout.pa_koff[0]), int(layout.pa_nk[0]), layout.pa_seg[0], layout.pa_frac[0], out)

    return Model("test-channels", {i.name: i for i in inputs}, outputs, run_chunk)


PRIORS = '''
[run]
title = "test model with an added channel"
start = 2025-01-01
end = 2025-12-31
draws = 2000
seed = 7

[quantities.wpm]
description = "wafers"
units = "wafer/month"
source = "test"
dist = { family = "uniform", min = 100, max = 200 }

[quantities.dies_per_wafer]
description = "dies per wafer"
units = "die/wafer"
source = "test"
dist = { family = "fixed", value = 10 }

[quantities.survival]
description = "monthly survival"
units = "1"
source = "test"
dist = { family = "fixed", value = 0.99 }
'''

IMPORTS = '''
[quantities.imports_per_year]
description = "chips imported a year"
units = "chip/year"
source = "test"
dist = { family = "lognormal", p5 = 600, p95 = 2400 }
'''


@pytest.mark.parametrize("with_imports", [False, True])
def test_a_model_with_an_added_channel_runs_end_to_end(tmp_path, with_imports):
    model = _model(with_imports)
    p = tmp_path / "p.toml"
    p.write_text(PRIORS + (IMPORTS if with_imports else ""))
    path = run_to_folder(str(p), runs_dir=str(tmp_path / "runs"), name="x", keep_draws=True, charts=False,
                         model=model)
    assert_run_schema(path, model)
    run = open_run(path)
    labels = list(run.summary["channel"].values)
    assert labels == (["fab", "imports"] if with_imports else ["fab"])
    pp = run.prior_predictive
    # the total is the sum of the channels, draw by draw: the rows did not get mixed up
    parts = pp["stock"].sum("channel")
    np.testing.assert_allclose(pp["total"].values, parts.values, rtol=1e-6)
    fab = pp["stock"].sel(channel="fab").values[:, 0]
    wpm = run.prior["wpm"].values[:, 0]
    np.testing.assert_allclose(fab, wpm * 10, rtol=1e-6)
    if with_imports:
        imp = pp["stock"].sel(channel="imports").values[:, 0]
        np.testing.assert_allclose(imp, run.prior["imports_per_year"].values / 12, rtol=1e-6)


def test_the_schema_check_fails_for_the_wrong_model(tmp_path):
    """A run of the one-channel model does not pass as a run of the two-channel model."""
    p = tmp_path / "p.toml"
    p.write_text(PRIORS)
    path = run_to_folder(str(p), runs_dir=str(tmp_path / "runs"), name="y", charts=False, model=_model(False))
    with pytest.raises(AssertionError, match="coordinate channel"):
        assert_run_schema(path, _model(True))


def test_series_declared_identical_are_reduced_once_with_the_same_results(tmp_path):
    """With one channel the total is the fab stock: declared identical, the run's
    summary is the same, bit for bit, as counting both."""
    import dataclasses

    from dieroll import load_priors
    from dieroll.engine.simulate import simulate
    p = tmp_path / "p.toml"
    p.write_text(PRIORS)
    plain = _model(False)
    prior = load_priors(str(p), catalog=plain.inputs)
    same = dataclasses.replace(plain, identical=(("total", "stock[channel=fab]"),))
    a, b = (simulate(prior, m, draws=70_000, chunk_size=3000) for m in (plain, same))
    assert len(b.reducer.alias) == prior.run.n_steps and len(a.reducer.alias) == 0
    for x, y in zip(a.reducer.quantiles() + a.reducer.moments(), b.reducer.quantiles() + b.reducer.moments()):
        np.testing.assert_array_equal(x, y)


def test_a_false_identity_stops_the_run_naming_both_series(tmp_path):
    import dataclasses

    from dieroll import load_priors
    from dieroll.engine.simulate import simulate
    from dieroll.errors import RunError
    p = tmp_path / "p.toml"
    p.write_text(PRIORS + IMPORTS)
    model = dataclasses.replace(_model(True), identical=(("stock[channel=imports]", "stock[channel=fab]"),))
    prior = load_priors(str(p), catalog=model.inputs)
    with pytest.raises(RunError, match=r"declares stock\[channel=imports\] equal to stock\[channel=fab\].*"
                                       r"at 2025-01, draw 0 they are"):
        simulate(prior, model, draws=prior.run.draws)


def test_identities_are_checked_when_declared():
    contract = OutputContract(_model(True).outputs)
    assert contract.parse("stock[channel=imports]") == contract.row("stock", channel="imports")
    assert contract.parse("total") == contract.row("total")
    assert list(contract.sources((("total", "stock[channel=fab]"),))) == [0, 1, 0]
    for bad, msg in [((("total", "total"),), "equal to itself"),
                     ((("total", "stock[channel=fab]"), ("total", "stock[channel=imports]")), "two series"),
                     ((("total", "stock[channel=fab]"), ("stock[channel=fab]", "stock[channel=imports]")),
                      "declare each equal to the last"),
                     ((("total", "stock[channel=ships]"),), "channel must be one of"),
                     ((("total", "stock[fab]"),), "is not dimension=label"),
                     ((("total", "stock[channel=fab"),), "name\\[dimension=label"),
                     ((("totals", "total"),), "no output 'totals'")]:
        with pytest.raises(ValueError, match=msg):
            contract.sources(bad)


def test_year_flows_are_summarised_at_each_year_end_and_the_last_month():
    # OutputSpec.year_end rows: December of every year in the run and the run's last
    # month (a partial year's flow so far); every other output, every month
    import dataclasses
    import datetime as dt

    from dieroll import load_priors
    from dieroll.engine.simulate import summarised_rows
    from dieroll import MODEL

    from ..conftest import BASELINE
    prior = load_priors(BASELINE)
    run = dataclasses.replace(prior.run, start=dt.date(2024, 11, 1), end=dt.date(2026, 5, 1))
    prior = dataclasses.replace(prior, run=run)
    T = run.n_steps
    mask = summarised_rows(MODEL, prior).reshape(MODEL.n_series, T)
    months = [str(d)[:7] for d in run.dates()]
    for o in MODEL.outputs:
        rows = mask[MODEL.contract.block(o.name)]
        want = [m.endswith("-12") or m == "2026-05" for m in months] if o.year_end else [True] * T
        assert (rows == np.array(want)).all(), o.name
    assert sum(o.year_end for o in MODEL.outputs) == 4
    assert [m for m, w in zip(months, mask[MODEL.contract.row("ascend_made_ytd", route="smic")]) if w] == \
        ["2024-12", "2025-12", "2026-05"]

"""The compiled kernel of a model file against the plain numpy evaluator of the same trees.

Random small models (label sets, stocks, flows, auxiliaries, outputs, with sums
over labels, selections, prev(), ytd(), calendar-year outputs, date windows,
min/max/where and comparisons) are generated, checked, compiled and run on the
same sampled inputs; the two must agree to 1e-12 relative.
"""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dieroll._months import paths_on_grid
from dieroll.engine.simulate import evaluate
from dieroll.modelfile import build, check_file
from dieroll.modelfile.reference import evaluate_reference
from dieroll.priors import load_priors

PRIORS = """
[run]
title = "random model"
model = "{model}"
start = 2023-11-01
end = 2025-04-30
draws = 100
seed = 7

[quantities.x]
description = "x"
units = "1"
basis = "judgement"
reasoning = "test"
dist = {{ family = "uniform", min = 0.5, max = 2 }}
[quantities.y]
description = "y"
units = "1"
basis = "judgement"
reasoning = "test"
dist = {{ family = "uniform", min = -1, max = 1 }}
[quantities.r]
description = "r"
units = "1/month"
basis = "judgement"
reasoning = "test"
dist = {{ family = "uniform", min = 0.01, max = 0.2 }}
[quantities.p]
description = "p"
units = "1"
basis = "judgement"
reasoning = "test"
interpolate = "{interp}"
  [quantities.p.path]
  2024-01 = {{ family = "uniform", min = 0.5, max = 1 }}
  2024-09 = {{ family = "uniform", min = 1, max = 3 }}
"""

HEAD = """
[model]
name = "random"
title = "random"
[labels.k]
a = "A"
b = "B"
c = "C"
[inputs.x]
units = "1"
description = "x"
[inputs.y]
units = "1"
description = "y"
[inputs.r]
units = "1/month"
description = "r"
[inputs.p]
units = "1"
path = true
description = "p"
"""


def _leaf(draw, scalars, vectors, vector_ok):
    options = ["x", "y", "p", "s", "1.5", "after(2024-06)", "between(2024-02, 2024-03)"] + scalars
    for v in vectors:
        options += [f"sum_over({v}, k)", f"{v}[b]", f"max_over({v}, k)"]
        if vector_ok:
            options += [v] * 2
    return draw(st.sampled_from(options))


@st.composite
def expressions(draw, scalars, vectors, vector_ok, depth=0):
    if depth >= 3 or draw(st.integers(0, 3)) == 0:
        return _leaf(draw, scalars, vectors, vector_ok)
    a = draw(expressions(scalars, vectors, vector_ok, depth + 1))
    b = draw(expressions(scalars, vectors, vector_ok, depth + 1))
    form = draw(st.sampled_from([
        "({a} + {b})", "({a} - {b})", "({a} * {b})", "({a} / (1 + abs({b})))", "min({a}, {b})", "max({a}, {b})",
        "where({a} > {b}, {a}, {b} * 0.5)", "between(2024-02, 2024-07) * {a}", "exp(-abs({a}))",
        "clip({a}, -1, {b})", "fill(abs({a}), abs({b}) + 0.1)", "-{a}", "after(2024-05) * {a} + before(2024-05) * {b}",
        "where(({a} > 0) and not ({b} > 1), 1, 2)", "(1 + abs({a})) ** 0.5", "floor({a} * 3)",
    ]))
    return form.format(a=a, b=b)


@st.composite
def models(draw):
    lines = [HEAD]
    scalars, vectors = [], []
    n_aux = draw(st.integers(1, 4))
    for i in range(n_aux):
        vec = draw(st.booleans())
        name = f"a{i}"
        expr = draw(expressions(scalars, vectors, vec))
        if draw(st.integers(0, 4)) == 0 and (scalars or vectors):
            prev_of = draw(st.sampled_from(scalars + vectors))
            expr = f"({expr}) + 0.5 * prev({prev_of}{'' if prev_of in scalars or not vec else ''}" \
                   f"{'[a]' if prev_of in vectors and not vec else ''}, x)"
        lines.append(f"[aux.{name}]\nunits = \"1\"\n" + ('dims = ["k"]\n' if vec else "") + f'equation = "{expr}"\n')
        (vectors if vec else scalars).append(name)
    pick = draw(st.sampled_from(scalars + [f"sum_over({v}, k)" for v in vectors]))
    lines.append(f'[flows.inflow]\nunits = "1/month"\nequation = "r * abs({pick})"\n')
    lines.append('[flows.outflow]\nunits = "1/month"\nequation = "r * s"\n')
    flows = draw(st.sampled_from(['inflow = "inflow"\noutflow = "outflow"', 'change = "- outflow + inflow"',
                                  'change = "inflow - outflow * 0.5 - outflow * 0.5"']))
    lines.append(f'[stocks.s]\nunits = "1"\ninitial = "x"\n{flows}\n')
    for name in scalars + vectors:
        dims = 'dims = ["k"]\n' if name in vectors else ""
        lines.append(f'[outputs.o_{name}]\nunits = "1"\n{dims}long_name = "{name}"\nequation = "{name}"\n')
    lines.append('[outputs.o_s]\nunits = "1"\nlong_name = "s"\nequation = "s"\n')
    lines.append('[outputs.o_ytd]\nunits = "1"\nlong_name = "in per year"\nequation = "inflow"\ncalendar_year = true\n')
    lines.append('[outputs.o_ytd2]\nunits = "month"\nlong_name = "ytd"\nequation = "ytd(1 + 0 * s) * (1 + 0 * o_s)"\n')
    return "\n".join(lines)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=models(), interp=st.sampled_from(["linear", "log", "step"]))
def test_compiled_kernel_matches_the_numpy_reference(tmp_path, text, interp):
    mpath = tmp_path / "random.toml"
    mpath.write_text(text)
    spec = check_file(str(mpath))
    model = build(spec)
    ppath = tmp_path / "random-priors.toml"
    ppath.write_text(PRIORS.format(model="random.toml", interp=interp))
    prior = load_priors(str(ppath), catalog=model.inputs)
    ch = evaluate(prior, model, draws=100)
    from dieroll.engine.layout import build_layout
    layout = build_layout(prior, model.scalar_names, model.path_names)
    abs0 = prior.run.start.year * 12 + prior.run.start.month - 1
    ref = evaluate_reference(spec, ch.scalars, paths_on_grid(layout, ch.knots), abs0, prior.run.n_steps)
    assert ref.shape == ch.out.shape
    scale = np.maximum(np.abs(ref), 1.0)
    bad = np.abs(ch.out - ref) > 1e-12 * scale
    assert not bad.any(), (text, np.argwhere(bad)[:5], ch.out[bad][:5], ref[bad][:5])


def test_a_known_model_gives_hand_computed_numbers(tmp_path):
    """Hand arithmetic, not the code under test: a stock fed 20 r a month from 2024-01, losing r a month."""
    text = HEAD + """
[flows.inflow]
units = "1/month"
equation = "r * 20 * after(2024-01)"
[flows.outflow]
units = "1/month"
equation = "s * r"
[stocks.s]
units = "1"
initial = "10"
inflow = "inflow"
outflow = "outflow"
[outputs.level]
units = "1"
long_name = "s"
equation = "s"
[outputs.last_inflow]
units = "1/month"
long_name = "last month's inflow"
equation = "prev(inflow)"
[aux.start_level]
units = "1"
equation = "s"
[aux.start_twice]
units = "1"
equation = "s * 2"
[outputs.level_at_start]
units = "1"
long_name = "the stock at the start of the month, read through an auxiliary"
equation = "start_level"
[outputs.twice_at_start]
units = "1"
long_name = "twice the stock at the start of the month, an auxiliary read once, after the stocks change"
equation = "start_twice"
"""
    (tmp_path / "m.toml").write_text(text)
    (tmp_path / "p.toml").write_text(PRIORS.format(model="m.toml", interp="linear"))
    model = build(check_file(str(tmp_path / "m.toml")))
    prior = load_priors(str(tmp_path / "p.toml"), catalog=model.inputs)
    ch = evaluate(prior, model, draws=3)
    r = ch.scalars[1, model.scalar_names.index("r")]
    level, want, last, lasts, starts = 10.0, [], 0.0, [], []
    for m in range(prior.run.n_steps):
        month = 2023 * 12 + 10 + m
        starts.append(level)
        inflow = r * 20 if month >= 2024 * 12 else 0.0
        level = (level + inflow) - level * r
        want.append(level)
        lasts.append(last)  # prev() is last month's value, 0 in the first month
        last = inflow
    np.testing.assert_allclose(ch.out[0, :, 1], want, rtol=1e-14)
    np.testing.assert_array_equal(ch.out[1, :, 1], lasts)
    np.testing.assert_array_equal(ch.out[2, :, 1], starts)  # not the level after this month's flows
    np.testing.assert_array_equal(ch.out[3, :, 1], 2 * np.array(starts))

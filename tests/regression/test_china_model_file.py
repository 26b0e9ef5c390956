"""The China model as a model file (src/dieroll/models/china.toml) against the hand-wired kernel.

With the same priors and seed the file's compiled kernel must give the same bits as
dieroll.model's kernel: every series, every month, every draw, in the float32 chunks
runs write; and the run summary must be the same.  The numpy reference of the
file's trees must agree to 1e-12 (``slow``: it compiles the float64 kernel).
"""
from __future__ import annotations

import os

import numpy as np
import pytest

import dieroll
from dieroll._months import paths_on_grid
from dieroll.engine.layout import build_layout
from dieroll.engine.simulate import evaluate
from dieroll.model import MODEL
from dieroll.modelfile import build, check_file
from dieroll.modelfile.reference import evaluate_reference

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def china():
    spec = check_file("china")
    return spec, build(spec)


def test_declarations_match_the_hand_wired_model(china):
    _, model = china
    assert list(model.inputs.values()) == list(MODEL.inputs.values())
    assert model.outputs == MODEL.outputs


@pytest.mark.parametrize("priors", ["baseline.toml", "hbm-stockpile-only.toml", "scenarios/foundry-leakage.toml",
                                    "scenarios/h200-delivered.toml", "scenarios/hbm-controls-tight.toml"])
def test_every_series_has_the_same_bits(china, priors):
    _, model = china
    prior = dieroll.load_priors(os.path.join(ROOT, "priors", priors))
    # float32, as runs write chunks (the kernel specialised for runs, compiled once for the tests)
    a = evaluate(prior, MODEL, draws=1500, first=10_000, dtype=np.float32).out
    b = evaluate(prior, model, draws=1500, first=10_000, dtype=np.float32).out
    differ = np.argwhere(a != b)
    where = sorted({MODEL.contract.where(int(r)) for r in differ[:, 0]})[:5]
    assert len(differ) == 0, f"{len(differ)} values differ, in {where}"
    # the cases the HBM and queue logic must meet: HBM binding and dies binding both occur
    binding = a[MODEL.contract.block("ascend_binding")]
    assert binding[0].any() and binding.sum() > 0


def test_run_summaries_are_the_same(china):
    _, model = china
    path = os.path.join(ROOT, "priors", "baseline.toml")
    a = dieroll.run(path, draws=20_000).summary
    b = dieroll.run(path, draws=20_000, model=model).summary
    for v in a.data_vars:
        np.testing.assert_array_equal(a[v].values, b[v].values, err_msg=v)
    assert len(b.attrs["model_sha256"]) == 64


def _kernel_paths(spec, prior, ch, tmp_path):
    """The path values the kernel used (a model file whose outputs are the path inputs), so that
    the reference is compared on the equations alone: the kernel's log-linear interpolation
    differs from ``exp`` in the last places, which differences such as us_h100e - prev(us_h100e)
    would magnify."""
    lines = ['[model]\nname = "paths"\n[units]'] + [f'{u} = "{u}"' for u in spec.units]
    for name, i in spec.inputs.items():
        lines.append(f'[inputs.{name}]\nunits = "{i.units}"\npath = {str(i.path).lower()}\ndescription = "x"')
    paths = [n for n, i in spec.inputs.items() if i.path]
    for name in paths:
        lines.append(f'[outputs.echo_{name}]\nunits = "{spec.inputs[name].units}"\nequation = "{name}"')
    (tmp_path / "paths.toml").write_text("\n".join(lines) + "\n")
    echo = build(check_file(str(tmp_path / "paths.toml")))
    layout = build_layout(prior, echo.scalar_names, echo.path_names)
    out = np.empty((len(paths), prior.run.n_steps, ch.scalars.shape[0]))
    echo.run_chunk(layout, ch.scalars, ch.knots, prior.run.start.year * 12 + prior.run.start.month - 1, out)
    return {name: out[k].T for k, name in enumerate(paths)}


@pytest.mark.slow  # compiles the float64 kernel (1-2 min); the property test compares kernels and reference
def test_the_numpy_reference_of_the_file_agrees(china, tmp_path):
    spec, model = china
    prior = dieroll.load_priors(os.path.join(ROOT, "priors", "baseline.toml"))
    ch = evaluate(prior, model, draws=300)
    abs0 = prior.run.start.year * 12 + prior.run.start.month - 1
    paths = _kernel_paths(spec, prior, ch, tmp_path)
    layout = build_layout(prior, model.scalar_names, model.path_names)
    grid = paths_on_grid(layout, ch.knots)  # the two interpolations agree closely
    for name, v in paths.items():
        np.testing.assert_allclose(v, grid[name], rtol=1e-12, err_msg=name)
    ref = evaluate_reference(spec, ch.scalars, paths, abs0, prior.run.n_steps)
    scale = np.maximum(np.abs(ref), 1.0)
    bad = np.abs(ch.out - ref) > 1e-12 * scale
    assert not bad.any(), sorted({model.contract.where(int(r)) for r in np.argwhere(bad)[:, 0]})[:5]

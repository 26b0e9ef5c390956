"""Model files end to end: a packaged example runs from its priors through the CLI, records its model,
and its compiled kernel agrees with the numpy reference and with itself across threads and chunks."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import xarray as xr

import dieroll
from dieroll._months import paths_on_grid
from dieroll.engine.layout import build_layout
from dieroll.engine.simulate import evaluate
from dieroll.modelfile import build, check_file
from dieroll.modelfile.reference import evaluate_reference
from dieroll.priors import load_priors

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PRIORS = os.path.join(ROOT, "priors", "examples", "smuggling-cases.toml")


def test_smuggling_example_kernel_matches_reference():
    spec = check_file("smuggling-cases")
    model = build(spec)
    prior = load_priors(PRIORS, catalog=model.inputs)
    ch = evaluate(prior, model, draws=500)
    layout = build_layout(prior, model.scalar_names, model.path_names)
    abs0 = prior.run.start.year * 12 + prior.run.start.month - 1
    ref = evaluate_reference(spec, ch.scalars, paths_on_grid(layout, ch.knots), abs0, prior.run.n_steps)
    np.testing.assert_allclose(ch.out, ref, rtol=1e-12, atol=1e-9)
    # the blend is the weighted sum of the methods, and the stock never goes below zero
    c = model.contract
    w = ch.scalars[:, model.scalar_names.index("case_weight")]
    blend = w * ch.out[c.row("estimate_by_method", method="cases")] + (1 - w) * ch.out[
        c.row("estimate_by_method", method="survey")]
    np.testing.assert_allclose(ch.out[c.row("smuggled_per_month")], blend, rtol=1e-15)
    assert (ch.out[c.row("smuggled_stock")] >= 0).all()


def test_stock_growth_example_is_the_stock_growth_arithmetic():
    """Hand arithmetic: stock * (1 + g)^(1/12) less stock * (1 - (1 - a)^(1/12)), month by month."""
    spec = check_file("stock-growth")
    model = build(spec)
    prior = load_priors(os.path.join(ROOT, "priors", "examples", "stock-growth.toml"), catalog=model.inputs)
    ch = evaluate(prior, model, draws=50)
    layout = build_layout(prior, model.scalar_names, model.path_names)
    g = paths_on_grid(layout, ch.knots)["growth_per_year"]
    s0 = ch.scalars[:, model.scalar_names.index("initial_stock")]
    a = ch.scalars[:, model.scalar_names.index("attrition_per_year")]
    stock, want = s0.copy(), []
    for t in range(prior.run.n_steps):
        stock = stock + stock * ((1 + g[:, t]) ** (1 / 12) - 1) - stock * (1 - (1 - a) ** (1 / 12))
        want.append(stock.copy())
    np.testing.assert_allclose(ch.out[model.contract.row("stock_h100e")], np.array(want), rtol=1e-11)


def test_results_do_not_depend_on_threads_or_chunks():
    a = dieroll.run(PRIORS, draws=3000, threads=1, chunk_size=512)
    b = dieroll.run(PRIORS, draws=3000, threads=2, chunk_size=2048)
    for v in a.summary.data_vars:
        np.testing.assert_array_equal(a.summary[v].values, b.summary[v].values)
    assert a.summary.attrs["model"] == "smuggling-cases"
    assert len(a.summary.attrs["model_sha256"]) == 64 and "[flows.smuggled]" in a.summary.attrs["model_text"]


def test_cli_runs_the_example_and_records_its_model(tmp_path):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    r = subprocess.run([sys.executable, "-m", "dieroll.cli", "--runs-dir", str(tmp_path), "run", PRIORS, "--draws",
                        "2000", "--quiet"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    run = tmp_path / "smuggling-cases"
    man = json.loads((run / "manifest.json").read_text())
    spec = check_file("smuggling-cases")
    assert man["model"] == "smuggling-cases" and man["model_sha256"] == spec.sha256
    ds = xr.open_dataset(run / "summary.nc")
    assert ds.attrs["model_text"] == spec.text
    assert (run / "fan.png").stat().st_size > 10_000
    assert f"model smuggling-cases (sha256 {spec.sha256[:12]})" in (run / "fan.svg").read_text()
    # describe --markdown writes every equation with its units
    d = subprocess.run([sys.executable, "-m", "dieroll.cli", "describe", "smuggling-cases", "--markdown"],
                       capture_output=True, text=True, env=env)
    assert d.returncode == 0, d.stderr
    for v in [*spec.flows.values(), *spec.outputs.values()]:
        for text in v.texts.values():
            assert f"`{text}`" in d.stdout


def test_a_bad_model_file_is_one_clear_message_and_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(Path(ROOT, "src", "dieroll", "models", "smuggling_cases.toml").read_text()
                   .replace('equation = "smuggled_chips"', 'equation = "smuggled_chip"'))
    r = subprocess.run([sys.executable, "-m", "dieroll.cli", "--runs-dir", str(tmp_path), "run", PRIORS, "--model",
                        str(bad), "--quiet"], capture_output=True, text=True)
    assert r.returncode == 2
    assert "bad.toml" in r.stderr and "unknown name 'smuggled_chip'; did you mean 'smuggled_chips'?" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "smuggling-cases").exists()


def test_the_docs_of_every_packaged_model_are_generated_from_its_file():
    from dieroll.modelfile import describe_markdown, packaged_models
    for name in packaged_models():
        doc = "docs/model.md" if name == "china" else f"docs/models/{name}.md"
        path = os.path.join(ROOT, doc)
        want = describe_markdown(check_file(name)) + "\n"
        have = Path(path).read_text(encoding="utf-8") if os.path.exists(path) else ""
        assert have == want, f"{doc} is stale: run dieroll describe {name} --markdown > {doc}"


def test_describe_draws_the_stock_and_flow_diagram(tmp_path):
    import shutil

    import pytest
    from dieroll.modelfile import diagram_dot
    text = diagram_dot(check_file("smuggling-cases"))
    assert '"smuggled" -> "smuggled_chips"' in text and '"smuggled_chips" -> "retired"' in text
    assert '"case_weight" -> "smuggled"' in text
    if shutil.which("dot") is None:
        pytest.skip("no Graphviz dot on this machine (.ci/run installs Debian's graphviz)")
    for ext, magic in (("svg", b"<svg"), ("png", b"\x89PNG")):
        out = tmp_path / f"m.{ext}"
        r = subprocess.run([sys.executable, "-m", "dieroll.cli", "describe", "smuggling-cases", "--graph", str(out)],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert magic in out.read_bytes()[:400]
    assert "smuggled_chips" in (tmp_path / "m.svg").read_text()


def test_without_graphviz_the_diagram_is_a_clear_message(monkeypatch):
    import pytest
    from dieroll.errors import DierollError
    from dieroll.modelfile import diagram
    monkeypatch.setattr(diagram.shutil, "which", lambda name: None)
    with pytest.raises(DierollError, match="needs Graphviz's dot program.*apt-get install graphviz"):
        diagram.render(check_file("smuggling-cases"), "svg")

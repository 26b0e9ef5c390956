"""The layers are a contract (import-linter, configured in pyproject.toml) checked in make test."""
import os
import shutil
import subprocess
import sys

from ..conftest import ROOT

CONTRACTS = ("Each layer imports only the layers below it",
             "The command line uses the public API that notebooks use",
             "Private modules (kernels and helpers) are imported only inside their own package",
             "The priors language imports nothing of the model",
             "Charts and analyses read datasets",
             "Model code (the model language, engine, priors, distributions) imports no xarray or matplotlib")


def test_import_contracts_hold():
    exe = shutil.which("lint-imports", path=os.path.dirname(sys.executable))
    assert exe, "import-linter is part of the test extra: pip install -e '.[test]'"
    out = subprocess.run([exe, "--config", os.path.join(ROOT, "pyproject.toml"), "--no-cache"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    text = " ".join((out.stdout + out.stderr).split())  # the report wraps long names
    for name in CONTRACTS:
        assert name in text, f"contract {name!r} not checked:\n{text[-2000:]}"
    assert out.returncode == 0 and f"Contracts: {len(CONTRACTS)} kept, 0 broken." in text, text[-4000:]


def test_the_public_api_is_what_the_cli_reaches():
    """What the CLI needs from below a subpackage is re-exported by the subpackage (so notebooks reach it too)."""
    import dieroll.analysis
    import dieroll.engine
    import dieroll.plot
    import dieroll.selection
    import dieroll.store
    import dieroll.text
    for mod, names in ((dieroll.store, ("headline_rows", "run_files", "clean", "open_run", "read_manifest")),
                       (dieroll.plot, ("save", "save_table", "chart_command", "disputes_figure")),
                       (dieroll.analysis, ("differences", "table_months", "disputes", "sensitivity")),
                       (dieroll.engine, ("STOP",)), (dieroll.selection, ("period_month",)),
                       (dieroll.text, ("human_bytes",))):
        for n in names:
            assert n in mod.__all__, (mod.__name__, n)
            assert n == "STOP" or callable(getattr(mod, n)), (mod.__name__, n)
    # the engine exports no name that hides one of its modules (tests patch dieroll.engine.simulate)
    import inspect

    import dieroll.engine.simulate as sim
    assert inspect.ismodule(sim) and hasattr(sim, "simulate")
    assert callable(dieroll.analysis.disputes) and callable(dieroll.analysis.sensitivity)


#: Import cycles that are allowed, each with its reason: PriorSet's convenience methods
#: (``extend``, ``with_weights``, ``with_values``, ``what_if``, ``as_of_date``) import, when
#: called, the validator that builds a PriorSet.
ALLOWED_CYCLES = {frozenset({"dieroll.priors.prior_set", "dieroll.priors"}),
                  frozenset({"dieroll.priors.prior_set", "dieroll.priors.what_if", "dieroll.priors.validate"}),
                  frozenset({"dieroll.priors.prior_set", "dieroll.priors.as_of", "dieroll.priors.validate"})}


def test_no_import_cycles():
    """No module of dieroll imports, directly or through others, a module that imports
    it back (imports inside functions count: they are cycles a reader must untangle)."""
    import grimp
    g = grimp.build_graph("dieroll")
    mods = sorted(g.modules)

    def within(a, b):  # a package and its own modules: importing the package runs its __init__
        return a.startswith(b + ".") or b.startswith(a + ".")

    cycles = set()
    for m in mods:
        for d in g.find_modules_directly_imported_by(m):
            if d == m or within(d, m):
                continue
            back = g.find_shortest_chain(importer=d, imported=m)
            if back:
                cycles.add(frozenset((m,) + tuple(back)))
    bad = [sorted(c) for c in cycles if not any(c <= allowed or allowed <= c for allowed in ALLOWED_CYCLES)]
    assert not bad, bad

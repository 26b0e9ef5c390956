"""A run made with what-ifs says so: its title is the priors' title and the changes (or
--title), in the summary, the manifest, show, list, every chart's subtitle and footnote."""
import json
import os

import matplotlib.pyplot as plt
import pytest

import dieroll
from dieroll.cli import main
from dieroll.store import open_run

from ..conftest import BASELINE

BASE_TITLE = dieroll.load_priors(BASELINE).run.title


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("titled"))
    kw = dict(runs_dir=d, draws=300, charts=False)
    plain = dieroll.run_to_folder(BASELINE, name="plain", **kw)
    changed = dieroll.run_to_folder(BASELINE, name="changed", weights=["smic_yield.ft=0.8"],
                                    sets=["packaging_yield=0.7"], **kw)
    named = dieroll.run_to_folder(BASELINE, name="named", sets=["packaging_yield=0.7"], title="Packaging at 70 %",
                                  **kw)
    return d, {n: open_run(p) for n, p in (("plain", plain), ("changed", changed), ("named", named))}


def test_the_title_names_the_changes(runs):
    _, r = runs
    want = f"{BASE_TITLE} + smic_yield: ft 80 %; packaging_yield = 0.7"
    assert r["plain"].summary.attrs["title"] == BASE_TITLE
    assert r["changed"].summary.attrs["title"] == want and r["changed"].manifest["title"] == want
    assert r["named"].summary.attrs["title"] == "Packaging at 70 %"
    resolved = dieroll.load_priors(os.path.join(r["changed"].path, "priors.toml"))
    assert resolved.run.title == want  # the resolved priors.toml holds it too


def test_show_list_and_charts_use_it(runs, capsys):
    d, r = runs
    assert main(["--runs-dir", d, "show", "changed"]) == 0
    assert capsys.readouterr().out.startswith(f"{BASE_TITLE} + smic_yield: ft 80 %")
    assert main(["--runs-dir", d, "list", "--quick"]) == 0
    listing = capsys.readouterr().out
    line = next(ln for ln in listing.splitlines() if ln.startswith("changed"))
    assert f"{BASE_TITLE} + smic" in line
    fig = dieroll.plot.fan_figure(r["changed"].summary, command="c")
    texts = [t.get_text() for t in fig.texts] + [t.get_text() for ax in fig.axes for t in ax.texts]
    plt.close(fig)
    assert any(f"{BASE_TITLE} + smic_yield: ft 80 %" in t for t in texts), texts
    assert any("priors baseline.toml + 2 what-ifs" in t for t in texts), texts
    fig = dieroll.plot.fan_figure(r["plain"].summary, command="c")
    texts = [t.get_text() for t in fig.texts]
    plt.close(fig)
    assert not any("what-if" in t for t in texts)
    assert json.loads(r["changed"].summary.attrs["what_ifs"]) == ["--weight smic_yield.ft=0.8",
                                                                  "--set packaging_yield=0.7"]

"""The Monte Carlo standard error is shown: ``show`` names the largest relative error of the
medians it prints, and exports carry each median's error."""
import os

import numpy as np
import pytest

from dieroll.cli import main
from dieroll.export import table
from dieroll.selection import headlines
from dieroll.store import median_precision, open_run


@pytest.fixture(scope="module")
def run(small_run):
    return open_run(small_run)


def test_show_names_the_largest_error_of_the_medians_it_prints(run, capsys):
    ds = run.summary
    at = [np.datetime64("2026-12-01"), np.datetime64("2030-12-01")]
    errs = []
    for var, sel, label in headlines(ds):
        for t in at:
            med = float(ds[var].sel(**sel).sel(time=t, quantile=0.5))
            e = float(ds[f"{var}_quantile_mcse"].sel(**sel).sel(time=t, quantile=0.5))
            errs.append((abs(e / med), f"{label} at {str(t)[:7]}"))
    want = max(errs)
    assert median_precision(ds, at) == pytest.approx(want)
    runs_dir, name = os.path.split(run.path)
    assert main(["--runs-dir", runs_dir, "show", name, "--at", "2026-12", "2030-12"]) == 0
    out = capsys.readouterr().out
    assert f"Monte Carlo standard error of these medians at most {want[0]:.2%} ({want[1]})" in out


def test_exports_carry_each_medians_error(run):
    t = table(run, variables=["china_total"], by="year")
    ds = run.summary
    for _, r in t.iterrows():
        e = float(ds["china_total_quantile_mcse"].sel(metric=r["metric"], time=f"{r['month']}-01", quantile=0.5))
        assert r["median_mcse"] == pytest.approx(float(f"{e:.2g}"), rel=1e-12)


def test_the_report_states_the_error_of_its_headline_medians(run, tmp_path):
    from dieroll.report import build_report
    page = build_report(run)
    ds = run.summary
    times = [t for t in ds["time"].values if str(t)[5:7] == "12"]
    worst = median_precision(ds, times)
    assert f"The Monte Carlo standard error of these medians is at most {worst[0]:.2%} of the median" in page

"""Files other tools accept: summary.nc through the CF checker, draws.zarr through ArviZ."""
import ctypes.util
import gzip
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

from dieroll.store import open_run
from dieroll.units import cf_attrs, cf_units, model_units

from ..conftest import DATA

CF = os.path.join(DATA, "cf")


def test_counts_become_one_and_rates_per_month():
    assert cf_units("H100e") == "1"
    assert cf_units("package/month") == "month-1"
    assert cf_units("die/wafer") == "1"
    assert cf_units("1/year") == "year-1"
    assert cf_units("year") == "year"
    assert cf_attrs("H100e") == {"units": "1", "counted": "H100e"}
    assert cf_attrs("1") == {"units": "1"}
    assert model_units({"units": "month-1", "counted": "package/month"}) == "package/month"
    assert model_units({"units": "1"}) == "1"


def test_every_unit_in_the_run_files_is_cf_and_keeps_what_it_counts(small_run):
    from dieroll import MODEL
    run = open_run(small_run)
    allowed = {"1", "month-1", "year-1", "year", "month"}
    for o in MODEL.outputs:
        for v in (o.name, f"{o.name}_mean", f"{o.name}_quantile_mcse"):
            a = run.summary[v].attrs
            assert a["units"] in allowed, (v, a)
            assert model_units(a) == o.units, v
        assert model_units(run.prior_predictive[o.name]) == o.units
    for name in run.prior.data_vars:
        if not name.endswith("_claim"):
            assert run.prior[name].attrs["units"] in allowed, name
    t, b = run.summary["time"].values, run.summary["time_bnds"].values
    assert run.summary["time"].attrs["bounds"] == "time_bnds"
    np.testing.assert_array_equal(b[:, 0], t)
    np.testing.assert_array_equal(b[:-1, 1], t[1:])  # each month ends where the next begins
    assert str(b[-1, 1])[:10] == str(np.datetime64(str(t[-1])[:7], "M") + 1) + "-01"


def _udunits() -> bool:
    return ctypes.util.find_library("udunits2") is not None


@pytest.mark.skipif(shutil.which("cfchecks", path=os.path.dirname(sys.executable)) is None,
                    reason="cfchecker is not installed (pip install -e '.[test]')")
@pytest.mark.skipif(not _udunits(), reason="the UDUNITS-2 library is missing (Debian: apt install libudunits2-0; "
                                           ".ci/run installs it)")
def test_summary_passes_the_cf_checker_offline(small_run, tmp_path):
    table = tmp_path / "cf-standard-name-table.xml"
    with gzip.open(os.path.join(CF, "cf-standard-name-table-v93.xml.gz")) as src:
        table.write_bytes(src.read())
    exe = shutil.which("cfchecks", path=os.path.dirname(sys.executable))
    out = subprocess.run([exe, "-s", str(table), "-a", os.path.join(CF, "area-type-table.xml"),
                          "-r", os.path.join(CF, "standardized-region-list.xml"),
                          os.path.join(small_run, "summary.nc")],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    text = out.stdout + out.stderr
    assert "Traceback" not in text, text[-3000:]
    assert "Using Standard Name Table Version 93" in text  # the shipped table, not a download
    errors = re.search(r"ERRORS detected: (\d+)", text)
    assert errors, text[-3000:]
    assert int(errors.group(1)) == 0, "\n".join(l for l in text.splitlines() if "ERROR" in l)[:3000]
    assert "FATAL" not in text


def test_draws_store_opens_in_arviz_and_summarises(small_run):
    az = pytest.importorskip("arviz", reason="ArviZ is not installed (pip install -e '.[test]')")
    path = os.path.join(small_run, "draws.zarr")
    tree = xr.open_datatree(path, engine="zarr")  # ArviZ's own from_zarr refuses zarr 3
    idata = az.InferenceData.from_datatree(tree)
    assert set(idata.groups()) == {"prior", "prior_predictive"}
    assert idata.prior.sizes["chain"] == 1 and idata.prior.sizes["draw"] == 3000
    s = az.summary(idata, group="prior", var_names=["smic_yield", "tsmc_dies"], kind="stats", round_to="none")
    run = open_run(small_run)
    for name in ("smic_yield", "tsmc_dies"):
        x = run.prior[name].values.astype(float)
        assert s.loc[name, "mean"] == pytest.approx(x.mean(), rel=1e-12)
        assert s.loc[name, "sd"] == pytest.approx(x.std(ddof=1), rel=1e-9)
    pp = az.summary(idata, group="prior_predictive", var_names=["us_total"], kind="stats", round_to="none")
    assert len(pp) == run.summary.sizes["time"]
